""""Draft my plan": one objective per significant gap of the leader's latest analysis, critical first then
the larger weighted gap, aimed at the required level, with the competency's ISO clauses, due dates, a
success measure, a planned effectiveness check and suggested actions; one open plan at a time."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from devplans.models import Action, ActionKind, CheckMethod, Plan, PlanStatus
from devplans.services.drafting import CHECK_AFTER_DAYS, CRITICAL_DAYS, DUE_DAYS, plan_draft
from tests.devplans.builders import build_org
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_a_draft_has_one_objective_per_gap_critical_first_then_the_larger_weighted_gap(org, plan):
    rows = [(o.competency.code, o.current_level, o.target_level, o.critical)
            for o in plan.objectives.select_related("competency").order_by("position")]
    assert rows == [("A0-01", Decimal("2.00"), 3, True), ("A0-02", Decimal("2.00"), 4, False),
                    ("A0-00", Decimal("2.50"), 3, False)]  # met A0-03 and the unassessed A0-04 are left out
    assert plan.status == PlanStatus.DRAFT and plan.version == 1
    assert plan.analysis == org.analysis and plan.source_cycle == org.cycle and plan.created_by == org.leader.user


def test_each_objective_has_clauses_due_dates_a_success_measure_and_a_planned_check(plan):
    today = timezone.localdate()
    critical, second, _ = plan.objectives.order_by("position")
    assert critical.iso_clauses == [{"number": "7.2", "title": critical.competency.clauses.get().title}]
    assert critical.due_date == today + timedelta(days=CRITICAL_DAYS)
    assert second.due_date == today + timedelta(days=DUE_DAYS)
    assert second.check_method == CheckMethod.REASSESSMENT
    assert second.check_due == second.due_date + timedelta(days=CHECK_AFTER_DAYS)
    assert "level 4 or above (now 2)" in second.success_measure


def test_suggested_actions_are_the_recommended_training_coaching_by_the_manager_a_stretch_and_reading(org, plan):
    second = plan.objectives.get(competency=org.competencies[2])
    actions = list(second.actions.order_by("position"))
    assert [a.kind for a in actions] == [ActionKind.TRAINING, ActionKind.COACHING, ActionKind.STRETCH,
                                         ActionKind.READING]
    training, coaching, *_ = actions
    assert (training.programme, training.title, training.hours, training.budget) == (
        org.programme, "Planning workshop", Decimal("7.0"), Decimal("450.00"))
    assert training.due_date == timezone.localdate(org.session.starts_at)  # the session comes before the due date
    assert training.enrolment is None  # it becomes a request when the plan is approved
    assert coaching.owner == org.manager.user
    # No programme aims at the critical gap's competency: no training action there.
    critical = plan.objectives.get(competency=org.competencies[1])
    assert not critical.actions.filter(kind=ActionKind.TRAINING).exists()
    assert all(a.due_date and a.hours > 0 for a in Action.objects.filter(objective__plan=plan).exclude(kind="training"))


def test_drafting_again_shows_the_open_plan_instead_of_a_second(org, plan):
    again, created = plan_draft(person=org.leader, actor=org.leader.user)
    assert (again, created) == (plan, False)
    assert Plan.objects.filter(person=org.leader).count() == 1


def test_a_leader_without_released_gaps_is_told_why_and_gets_no_plan(org):
    newcomer = PersonFactory()
    with pytest.raises(ValidationError, match="drafted from your gap analysis, and you have none yet"):
        plan_draft(person=newcomer, actor=newcomer.user)
    assert not Plan.objects.exists()


def test_a_leader_without_gaps_is_told_there_is_nothing_to_plan(hr):
    from assessments.models import CellLabel
    from tests.gaps.builders import analyse, stored_cycle, stored_leader

    cycle, (a, b) = stored_cycle(hr, code="nogap")
    person = PersonFactory()
    stored_leader(cycle, person=person, requirements={a: (2, 1, False)}, cells={a: {CellLabel.MANAGER: 3}})
    analyse(cycle)
    with pytest.raises(ValidationError, match="shows no gap"):
        plan_draft(person=person, actor=person.user)
    assert not Plan.objects.exists()


def test_nobody_drafts_a_plan_for_someone_else(org):
    with pytest.raises(PermissionDenied):
        plan_draft(person=org.leader, actor=org.manager.user)
    with pytest.raises(PermissionDenied):
        plan_draft(person=org.leader, actor=org.hr)
    assert not Plan.objects.exists()


def test_the_newest_released_cycle_is_the_one_drafted_from(hr):
    from tests.devplans.builders import later_cycle

    org = build_org(hr, code="two")
    later = later_cycle(org, {0: 3, 1: 3, 2: 3, 3: 3})  # only A0-02 still short (3 of 4)
    plan, _ = plan_draft(person=org.leader, actor=org.leader.user)
    assert plan.analysis == later
    assert [o.competency.code for o in plan.objectives.all()] == ["A0-02"]
