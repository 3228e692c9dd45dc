"""The development plan's panel on a leader's gaps page (registered with gaps.panels): the leader's open
plan with its status, or, for their own gaps below the requirement, the button that drafts one from
them. One query."""

from __future__ import annotations

from accounts.permissions import can
from gaps.models import BELOW

from .models import Plan, PlanStatus


def plan_panel(request, gaps) -> tuple[str, dict] | None:
    person = gaps.participant.person
    own = person.user_id == request.user.pk
    plan = (Plan.objects.filter(person_id=person.pk).exclude(status=PlanStatus.COMPLETED)
            .order_by("-created_at", "-pk").first())
    below = sum(1 for line in gaps.lines if line.status in BELOW)
    if plan is None and not (own and below and can(request.user, "plan.draft")):
        return None
    return "devplans/_gap_plan_panel.html", {"plan": plan, "own": own, "below": below}
