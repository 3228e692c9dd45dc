"""Drafting a plan from the leader's latest gap analysis ("Draft my plan").

One objective per significant gap — a critical gap or a gap; "no evidence" is not a gap (nothing says how
far the leader is from the level) and is left to the next cycle — critical gaps first, then the larger
weighted gap, as the gaps page lists them. Each objective aims at the required level, copies the ISO 9001
clauses its competency serves, is due in `CRITICAL_DAYS` (critical) or `DUE_DAYS`, and plans its
effectiveness check: a re-assessment in the next 360° cycle, `CHECK_AFTER_DAYS` after the due date.

Suggested actions per objective: the best-fitting recommended programme (training, which becomes an
enrolment request when the plan is approved), coaching by the manager, a stretch assignment and reading.
The leader edits all of it before submitting.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.permissions import require
from competency.models import Competency, FrameworkVersion
from gaps.models import BELOW, GapStatus
from gaps.selectors import GapLine, latest_participation, leader_gaps
from profiles.models import Person
from training.recommendations import Recommendation, observed_levels, recommend_for

from ..models import Action, ActionKind, CheckMethod, Objective, Plan, PlanStatus
from .common import save

#: Days to reach the target level: critical gaps sooner.
DUE_DAYS = 90
CRITICAL_DAYS = 60
#: The effectiveness check comes this long after the objective is due (the next cycle's results).
CHECK_AFTER_DAYS = 30
#: Default resources of the suggested actions other than training (hours).
COACHING_HOURS = Decimal(3)
STRETCH_HOURS = Decimal(16)
READING_HOURS = Decimal(4)
READING_DAYS = 30


def _fmt(level: Decimal | None) -> str:
    if level is None:
        return "no evidence"
    return format(level.normalize(), "f")


def _objective(plan: Plan, line: GapLine, competency: Competency, position: int, today) -> Objective:
    due = today + timedelta(days=CRITICAL_DAYS if line.status == GapStatus.CRITICAL else DUE_DAYS)
    return Objective(
        plan=plan, competency=competency, current_level=line.observed, target_level=line.required,
        critical=line.critical, position=position, due_date=due,
        iso_clauses=[{"number": c.number, "title": c.title} for c in competency.clauses.all()],
        success_measure=(f"{line.code} {line.name} observed at level {line.required} or above (now "
                         f"{_fmt(line.observed)}) in the next released 360° cycle."),
        check_method=CheckMethod.REASSESSMENT, check_due=due + timedelta(days=CHECK_AFTER_DAYS))


def _actions(objective: Objective, line: GapLine, recommendation: Recommendation | None, manager_user,
             today) -> list[Action]:
    name = f"{line.code} {line.name}"
    actions = []
    if recommendation is not None:
        programme, session = recommendation.programme, recommendation.next_session
        due = objective.due_date
        detail = f"Recommended programme aimed at {line.code} level {recommendation.target_level}."
        if session is not None:
            session_day = timezone.localdate(session.starts_at)
            due = min(due, session_day) if due else session_day
            detail += f" Next session with free places: {session_day:%d %b %Y}."
        actions.append(Action(kind=ActionKind.TRAINING, title=programme.title, detail=detail, programme=programme,
                              hours=programme.duration_hours, budget=programme.cost, due_date=due))
    actions.append(Action(
        kind=ActionKind.COACHING, title=f"Coaching conversations on {name}",
        detail=("Three one-hour conversations with your manager: agree what the target level looks like at "
                "work, review progress, plan the next step.") if manager_user else
               "Three one-hour conversations with a coach HR names.",
        owner=manager_user, hours=COACHING_HOURS, due_date=objective.due_date))
    actions.append(Action(
        kind=ActionKind.STRETCH, title=f"Stretch assignment applying {name}",
        detail=f"Take on a piece of work that calls for {line.name} at level {line.required}, with your manager's "
               "support.", hours=STRETCH_HOURS, due_date=objective.due_date))
    actions.append(Action(
        kind=ActionKind.READING, title=f"Reading on {name}",
        detail="Read and discuss with your manager material on the competency's indicators at the target level.",
        hours=READING_HOURS, due_date=min(objective.due_date, today + timedelta(days=READING_DAYS))))
    for position, action in enumerate(actions):
        action.objective, action.position = objective, position
    return actions


def plan_draft(*, person: Person, actor) -> tuple[Plan, bool]:
    """The person's open plan (False: it existed already), or a new draft from their latest gap analysis
    (True). Refused when they have no released gap analysis or no significant gap."""
    require(actor, "plan.draft")
    if person.user_id != actor.pk:
        raise PermissionDenied("A leader drafts their own plan.")
    with transaction.atomic():
        # Two clicks on "Draft my plan" take turns here; the second finds the first one's plan.
        Person.objects.select_for_update().get(pk=person.pk)
        existing = Plan.objects.filter(person=person).exclude(status=PlanStatus.COMPLETED).first()
        if existing is not None:
            return existing, False
        participant = latest_participation(person)
        gaps = leader_gaps(participant) if participant is not None else None
        if gaps is None:
            raise ValidationError("A plan is drafted from your gap analysis, and you have none yet: it comes with "
                                  "the release of a 360° cycle you took part in.")
        lines = [line for line in gaps.lines if line.status in BELOW]
        if not lines:
            raise ValidationError(f"Your gap analysis of {participant.cycle} shows no gap below your role's "
                                  "requirements: there is nothing to plan for now.")
        framework_id = FrameworkVersion.objects.values_list("framework_id", flat=True).get(
            pk=gaps.analysis.framework_version_id)
        competencies = Competency.objects.prefetch_related("clauses").in_bulk([line.competency_id for line in lines])
        recommended = recommend_for(framework_id, [(line.code, line.required) for line in lines],
                                    observed_levels(person))
        manager_user = person.manager.user if person.manager_id else None
        plan = save(Plan(person=person, analysis=gaps.analysis, source_cycle_id=gaps.analysis.cycle_id,
                         created_by=actor), actor)
        today = timezone.localdate()
        for position, line in enumerate(lines):
            objective = save(_objective(plan, line, competencies[line.competency_id], position, today), actor)
            best = (recommended.get(line.code) or [None])[0]
            for action in _actions(objective, line, best, manager_user, today):
                save(action, actor)
        return plan, True
