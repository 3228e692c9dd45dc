"""Gap analyses in the admin: the runs, read-only. Their figures are read on Proficio's own pages,
which apply the audience rules."""

from django.contrib import admin

from core.admin import ViewOnly

from .models import Analysis


@admin.register(Analysis)
class AnalysisAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["cycle", "release_number", "status", "current", "leaders", "readiness", "created_at", "finished_at"]
    list_filter = ["status", "current"]
    fields = ["cycle", "release_number", "framework_version", "status", "current", "requested_by", "batch_size",
              "created_at", "started_at", "finished_at", "progress", "leaders", "readiness"]
    list_select_related = ["cycle"]
