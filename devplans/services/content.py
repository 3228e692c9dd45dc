"""The content of a draft plan: the leader edits objectives and adds, edits and removes actions. Each
change moves the plan's version on. Refused (and nothing changed) once the plan is submitted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.permissions import require
from competency.models import ProficiencyLevel

from ..models import Action, ActionKind, CheckMethod, Objective
from ..selectors import owner_choices
from .common import check_draft, locked, save, touch


@dataclass
class ObjectiveInput:
    target_level: int
    due_date: date | None
    success_measure: str
    check_method: str
    check_due: date | None


@dataclass
class ActionInput:
    kind: str
    title: str
    detail: str
    owner: object  # a User or None (the leader)
    hours: Decimal
    budget: Decimal
    due_date: date | None


def top_level(objective: Objective) -> int:
    levels = ProficiencyLevel.objects.filter(scale__frameworks__versions=objective.competency.version_id)
    return max(levels.values_list("value", flat=True), default=5)


def _check_dates(due_date: date | None, field: str = "due_date") -> None:
    if due_date is not None and due_date < timezone.localdate():
        raise ValidationError({field: "The due date cannot be in the past."})


@transaction.atomic
def objective_update(objective: Objective, data: ObjectiveInput, *, actor) -> Objective:
    plan = objective.plan
    require(actor, "plan.edit", plan)
    plan = locked(plan)
    check_draft(plan)
    objective = Objective.objects.select_related("competency").get(pk=objective.pk, plan=plan)
    top = top_level(objective)
    if not 1 <= data.target_level <= top:
        raise ValidationError({"target_level": f"The target level is one of the scale's levels, 1 to {top}."})
    if data.check_method not in CheckMethod.values:
        raise ValidationError({"check_method": "Choose how the effectiveness is checked."})
    _check_dates(data.due_date)
    if data.due_date and data.check_due and data.check_due < data.due_date:
        raise ValidationError({"check_due": "The effectiveness check comes on or after the objective's due date."})
    objective.target_level, objective.due_date = data.target_level, data.due_date
    objective.success_measure, objective.check_method = data.success_measure.strip(), data.check_method
    objective.check_due = data.check_due
    save(objective, actor)
    touch(plan, actor)
    return objective


def _apply(action: Action, data: ActionInput, person) -> None:
    if data.kind not in ActionKind.values:
        raise ValidationError({"kind": "Choose the kind of action."})
    if not data.title.strip():
        raise ValidationError({"title": "Give the action a title."})
    if data.owner is not None and not owner_choices(person).filter(pk=data.owner.pk).exists():
        raise ValidationError({"owner": "The owner is the leader, one of their managers, HR or quality."})
    _check_dates(data.due_date)
    action.kind, action.title, action.detail = data.kind, data.title.strip(), data.detail.strip()
    action.owner = None if data.owner is not None and data.owner.pk == person.user_id else data.owner
    action.hours, action.budget, action.due_date = data.hours, data.budget, data.due_date
    if action.kind != ActionKind.TRAINING:
        action.programme = None


@transaction.atomic
def action_create(objective: Objective, data: ActionInput, *, actor) -> Action:
    plan = objective.plan
    require(actor, "plan.edit", plan)
    plan = locked(plan)
    check_draft(plan)
    objective = Objective.objects.get(pk=objective.pk, plan=plan)
    last = objective.actions.order_by("-position").values_list("position", flat=True).first()
    action = Action(objective=objective, position=(last or 0) + 1)
    _apply(action, data, plan.person)
    save(action, actor)
    touch(plan, actor)
    return action


@transaction.atomic
def action_update(action: Action, data: ActionInput, *, actor) -> Action:
    plan = action.objective.plan
    require(actor, "plan.edit", plan)
    plan = locked(plan)
    check_draft(plan)
    action = Action.objects.get(pk=action.pk, objective__plan=plan)
    _apply(action, data, plan.person)
    save(action, actor)
    touch(plan, actor)
    return action


@transaction.atomic
def action_remove(action: Action, *, actor) -> None:
    plan = action.objective.plan
    require(actor, "plan.edit", plan)
    plan = locked(plan)
    check_draft(plan)
    action = Action.objects.filter(pk=action.pk, objective__plan=plan).first()
    if action is None:
        raise ValidationError("That action was removed already.")
    action._history_user = actor
    action.delete()
    touch(plan, actor)
