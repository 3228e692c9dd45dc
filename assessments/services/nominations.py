"""Leaders nominate peers and external raters; their manager (or HR and quality) decides.

A nomination is a questionnaire in the state "nominated". Approval makes it an invitation (pending,
with `invited_at`); rejection keeps it on record as rejected. Who may call which function is the
permission rules' business (`participant.nominate`, `participant.decide`); these functions check
what the data says: the cycle is open, the nominee fits, the group has room, nothing is decided twice.
Every change is recorded in the questionnaire's history with the actor.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from core.db import queue_after_commit
from profiles.models import Person

from ..models import (
    NOMINATED_GROUPS,
    OPEN_STATUSES,
    CycleStatus,
    Group,
    Participant,
    Questionnaire,
    QuestionnaireStatus,
)

#: More open questionnaires than this at once overload a rater (a warning, not a refusal).
MAX_OPEN_LOAD = 8
#: Questionnaires a person has been asked for and not finished: awaiting approval, not started, started.
LOAD_STATUSES = (QuestionnaireStatus.NOMINATED, *OPEN_STATUSES)


def _emails(cycle_id: int) -> None:
    queue_after_commit("assessments.tasks.send_cycle_emails", cycle_id)


def _locked(participant: Participant) -> Participant:
    return (Participant.objects.select_for_update(of=("self",))
            .select_related("cycle", "person__user").get(pk=participant.pk))


def _require_open(participant: Participant) -> None:
    cycle = participant.cycle
    if cycle.status != CycleStatus.OPEN:
        raise ValidationError(f"{cycle} is {cycle.get_status_display().lower()}: "
                              "nominations are made and decided while the cycle is open.")


def open_load(person: Person) -> int:
    """How many questionnaires `person` holds in open cycles that they have not finished (including
    nominations awaiting a decision)."""
    return Questionnaire.objects.filter(rater=person, status__in=LOAD_STATUSES,
                                        participant__cycle__status=CycleStatus.OPEN).count()


def load_warning(person: Person | None) -> str:
    """A warning when `person` holds more open questionnaires than a rater can answer well."""
    if person is None:
        return ""
    load = open_load(person)
    if load <= MAX_OPEN_LOAD:
        return ""
    return (f"{person} now has {load} open questionnaires (more than {MAX_OPEN_LOAD}): "
            "they may not manage to answer them all well.")


def _taken(participant: Participant, group: str) -> int:
    return (Questionnaire.objects.filter(participant=participant, group=group)
            .exclude(status=QuestionnaireStatus.REJECTED).count())


def _require_room(participant: Participant, group: str) -> None:
    _, most = participant.cycle.nomination_range(group)
    label = "peers" if group == Group.PEER else "external raters"
    if most == 0:
        raise ValidationError(f"This cycle takes no {label}.")
    if _taken(participant, group) >= most:
        raise ValidationError(f"The cycle allows at most {most} {label} and that many are nominated already. "
                              "Withdraw a nomination that awaits a decision to make room.")


def _check_peer(participant: Participant, person: Person) -> None:
    leader = participant.person
    if person.pk == leader.pk:
        raise ValidationError({"person": "You cannot nominate yourself: your self-assessment is already part of the cycle."})
    if not person.active:
        raise ValidationError({"person": f"{person} is no longer active."})
    if person.pk in {participant.manager_id, leader.manager_id}:
        raise ValidationError({"person": f"{person} is your manager: they rate you as your manager, not as a peer."})
    if person.manager_id == leader.pk:
        raise ValidationError({"person": f"{person} reports to you: they rate you as a direct report, not as a peer."})
    existing = Questionnaire.objects.filter(participant=participant, rater=person).first()
    if existing is not None:
        if existing.status == QuestionnaireStatus.REJECTED:
            raise ValidationError({"person": f"The nomination of {person} was rejected: nominate someone else."})
        raise ValidationError({"person": f"{person} is already among your raters."})


def nominate_peer(participant: Participant, person: Person, *, actor) -> Questionnaire:
    """Nominates a colleague as a peer rater; the nomination awaits the manager's decision.
    The questionnaire returned carries `warning` ("" or why the nominee may be overloaded)."""
    with transaction.atomic():
        participant = _locked(participant)
        _require_open(participant)
        _check_peer(participant, person)
        _require_room(participant, Group.PEER)
        questionnaire = Questionnaire(participant=participant, group=Group.PEER, rater=person,
                                      status=QuestionnaireStatus.NOMINATED, nominated_by=actor)
        questionnaire._history_user = actor
        questionnaire.save()
        if participant.nominations_submitted_at:  # the manager is asked about the new one too
            _emails(participant.cycle_id)
    questionnaire.warning = load_warning(person)
    return questionnaire


def nominate_external(participant: Participant, name: str, email: str, *, actor) -> Questionnaire:
    """Nominates someone outside the organisation (a customer, a supplier), who answers by a personal link."""
    name, email = (name or "").strip(), (email or "").strip().lower()
    if not name:
        raise ValidationError({"name": "Give the external rater's name."})
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Give a valid email address."}) from None
    with transaction.atomic():
        participant = _locked(participant)
        _require_open(participant)
        employee = Person.objects.select_related("user").filter(user__email__iexact=email).first()
        if employee is not None:
            if employee.pk == participant.person_id:
                raise ValidationError({"email": "That is your own email address: you cannot nominate yourself."})
            raise ValidationError({"email": f"{email} belongs to {employee}, who works here: nominate them as a peer instead."})
        if Questionnaire.objects.filter(participant=participant, external_email__iexact=email).exists():
            raise ValidationError({"email": f"{email} is already among your raters."})
        _require_room(participant, Group.EXTERNAL)
        questionnaire = Questionnaire(participant=participant, group=Group.EXTERNAL, external_name=name[:200],
                                      external_email=email, status=QuestionnaireStatus.NOMINATED, nominated_by=actor)
        questionnaire._history_user = actor
        questionnaire.save()
        if participant.nominations_submitted_at:
            _emails(participant.cycle_id)
    questionnaire.warning = ""
    return questionnaire


def _locked_nomination(questionnaire: Questionnaire) -> tuple[Questionnaire, Participant]:
    participant = _locked(questionnaire.participant)
    questionnaire = (Questionnaire.objects.select_for_update(of=("self",)).select_related("rater__user")
                     .get(pk=questionnaire.pk))
    return questionnaire, participant


def _require_awaiting(questionnaire: Questionnaire) -> None:
    if questionnaire.group not in NOMINATED_GROUPS:
        raise ValidationError(f"{questionnaire.rater_name} rates as {questionnaire.get_group_display().lower()}, "
                              "from the org data: that is not a nomination.")
    if questionnaire.status != QuestionnaireStatus.NOMINATED:
        outcome = "rejected" if questionnaire.status == QuestionnaireStatus.REJECTED else "approved"
        raise ValidationError(f"The nomination of {questionnaire.rater_name} no longer awaits a decision: "
                              f"it was {outcome} already.")


def withdraw(questionnaire: Questionnaire, *, actor) -> None:
    """Takes back a nomination that awaits a decision (once approved, the rater has been asked)."""
    with transaction.atomic():
        questionnaire, participant = _locked_nomination(questionnaire)
        _require_open(participant)
        _require_awaiting(questionnaire)
        questionnaire._history_user = actor
        questionnaire.delete()


def submit_nominations(participant: Participant, *, actor) -> Participant:
    """Hands the nominations to the manager for approval, once each group has its minimum."""
    with transaction.atomic():
        participant = _locked(participant)
        _require_open(participant)
        cycle = participant.cycle
        short = []
        for group, label in ((Group.PEER, "peers"), (Group.EXTERNAL, "external raters")):
            fewest, _ = cycle.nomination_range(group)
            taken = _taken(participant, group)
            if taken < fewest:
                short.append(f"at least {fewest} {label} (you have {taken})")
        if short:
            raise ValidationError("Nominate " + " and ".join(short) + " before you submit.")
        awaiting = Questionnaire.objects.filter(participant=participant, status=QuestionnaireStatus.NOMINATED).exists()
        if participant.nominations_submitted_at and not awaiting:
            raise ValidationError(f"Your nominations were submitted on {participant.nominations_submitted_at:%d %b %Y}; "
                                  "no new nomination awaits a decision.")
        participant.nominations_submitted_at = timezone.now()
        participant._history_user = actor
        participant.save(update_fields=["nominations_submitted_at"])
        _emails(cycle.pk)
    return participant


def _apply(questionnaire: Questionnaire, approve: bool, actor, now) -> None:
    questionnaire.status = QuestionnaireStatus.PENDING if approve else QuestionnaireStatus.REJECTED
    questionnaire.decided_by = actor
    if approve:
        questionnaire.invited_at = now
    questionnaire._history_user = actor
    questionnaire.save(update_fields=["status", "decided_by", "invited_at"])


def _refuse_own(participant: Participant, actor) -> None:
    if getattr(actor, "pk", None) is not None and participant.person.user_id == actor.pk:
        raise ValidationError("You cannot decide on your own nominations.")


def _after_decisions(participant: Participant, actor, now) -> None:
    if not Questionnaire.objects.filter(participant=participant, status=QuestionnaireStatus.NOMINATED).exists():
        participant.nominations_approved_at = now
        participant.nominations_approved_by = actor
        participant._history_user = actor
        participant.save(update_fields=["nominations_approved_at", "nominations_approved_by"])
    _emails(participant.cycle_id)


def decide(questionnaire: Questionnaire, approve: bool, *, actor) -> Questionnaire:
    """Approves (the rater is invited) or rejects one nomination. The questionnaire returned carries
    `warning` when the approved rater now holds too many open questionnaires."""
    with transaction.atomic():
        questionnaire, participant = _locked_nomination(questionnaire)
        _require_open(participant)
        _refuse_own(participant, actor)
        _require_awaiting(questionnaire)
        now = timezone.now()
        _apply(questionnaire, approve, actor, now)
        _after_decisions(participant, actor, now)
    questionnaire.warning = load_warning(questionnaire.rater) if approve else ""
    return questionnaire


def decide_all(participant: Participant, approve: bool = True, *, actor) -> list[Questionnaire]:
    """Approves (or rejects) every nomination of the leader that awaits a decision, e.g. HR approving
    a list directly. Each decided questionnaire carries `warning` as with `decide`."""
    with transaction.atomic():
        participant = _locked(participant)
        _require_open(participant)
        _refuse_own(participant, actor)
        waiting = list(Questionnaire.objects.select_for_update(of=("self",)).select_related("rater__user")
                       .filter(participant=participant, status=QuestionnaireStatus.NOMINATED).order_by("pk"))
        if not waiting:
            raise ValidationError(f"No nomination of {participant.person} awaits a decision.")
        now = timezone.now()
        for questionnaire in waiting:
            _apply(questionnaire, approve, actor, now)
        _after_decisions(participant, actor, now)
    for questionnaire in waiting:
        questionnaire.warning = load_warning(questionnaire.rater) if approve else ""
    return waiting
