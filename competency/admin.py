"""Admin for HR superusers. Content of frozen versions is shown read-only; the models refuse it anyway."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    BehaviouralIndicator,
    Competency,
    CompetencyArea,
    Framework,
    FrameworkVersion,
    IsoClause,
    ProficiencyLevel,
    ProficiencyScale,
    ReviewComment,
)


class FrozenContentAdmin(SimpleHistoryAdmin):
    """Nothing in an approved, published or retired version can be changed or deleted here."""

    def _editable(self, obj) -> bool:
        return obj is None or obj.owning_version().is_editable

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self._editable(obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self._editable(obj)


class LevelInline(admin.TabularInline):
    model = ProficiencyLevel
    extra = 0


@admin.register(ProficiencyScale)
class ScaleAdmin(SimpleHistoryAdmin):
    list_display = ["name", "proficient_value"]
    inlines = [LevelInline]


@admin.register(IsoClause)
class IsoClauseAdmin(admin.ModelAdmin):
    list_display = ["number", "title"]
    search_fields = ["number", "title"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # reference data, loaded by a migration

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Framework)
class FrameworkAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "scale", "owner", "source"]
    search_fields = ["name", "code"]


@admin.register(FrameworkVersion)
class FrameworkVersionAdmin(SimpleHistoryAdmin):
    list_display = ["framework", "number", "status", "approved_by", "approved_at", "effective_date"]
    list_filter = ["status"]
    list_select_related = ["framework", "approved_by"]
    # The life cycle runs through the pages (and their checks); the admin only reads versions.
    readonly_fields = [f.name for f in FrameworkVersion._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or obj.is_editable)


@admin.register(CompetencyArea)
class AreaAdmin(FrozenContentAdmin):
    list_display = ["code", "name", "version", "position"]
    list_select_related = ["version__framework"]
    search_fields = ["code", "name"]
    raw_id_fields = ["version"]


@admin.register(Competency)
class CompetencyAdmin(FrozenContentAdmin):
    list_display = ["code", "name", "area", "version"]
    list_select_related = ["area", "version__framework"]
    search_fields = ["code", "name"]
    raw_id_fields = ["version", "area", "parent", "related"]
    filter_horizontal = ["clauses"]


@admin.register(BehaviouralIndicator)
class IndicatorAdmin(FrozenContentAdmin):
    list_display = ["competency", "level", "text"]
    list_select_related = ["competency__version__framework"]
    raw_id_fields = ["competency"]


@admin.register(ReviewComment)
class ReviewCommentAdmin(SimpleHistoryAdmin):
    list_display = ["version", "competency", "author", "status", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["version", "competency"]
