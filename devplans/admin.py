"""Development plans in the admin: read-only, with their audit history. Plans change on Proficio's pages
only, whose services keep the status flow, the version and the signatures true."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import Objective, Plan


class ObjectiveInline(ReadOnlyInline):
    model = Objective
    fields = ["competency", "current_level", "target_level", "due_date", "check_method", "check_due", "met_at"]


@admin.register(Plan)
class PlanAdmin(ReadOnlyAdmin):
    list_display = ["person", "status", "version", "created_at", "approved_at", "completed_at"]
    list_filter = ["status"]
    search_fields = ["person__user__last_name", "person__user__email", "person__employee_id"]
    list_select_related = ["person__user"]
    inlines = [ObjectiveInline]
