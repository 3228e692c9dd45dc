"""Progress on an approved plan: notes and action statuses by the leader, their managers, HR and quality;
the first progress puts an approved plan in progress. And what happens by itself:

- a training completion (`training.signals.enrolment_completed`) marks the action done that the
  enrolment came from (or an open training action of that programme in the person's running plan), on
  the completion date, with a note;
- a finished gap analysis (`gaps.signals.analysis_finished`) of a cycle released after the plan's own
  source cycle meets the objectives whose competency it shows at or above the target level; a plan
  whose objectives are all met is completed.

Both are safe to run twice: what is done already is left as it is.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Subquery
from django.utils import timezone

from accounts.permissions import require
from assessments.models import CycleStatus
from gaps.models import Analysis, RequirementGap
from training.models import Enrolment, EnrolmentStatus

from ..models import RUNNING, Action, ActionKind, ActionStatus, Objective, Plan, PlanStatus, ProgressNote
from .common import locked, save

#: What Proficio writes on an action a training completion closed.
COMPLETED_THROUGH_TRAINING = "Completed through training: {programme}, completed on {day:%d %b %Y}."


def _start(plan: Plan, actor) -> None:
    """An approved plan is in progress from its first progress."""
    if plan.status == PlanStatus.APPROVED:
        plan.status = PlanStatus.IN_PROGRESS
        save(plan, actor)


def _running_action(action: Action, actor, rule: str) -> tuple[Plan, Action]:
    plan = action.objective.plan
    require(actor, rule, plan)
    plan = locked(plan)
    action = Action.objects.select_related("programme").get(pk=action.pk, objective__plan=plan)
    if plan.status not in RUNNING:
        raise ValidationError(f"Progress is recorded on an approved plan; this one is "
                              f"{plan.get_status_display().lower()}.")
    return plan, action


@transaction.atomic
def note_add(action: Action, *, actor, text: str) -> ProgressNote:
    plan, action = _running_action(action, actor, "plan.progress")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Write what happened."})
    note = ProgressNote(action=action, author=actor, text=text)
    note.full_clean()
    note.save()
    _start(plan, actor)
    return note


@transaction.atomic
def action_set_status(action: Action, *, actor, status: str, note: str = "") -> Action:
    """Moves an action on (planned, in progress, done, cancelled), with an optional note. Done records
    today; a training action's completion comes from its training record instead."""
    plan, action = _running_action(action, actor, "plan.progress")
    if status not in ActionStatus.values:
        raise ValidationError({"status": "Choose a status from the list."})
    if status == action.status:
        raise ValidationError(f"The action is {action.get_status_display().lower()} already.")
    if action.status == ActionStatus.DONE:
        raise ValidationError("A done action stays done: add a note instead.")
    action.status = status
    action.done_on = timezone.localdate() if status == ActionStatus.DONE else None
    save(action, actor)
    text = f"Status: {action.get_status_display().lower()}." + (f" {note.strip()}" if note and note.strip() else "")
    ProgressNote.objects.create(action=action, author=actor, text=text)
    _start(plan, actor)
    return action


# --- what happens by itself ------------------------------------------------------------------------


def complete_from_training(enrolment_id: int) -> list[Action]:
    """After a completed enrolment: its action (or an open training action for the same programme in the
    person's running plan) is done on the completion date. Returns the actions it closed (none when run
    again)."""
    with transaction.atomic():
        enrolment = (Enrolment.objects.select_related("session__programme")
                     .filter(pk=enrolment_id, status=EnrolmentStatus.COMPLETED).first())
        if enrolment is None:
            return []
        linked = list(Action.objects.filter(enrolment=enrolment).values_list("pk", flat=True))
        if not linked:
            candidate = (Action.objects.filter(objective__plan__person_id=enrolment.person_id,
                                               objective__plan__status__in=RUNNING, kind=ActionKind.TRAINING,
                                               programme_id=enrolment.session.programme_id, enrolment__isnull=True)
                         .exclude(status__in=(ActionStatus.DONE, ActionStatus.CANCELLED))
                         .order_by("due_date", "pk").values_list("pk", flat=True).first())
            linked = [candidate] if candidate else []
        closed = []
        for action_pk in linked:
            action = Action.objects.select_related("objective__plan").get(pk=action_pk)
            plan = locked(action.objective.plan)
            action = Action.objects.select_for_update(of=("self",)).get(pk=action_pk)
            if action.status == ActionStatus.DONE:
                continue
            action.status, action.done_on, action.enrolment = ActionStatus.DONE, enrolment.completed_on, enrolment
            save(action, None, clean=False)
            ProgressNote.objects.create(action=action, author=None, text=COMPLETED_THROUGH_TRAINING.format(
                programme=enrolment.session.programme, day=enrolment.completed_on))
            _start(plan, None)
            closed.append(action)
        return closed


def meet_from_analysis(analysis_id: int) -> list[Objective]:
    """After an analysis became current: the open objectives of running plans whose competency (the same
    code in the same framework) the analysis shows at or above the target, in a cycle released after the
    one the plan was drafted from, are met. Returns those it met (none when run again)."""
    with transaction.atomic():
        analysis = (Analysis.objects.select_related("cycle", "framework_version")
                    .filter(pk=analysis_id, current=True, cycle__status=CycleStatus.RELEASED).first())
        if analysis is None:
            return []
        observed = RequirementGap.objects.filter(
            analysis_id=analysis.pk, participant__person_id=OuterRef("plan__person_id"),
            competency__code=OuterRef("competency__code"),
            competency__version__framework_id=analysis.framework_version.framework_id)
        candidates = (Objective.objects
                      .filter(met_at__isnull=True, plan__status__in=RUNNING,
                              competency__version__framework_id=analysis.framework_version.framework_id)
                      .exclude(plan__source_cycle_id=analysis.cycle_id)
                      .exclude(plan__source_cycle__released_at__gte=analysis.cycle.released_at)
                      .annotate(observed=Subquery(observed.values("observed")[:1]))
                      .filter(Exists(observed), observed__gte=F("target_level"))
                      .select_related("plan").order_by("plan_id", "position", "pk"))
        met = []
        now = timezone.now()
        for objective in candidates:
            objective.met_at, objective.met_cycle_id, objective.met_level = now, analysis.cycle_id, objective.observed
            save(objective, None, clean=False)
            met.append(objective)
        for plan_id in sorted({objective.plan_id for objective in met}):
            plan = locked(Plan(pk=plan_id))
            if plan.status in RUNNING and not plan.objectives.filter(met_at__isnull=True).exists():
                plan.status, plan.completed_at = PlanStatus.COMPLETED, now
                plan.completion_note = f"Every objective met in {analysis.cycle}."
                save(plan, None)
        return met

