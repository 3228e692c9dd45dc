"""Frameworks, scales and reviews in the admin: read-only, with their audit history.

They are controlled documents: every change goes through Proficio's pages, whose services check the
life cycle and freeze what was reviewed or approved.
"""

from django.contrib import admin

from core.admin import ReadOnlyAdmin, ReadOnlyInline, ViewOnly

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


class LevelInline(ReadOnlyInline):
    model = ProficiencyLevel


@admin.register(ProficiencyScale)
class ScaleAdmin(ReadOnlyAdmin):
    list_display = ["name", "proficient_value"]
    inlines = [LevelInline]


@admin.register(ProficiencyLevel)
class LevelAdmin(ReadOnlyAdmin):
    list_display = ["scale", "value", "name"]
    list_select_related = ["scale"]


@admin.register(IsoClause)
class IsoClauseAdmin(ViewOnly, admin.ModelAdmin):
    """Reference data, loaded by a migration."""

    list_display = ["number", "title"]
    search_fields = ["number", "title"]


@admin.register(Framework)
class FrameworkAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "scale", "owner", "source"]
    search_fields = ["name", "code"]
    list_select_related = ["scale", "owner"]


@admin.register(FrameworkVersion)
class FrameworkVersionAdmin(ReadOnlyAdmin):
    list_display = ["framework", "number", "status", "approved_by", "approved_at", "effective_date"]
    list_filter = ["status"]
    list_select_related = ["framework", "approved_by"]


@admin.register(CompetencyArea)
class AreaAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "version", "position"]
    list_select_related = ["version__framework"]
    search_fields = ["code", "name"]


@admin.register(Competency)
class CompetencyAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "area", "version"]
    list_select_related = ["area", "version__framework"]
    search_fields = ["code", "name"]


@admin.register(BehaviouralIndicator)
class IndicatorAdmin(ReadOnlyAdmin):
    list_display = ["competency", "level", "text"]
    list_select_related = ["competency__version__framework"]


@admin.register(ReviewComment)
class ReviewCommentAdmin(ReadOnlyAdmin):
    list_display = ["version", "competency", "author", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["version__framework", "competency", "author"]
