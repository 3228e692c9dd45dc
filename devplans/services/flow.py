"""The status of a plan: submit (the leader), approve by electronic signature or return with a comment
(their manager line, HR or quality), reopen (the leader), complete (the manager line, HR or quality with
a note; or by itself when every objective is met — see `progress`).

Each is one transaction under a lock on the plan; a refusal changes nothing. Approving signs the plan's
content through `signatures.services.sign` inside that transaction, so the approval and its signature
are stored together or not at all; then each training action becomes the leader's enrolment request on
the programme's next session (one the leader already holds a place or request in is linked instead).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.permissions import require
from signatures import services as signing
from signatures.models import Meaning, Signature
from training.models import ACTIVE_ENROLMENT, Enrolment, EnrolmentStatus, Session
from training.services import enrolments

from ..models import RUNNING, Action, ActionKind, ActionStatus, Plan, PlanStatus
from .common import locked, save, touch


def _missing(plan: Plan) -> list[str]:
    """What keeps the plan from being submitted, one sentence per objective short of something."""
    objectives = list(plan.objectives.select_related("competency").order_by("position", "pk"))
    if not objectives:
        return ["A plan needs at least one objective."]
    problems = []
    for objective in objectives:
        missing = [what for what, value in (("a due date", objective.due_date),
                                            ("a success measure", objective.success_measure.strip()),
                                            ("an effectiveness check method", objective.check_method),
                                            ("an effectiveness check date", objective.check_due)) if not value]
        if missing:
            problems.append(f"{objective.competency.code} needs {', '.join(missing)}.")
    return problems


@transaction.atomic
def plan_submit(plan: Plan, *, actor) -> Plan:
    require(actor, "plan.submit", plan)
    plan = locked(plan)
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(f"This plan is {plan.get_status_display().lower()} already.")
    problems = _missing(plan)
    if problems:
        raise ValidationError(" ".join(problems))
    plan.status, plan.submitted_at = PlanStatus.SUBMITTED, timezone.now()
    return save(plan, actor)


@transaction.atomic
def plan_approve(plan: Plan, *, actor, password: str, meaning: str = Meaning.APPROVED) -> tuple[Plan, Signature, int]:
    """Approves a submitted plan with the approver's signature. Returns the plan, the signature and how
    many training actions became enrolment requests."""
    require(actor, "plan.approve", plan)
    plan = locked(plan)
    if plan.status != PlanStatus.SUBMITTED:
        raise ValidationError(f"Only a submitted plan is approved; this one is {plan.get_status_display().lower()}.")
    if meaning != Meaning.APPROVED:
        raise ValidationError({"meaning": "Approving a plan is signed with the meaning “approved”."})
    signature = signing.sign(plan, signer=actor, password=password, meaning=meaning)
    plan.status, plan.approved_at, plan.approved_by = PlanStatus.APPROVED, signature.signed_at, actor
    plan.returned_comment, plan.returned_by = "", None
    save(plan, actor)
    return plan, signature, request_places(plan)


def request_places(plan: Plan) -> int:
    """Each training action without an enrolment becomes the leader's request for a place on its
    programme's next session (the leader asked for it in the plan they submitted; their manager decides
    on the request as on any other). Links an enrolment the leader already has in that programme
    instead. Actions whose programme has no session ahead keep waiting for one. Returns how many were
    linked."""
    linked = 0
    leader = plan.person.user
    for action in (Action.objects.filter(objective__plan=plan, kind=ActionKind.TRAINING, programme__isnull=False,
                                         enrolment__isnull=True).exclude(status=ActionStatus.CANCELLED)
                   .select_related("programme").order_by("objective__position", "position", "pk")):
        enrolment = (Enrolment.objects.filter(person=plan.person, session__programme=action.programme,
                                              status__in=ACTIVE_ENROLMENT).order_by("session__starts_at").first())
        if enrolment is None:
            for session in (Session.objects.filter(programme=action.programme, cancelled=False,
                                                   starts_at__gt=timezone.now()).order_by("starts_at", "pk")):
                try:
                    enrolment = enrolments.request_place(session, plan.person, actor=leader)
                    break
                except ValidationError:
                    continue  # the person is in that session already, or it closed meanwhile: the next one
                except PermissionDenied:
                    break  # the leader's account is inactive: nobody requests for them
        if enrolment is not None:
            action.enrolment = enrolment
            save(action, leader, clean=False)
            linked += 1
    return linked


@transaction.atomic
def action_request_place(action: Action, *, actor) -> Action:
    """The leader asks for the places of a running plan's training action (one with no session ahead at
    approval, or after a request was declined)."""
    plan = action.objective.plan
    require(actor, "plan.request", plan)
    plan = locked(plan)
    action = Action.objects.select_related("enrolment").get(pk=action.pk, objective__plan=plan)
    if plan.status not in RUNNING:
        raise ValidationError("Places are requested once the plan is approved.")
    if action.kind != ActionKind.TRAINING or action.programme_id is None:
        raise ValidationError("Only a training action with a programme takes a place.")
    if action.enrolment is not None and action.enrolment.status in (*ACTIVE_ENROLMENT, EnrolmentStatus.COMPLETED):
        raise ValidationError("This action has an enrolment already: see its status.")
    Action.objects.filter(pk=action.pk).update(enrolment=None)
    action.enrolment = None
    if not request_places(plan):
        raise ValidationError(f"“{action.programme}” has no session ahead to request a place in yet.")
    action.refresh_from_db()
    return action


@transaction.atomic
def plan_return(plan: Plan, *, actor, comment: str) -> Plan:
    require(actor, "plan.return", plan)
    plan = locked(plan)
    if plan.status != PlanStatus.SUBMITTED:
        raise ValidationError(f"Only a submitted plan is returned; this one is {plan.get_status_display().lower()}.")
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": "Say what should change: the leader sees your comment."})
    plan.status, plan.returned_comment, plan.returned_by = PlanStatus.DRAFT, comment, actor
    plan.submitted_at = None
    return save(plan, actor)


@transaction.atomic
def plan_reopen(plan: Plan, *, actor) -> Plan:
    """The leader takes a submitted or approved plan back to draft to change it; an approval it had no
    longer covers it (its signature shows as superseded) and it is submitted again."""
    require(actor, "plan.reopen", plan)
    plan = locked(plan)
    if plan.status not in (PlanStatus.SUBMITTED, *RUNNING):
        raise ValidationError(f"This plan is {plan.get_status_display().lower()}: it cannot be reopened.")
    plan.status, plan.submitted_at = PlanStatus.DRAFT, None
    plan.approved_at, plan.approved_by = None, None
    return touch(plan, actor)


@transaction.atomic
def plan_complete(plan: Plan, *, actor, note: str) -> Plan:
    """The manager line, HR or quality close an approved plan, saying why (objectives met or not)."""
    require(actor, "plan.complete", plan)
    plan = locked(plan)
    if plan.status not in RUNNING:
        raise ValidationError(f"Only an approved plan is completed; this one is {plan.get_status_display().lower()}.")
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Say why the plan is complete, e.g. which objectives were met."})
    plan.status, plan.completed_at, plan.completion_note = PlanStatus.COMPLETED, timezone.now(), note
    return save(plan, actor)
