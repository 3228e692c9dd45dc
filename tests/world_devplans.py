"""The development plans of the shared world (tests/world.py calls add(world) after the training parts).

    plan              `leader`'s plan, submitted: objective `plan_objective` (the published competency, 2 → 3)
                      with the training action `plan_action` (the world's programme) and a coaching action
    completed_plan    `leader`'s earlier plan, completed
    manager_plan      `manager`'s own plan, a draft: objective `manager_objective`, action `manager_action`
    colleague_plan    `colleague`'s plan, approved (outside the manager's line): action `colleague_action`

Written through the ORM with history rows (the world's leader has no gap the drafting would plan for).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal


def _plan(world, who: str, status: str, *, code_suffix: str = ""):
    from django.utils import timezone

    from devplans.models import Action, ActionKind, CheckMethod, Objective, Plan

    person, user = world.people[who], world.user(who)
    competency = world.objects["published_competency"]
    today = timezone.localdate()
    now = timezone.now()
    plan = Plan(person=person, status=status, created_by=user, source_cycle=world.objects["released_cycle"],
                analysis=world.objects["gap_analysis"],
                submitted_at=now if status != "draft" else None,
                approved_at=now if status in ("approved", "in_progress", "completed") else None,
                approved_by=world.user("hr") if status in ("approved", "in_progress", "completed") else None,
                completed_at=now if status == "completed" else None)
    plan._history_user = user
    plan.save()
    objective = Objective(plan=plan, competency=competency, current_level=Decimal(2), target_level=3,
                          iso_clauses=[{"number": c.number, "title": c.title} for c in competency.clauses.all()],
                          due_date=today + timedelta(days=60), success_measure="Observed at level 3 in the next cycle",
                          check_method=CheckMethod.REASSESSMENT, check_due=today + timedelta(days=90))
    objective._history_user = user
    objective.save()
    actions = []
    for position, (kind, title, programme) in enumerate([
            (ActionKind.TRAINING, world.objects["programme"].title, world.objects["programme"]),
            (ActionKind.COACHING, "Coaching conversations", None)]):
        action = Action(objective=objective, kind=kind, title=title, programme=programme, hours=Decimal(3),
                        budget=Decimal("100.00") if programme else Decimal(0), due_date=today + timedelta(days=30),
                        position=position)
        action._history_user = user
        action.save()
        actions.append(action)
    return plan, objective, actions


def add(world) -> None:
    completed, *_ = _plan(world, "leader", "completed")
    plan, objective, (training, _coaching) = _plan(world, "leader", "submitted")
    manager_plan, manager_objective, (_t, manager_action) = _plan(world, "manager", "draft")
    colleague_plan, _o, (_t2, colleague_action) = _plan(world, "colleague", "approved")
    world.objects.update(plan=plan, plan_objective=objective, plan_action=training, completed_plan=completed,
                         manager_plan=manager_plan, manager_objective=manager_objective, manager_action=manager_action,
                         colleague_plan=colleague_plan, colleague_action=colleague_action)
