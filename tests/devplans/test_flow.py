"""The status of a plan: draft → submitted → approved by signature (or returned with a comment) → in
progress → completed; every refusal says why and changes nothing. Content changes move the version on
and show an earlier signature as superseded."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from devplans.models import Action, ActionKind, ActionStatus, Plan, PlanStatus
from devplans.services import content, flow, progress
from signatures.models import Signature
from signatures.services import signatures_for
from tests.factories import TEST_PASSWORD, UserFactory
from training.models import Enrolment, EnrolmentStatus

pytestmark = pytest.mark.django_db


def snapshot(plan: Plan) -> tuple:
    plan = Plan.objects.get(pk=plan.pk)
    return (plan.status, plan.version, plan.submitted_at, plan.approved_at, plan.returned_comment,
            Signature.objects.count(), Enrolment.objects.count(),
            sorted(Action.objects.filter(objective__plan=plan).values_list("pk", "title", "status", "enrolment_id")))


def objective_input(objective, **changes):
    data = dict(target_level=objective.target_level, due_date=objective.due_date,
                success_measure=objective.success_measure, check_method=objective.check_method,
                check_due=objective.check_due)
    data.update(changes)
    return content.ObjectiveInput(**data)


# --- submit ---------------------------------------------------------------------------------------------


def test_the_leader_submits_a_complete_draft(org, plan):
    submitted = flow.plan_submit(plan, actor=org.leader.user)
    assert submitted.status == PlanStatus.SUBMITTED and submitted.submitted_at is not None


def test_a_second_submit_is_refused_with_the_reason_and_changes_nothing(org, submitted):
    before = snapshot(submitted)
    with pytest.raises(ValidationError, match="submitted for approval already"):
        flow.plan_submit(submitted, actor=org.leader.user)
    assert snapshot(submitted) == before


def test_an_objective_without_a_success_measure_or_check_keeps_the_plan_a_draft(org, plan):
    objective = plan.objectives.order_by("position").first()
    objective.success_measure, objective.check_due = "", None
    objective.save()
    with pytest.raises(ValidationError, match="A0-01 needs a success measure, an effectiveness check date"):
        flow.plan_submit(plan, actor=org.leader.user)
    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.DRAFT


def test_a_plan_without_objectives_is_not_submitted(org, plan):
    plan.objectives.all().delete()
    with pytest.raises(ValidationError, match="at least one objective"):
        flow.plan_submit(plan, actor=org.leader.user)


def test_only_the_leader_submits(org, plan):
    for user in (org.manager.user, org.hr, org.stranger.user):
        with pytest.raises(PermissionDenied):
            flow.plan_submit(plan, actor=user)
    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.DRAFT


# --- editing ----------------------------------------------------------------------------------------------


def test_the_leader_edits_an_objective_and_the_version_moves_on(org, plan):
    objective = plan.objectives.order_by("position").first()
    due = timezone.localdate() + timedelta(days=45)
    data = objective_input(objective, target_level=4, due_date=due, check_due=due + timedelta(days=10),
                           success_measure="Leads two audits alone")
    content.objective_update(objective, data, actor=org.leader.user)
    objective.refresh_from_db()
    assert (objective.target_level, objective.due_date, objective.success_measure) == (4, due, "Leads two audits alone")
    assert Plan.objects.get(pk=plan.pk).version == 2


@pytest.mark.parametrize("changes, field, message", [
    ({"target_level": 6}, "target_level", "1 to 5"),
    ({"target_level": 0}, "target_level", "1 to 5"),
    ({"due_date": timezone.localdate() - timedelta(days=1)}, "due_date", "cannot be in the past"),
    ({"check_due": timezone.localdate()}, "check_due", "on or after the objective's due date"),
    ({"check_method": "astrology"}, "check_method", "Choose how"),
])
def test_out_of_range_objective_values_are_refused_and_change_nothing(org, plan, changes, field, message):
    objective = plan.objectives.order_by("position").first()
    before = (objective.target_level, objective.due_date, objective.check_due, objective.check_method)
    with pytest.raises(ValidationError) as error:
        content.objective_update(objective, objective_input(objective, **changes), actor=org.leader.user)
    assert field in error.value.message_dict and message in " ".join(error.value.message_dict[field])
    objective.refresh_from_db()
    assert (objective.target_level, objective.due_date, objective.check_due, objective.check_method) == before
    assert Plan.objects.get(pk=plan.pk).version == 1


def test_actions_are_added_edited_and_removed_in_a_draft(org, plan):
    objective = plan.objectives.order_by("position").first()
    data = content.ActionInput(kind=ActionKind.OTHER, title="Shadow the plant manager", detail="", owner=org.boss.user,
                               hours=Decimal(8), budget=Decimal(0), due_date=timezone.localdate() + timedelta(days=30))
    action = content.action_create(objective, data, actor=org.leader.user)
    assert action.owner == org.boss.user  # a manager up the line may own an action
    data.title = "Shadow the plant manager for a day"
    content.action_update(action, data, actor=org.leader.user)
    content.action_remove(action, actor=org.leader.user)
    assert not Action.objects.filter(pk=action.pk).exists()
    assert Plan.objects.get(pk=plan.pk).version == 4


def test_an_action_owned_by_a_stranger_is_refused(org, plan):
    objective = plan.objectives.order_by("position").first()
    data = content.ActionInput(kind=ActionKind.OTHER, title="X", detail="", owner=org.stranger.user, hours=Decimal(1),
                               budget=Decimal(0), due_date=None)
    with pytest.raises(ValidationError, match="one of their managers, HR or quality"):
        content.action_create(objective, data, actor=org.leader.user)
    assert Plan.objects.get(pk=plan.pk).version == 1


def test_a_submitted_plan_is_not_edited(org, submitted):
    objective = submitted.objectives.order_by("position").first()
    before = snapshot(submitted)
    with pytest.raises(ValidationError, match="changed only while it is a draft"):
        content.objective_update(objective, objective_input(objective, target_level=5), actor=org.leader.user)
    with pytest.raises(ValidationError, match="changed only while it is a draft"):
        content.action_remove(objective.actions.first(), actor=org.leader.user)
    assert snapshot(submitted) == before


def test_nobody_but_the_leader_edits_the_plan(org, plan):
    objective = plan.objectives.order_by("position").first()
    for user in (org.manager.user, org.hr, org.stranger.user):
        with pytest.raises(PermissionDenied):
            content.objective_update(objective, objective_input(objective, target_level=5), actor=user)
    assert Plan.objects.get(pk=plan.pk).version == 1


# --- approval by signature ------------------------------------------------------------------------------------


def test_the_manager_approves_by_password_and_the_training_becomes_a_request(org, submitted):
    plan, signature, requested = flow.plan_approve(submitted, actor=org.manager.user, password=TEST_PASSWORD)
    assert plan.status == PlanStatus.APPROVED and plan.approved_by == org.manager.user
    assert (signature.signer, signature.record_version, signature.signer_role) == (
        org.manager.user, 1, f"Manager of {org.leader}")
    assert [s.superseded for s in signatures_for(plan)] == [False]
    training = Action.objects.get(objective__plan=plan, kind=ActionKind.TRAINING)
    assert requested == 1
    assert (training.enrolment.session, training.enrolment.status, training.enrolment.requested_by) == (
        org.session, EnrolmentStatus.REQUESTED, org.leader.user)


def test_a_manager_further_up_the_line_hr_and_quality_may_approve(org, submitted):
    from devplans.selectors import approvers

    assert set(approvers(submitted)) >= {org.manager.user, org.boss.user, org.hr, org.quality}
    assert org.leader.user not in approvers(submitted) and org.stranger.user not in approvers(submitted)
    plan, signature, _ = flow.plan_approve(submitted, actor=org.boss.user, password=TEST_PASSWORD)
    assert signature.signer_role == f"Manager in the line of {org.leader}"


def test_a_wrong_password_signs_nothing_and_the_plan_stays_submitted(org, submitted):
    before = snapshot(submitted)
    with pytest.raises(ValidationError) as error:
        flow.plan_approve(submitted, actor=org.manager.user, password="not it")
    assert "password" in error.value.message_dict
    assert snapshot(submitted) == before
    assert Plan.objects.get(pk=submitted.pk).status == PlanStatus.SUBMITTED


def test_the_leader_cannot_approve_their_own_plan(org, submitted):
    before = snapshot(submitted)
    with pytest.raises(PermissionDenied, match="cannot approve or close your own plan"):
        flow.plan_approve(submitted, actor=org.leader.user, password=TEST_PASSWORD)
    assert snapshot(submitted) == before


def test_a_stranger_or_an_auditor_cannot_approve(org, submitted):
    auditor = UserFactory(auditor=True)
    before = snapshot(submitted)
    for user in (org.stranger.user, auditor):
        with pytest.raises(PermissionDenied):
            flow.plan_approve(submitted, actor=user, password=TEST_PASSWORD)
    assert snapshot(submitted) == before


@override_settings(SIGNATURE_SEGREGATION_OF_DUTIES=True)
def test_segregation_of_duties_keeps_the_plans_author_from_signing_and_names_who_may(org, submitted):
    Plan.objects.filter(pk=submitted.pk).update(created_by=org.manager.user)  # the manager wrote it
    submitted.refresh_from_db()
    before = snapshot(submitted)
    with pytest.raises(ValidationError, match="You wrote this development plan, so someone else must") as error:
        flow.plan_approve(submitted, actor=org.manager.user, password=TEST_PASSWORD)
    assert "Max Boss" in str(error.value)
    assert snapshot(submitted) == before


def test_a_plan_is_approved_once(org, approved):
    before = snapshot(approved)
    with pytest.raises(ValidationError, match="Only a submitted plan is approved; this one is approved"):
        flow.plan_approve(approved, actor=org.hr, password=TEST_PASSWORD)
    assert snapshot(approved) == before


def test_a_change_after_signing_shows_the_signature_superseded(org, approved):
    flow.plan_reopen(approved, actor=org.leader.user)
    plan = Plan.objects.get(pk=approved.pk)
    assert plan.status == PlanStatus.DRAFT and plan.version == 2
    objective = plan.objectives.order_by("position").first()
    content.objective_update(objective, objective_input(objective, target_level=4), actor=org.leader.user)
    assert [s.superseded for s in signatures_for(plan)] == [True]
    flow.plan_submit(plan, actor=org.leader.user)
    flow.plan_approve(plan, actor=org.hr, password=TEST_PASSWORD)
    plan = Plan.objects.get(pk=plan.pk)
    assert [s.superseded for s in signatures_for(plan)] == [False, True]  # newest first
    # The request made at the first approval is kept, not duplicated.
    assert Enrolment.objects.filter(person=org.leader).count() == 1


def test_the_signed_content_leaves_out_status_and_progress(org, approved):
    action = Action.objects.filter(objective__plan=approved).exclude(kind="training").first()
    progress.action_set_status(action, actor=org.leader.user, status=ActionStatus.DONE, note="Read it")
    assert [s.superseded for s in signatures_for(approved)] == [False]


# --- return, reopen, complete -----------------------------------------------------------------------------


def test_the_manager_returns_a_plan_with_a_comment_the_leader_sees(org, submitted):
    plan = flow.plan_return(submitted, actor=org.manager.user, comment="Add a coaching goal for A0-01")
    assert (plan.status, plan.returned_comment, plan.returned) == (
        PlanStatus.DRAFT, "Add a coaching goal for A0-01", True)
    flow.plan_submit(plan, actor=org.leader.user)
    plan, *_ = flow.plan_approve(plan, actor=org.manager.user, password=TEST_PASSWORD)
    assert plan.returned_comment == ""


def test_a_return_needs_a_comment(org, submitted):
    before = snapshot(submitted)
    with pytest.raises(ValidationError) as error:
        flow.plan_return(submitted, actor=org.manager.user, comment="  ")
    assert "comment" in error.value.message_dict
    assert snapshot(submitted) == before


def test_the_leader_does_not_return_their_own_plan(org, submitted):
    with pytest.raises(PermissionDenied):
        flow.plan_return(submitted, actor=org.leader.user, comment="Oops")


def test_the_first_progress_puts_an_approved_plan_in_progress(org, approved):
    action = Action.objects.filter(objective__plan=approved, kind=ActionKind.READING).first()
    progress.note_add(action, actor=org.leader.user, text="Ordered the book")
    assert Plan.objects.get(pk=approved.pk).status == PlanStatus.IN_PROGRESS


def test_progress_on_a_draft_is_refused(org, plan):
    action = Action.objects.filter(objective__plan=plan).first()
    with pytest.raises(ValidationError, match="recorded on an approved plan"):
        progress.note_add(action, actor=org.leader.user, text="Started")
    with pytest.raises(ValidationError, match="recorded on an approved plan"):
        progress.action_set_status(action, actor=org.leader.user, status=ActionStatus.DONE)
    assert not action.notes.exists()


def test_an_invalid_or_repeated_status_is_refused(org, approved):
    action = Action.objects.filter(objective__plan=approved, kind=ActionKind.READING).first()
    with pytest.raises(ValidationError):
        progress.action_set_status(action, actor=org.leader.user, status="finished-ish")
    with pytest.raises(ValidationError, match="planned already"):
        progress.action_set_status(action, actor=org.leader.user, status=ActionStatus.PLANNED)
    progress.action_set_status(action, actor=org.leader.user, status=ActionStatus.DONE)
    with pytest.raises(ValidationError, match="stays done"):
        progress.action_set_status(action, actor=org.leader.user, status=ActionStatus.CANCELLED)
    action.refresh_from_db()
    assert (action.status, action.done_on) == (ActionStatus.DONE, timezone.localdate())


def test_the_manager_completes_a_plan_with_a_note_the_leader_cannot(org, approved):
    with pytest.raises(PermissionDenied):
        flow.plan_complete(approved, actor=org.leader.user, note="Done")
    with pytest.raises(ValidationError):
        flow.plan_complete(approved, actor=org.manager.user, note="")
    plan = flow.plan_complete(approved, actor=org.manager.user, note="Two of three met; the rest in the next plan")
    assert plan.status == PlanStatus.COMPLETED and plan.completed_at is not None
    # A completed plan frees the way for the next one.
    from devplans.services.drafting import plan_draft

    new, created = plan_draft(person=org.leader, actor=org.leader.user)
    assert created and new.pk != plan.pk


def test_a_draft_is_not_completed(org, plan):
    with pytest.raises(ValidationError, match="Only an approved plan is completed"):
        flow.plan_complete(plan, actor=org.manager.user, note="Done")


def test_a_training_action_without_a_session_at_approval_is_requested_later_by_the_leader(org, submitted):
    from training.models import Session

    Session.objects.filter(pk=org.session.pk).update(cancelled=True)
    plan, _, requested = flow.plan_approve(submitted, actor=org.manager.user, password=TEST_PASSWORD)
    training = Action.objects.get(objective__plan=plan, kind=ActionKind.TRAINING)
    assert requested == 0 and training.enrolment is None
    with pytest.raises(ValidationError, match="has no session ahead"):
        flow.action_request_place(training, actor=org.leader.user)
    later = Session.objects.create(programme=org.programme, starts_at=timezone.now() + timedelta(days=40),
                                   ends_at=timezone.now() + timedelta(days=40, hours=7), capacity=4, created_by=org.hr)
    with pytest.raises(PermissionDenied):
        flow.action_request_place(training, actor=org.manager.user)
    training = flow.action_request_place(training, actor=org.leader.user)
    assert (training.enrolment.session, training.enrolment.status) == (later, EnrolmentStatus.REQUESTED)
    with pytest.raises(ValidationError, match="has an enrolment already"):
        flow.action_request_place(training, actor=org.leader.user)
    assert Enrolment.objects.filter(person=org.leader).count() == 1
