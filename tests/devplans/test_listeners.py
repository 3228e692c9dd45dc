"""What happens by itself: a training completion closes the action it came from; a later released cycle
at the target level meets the objective (and a plan whose objectives are all met is completed). Both run
twice harmlessly, and both are wired to the signals their apps send after the commit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from devplans.models import Action, ActionKind, ActionStatus, Objective, Plan, PlanStatus
from devplans.services.progress import complete_from_training, meet_from_analysis
from tests.devplans.builders import later_cycle
from training.models import Enrolment, Session
from training.services import enrolments

pytestmark = pytest.mark.django_db


def _complete(org, enrolment: Enrolment, captured) -> Enrolment:
    """The session moves into the past, the manager approves the request, HR records the completion."""
    enrolment = enrolments.decide(enrolment, True, actor=org.manager.user)
    past = timezone.now() - timedelta(days=2)
    Session.objects.filter(pk=enrolment.session_id).update(starts_at=past, ends_at=past + timedelta(hours=7))
    enrolment.refresh_from_db()
    with captured(execute=True):
        return enrolments.record_completion(enrolment, attended=True, completed_on=timezone.localdate(past),
                                            result="passed", actor=org.hr)


def test_a_training_completion_completes_its_action_with_a_note(org, approved, django_capture_on_commit_callbacks):
    action = Action.objects.get(objective__plan=approved, kind=ActionKind.TRAINING)
    completed = _complete(org, action.enrolment, django_capture_on_commit_callbacks)
    action.refresh_from_db()
    assert (action.status, action.done_on) == (ActionStatus.DONE, completed.completed_on)
    assert [n.text for n in action.notes.all()] == [
        f"Completed through training: Planning workshop, completed on {completed.completed_on:%d %b %Y}."]
    assert action.notes.get().author is None
    assert Plan.objects.get(pk=approved.pk).status == PlanStatus.IN_PROGRESS
    assert complete_from_training(completed.pk) == []  # again: nothing more
    assert action.notes.count() == 1


def test_a_completion_in_the_programme_without_the_plans_request_still_counts(org, approved,
                                                                              django_capture_on_commit_callbacks):
    action = Action.objects.get(objective__plan=approved, kind=ActionKind.TRAINING)
    enrolments.withdraw(action.enrolment, actor=org.leader.user)
    Action.objects.filter(pk=action.pk).update(enrolment=None)
    other = Session.objects.create(programme=org.programme, starts_at=timezone.now() + timedelta(days=5),
                                   ends_at=timezone.now() + timedelta(days=5, hours=7), capacity=3, created_by=org.hr)
    enrolment = enrolments.enrol(other, org.leader, actor=org.hr)
    past = timezone.now() - timedelta(days=1)
    Session.objects.filter(pk=other.pk).update(starts_at=past, ends_at=past + timedelta(hours=7))
    enrolment.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        enrolments.record_completion(enrolment, attended=True, completed_on=timezone.localdate(past), actor=org.hr)
    action.refresh_from_db()
    assert (action.status, action.enrolment) == (ActionStatus.DONE, enrolment)


def test_a_completion_outside_any_plan_changes_nothing(org, plan, django_capture_on_commit_callbacks):
    enrolment = enrolments.enrol(org.session, org.stranger, actor=org.hr)
    Session.objects.filter(pk=org.session.pk).update(starts_at=timezone.now() - timedelta(hours=9))
    enrolment.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        enrolments.record_completion(enrolment, attended=True, completed_on=timezone.localdate(), actor=org.hr)
    assert not Action.objects.filter(status=ActionStatus.DONE).exists()


def test_a_later_cycle_at_the_target_meets_the_objective(org, approved, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        later = later_cycle(org, {0: 3, 1: 2.5, 2: 4})  # A0-00 and A0-02 reach their targets, A0-01 does not
    met = {o.competency.code: (o.met_cycle, o.met_level)
           for o in Objective.objects.filter(plan=approved, met_at__isnull=False)}
    assert met == {"A0-00": (later.cycle, 3), "A0-02": (later.cycle, 4)}
    assert Plan.objects.get(pk=approved.pk).status == PlanStatus.APPROVED  # A0-01 is still open
    assert meet_from_analysis(later.pk) == []  # again: nothing more


def test_when_every_objective_is_met_the_plan_completes_itself(org, approved):
    later = later_cycle(org, {0: 3, 1: 3, 2: 4.5})
    assert len(meet_from_analysis(later.pk)) == 3
    plan = Plan.objects.get(pk=approved.pk)
    assert plan.status == PlanStatus.COMPLETED and f"Every objective met in {later.cycle}" in plan.completion_note


def test_a_draft_plan_or_the_plans_own_cycle_meets_nothing(org, plan):
    later = later_cycle(org, {0: 3, 1: 3, 2: 4})
    assert meet_from_analysis(later.pk) == []  # a draft is not being carried out
    plan.status = PlanStatus.APPROVED
    plan.save()
    assert meet_from_analysis(org.analysis.pk) == []  # the cycle it was drafted from
    assert not Objective.objects.filter(met_at__isnull=False).exists()
