"""What every plan service shares: saving with history by the actor, the plan's row lock, the version."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from ..models import Plan, PlanStatus


def save(obj, actor, *, clean: bool = True):
    """Validates and saves `obj`, its history row naming `actor` (None: Proficio itself)."""
    if clean:
        obj.full_clean()
    obj._history_user = actor
    obj.save()
    return obj


def locked(plan: Plan) -> Plan:
    """The plan as it is now, locked for the rest of the transaction: two requests on one plan take turns."""
    return Plan.objects.select_for_update(of=("self",)).select_related("person__user").get(pk=plan.pk)


def touch(plan: Plan, actor) -> Plan:
    """The signed content changed: the version moves on (an earlier signature shows as superseded)."""
    plan.version += 1
    return save(plan, actor)


def check_draft(plan: Plan) -> None:
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(f"This plan is {plan.get_status_display().lower()}: its objectives and actions are "
                              "changed only while it is a draft. Reopen it to change it.")
