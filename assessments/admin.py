"""Cycles in the admin: read-only, with their audit history, and counts only.

No admin page shows an answer, a rater's questionnaire content or a stored result: raw answers are
never shown to anyone, and results are read on Proficio's own pages, which apply the audience rules.
"""

from django.contrib import admin
from django.db.models import Count, Q

from core.admin import ReadOnlyAdmin

from .models import Cycle, QuestionnaireStatus


@admin.register(Cycle)
class CycleAdmin(ReadOnlyAdmin):
    list_display = ["name", "status", "opens_on", "closes_on", "leaders", "questionnaires", "submitted"]
    fields = ["name", "framework_version", "status", "opens_on", "closes_on", "release_number", "released_at",
              "created_by", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            leader_count=Count("participants", distinct=True),
        )

    @admin.display(description="leaders")
    def leaders(self, cycle) -> int:
        return cycle.leader_count

    @admin.display(description="questionnaires")
    def questionnaires(self, cycle) -> int:
        return cycle.participants.aggregate(n=Count("questionnaires"))["n"]

    @admin.display(description="submitted")
    def submitted(self, cycle) -> int:
        return cycle.participants.aggregate(
            n=Count("questionnaires", filter=Q(questionnaires__status=QuestionnaireStatus.SUBMITTED)))["n"]
