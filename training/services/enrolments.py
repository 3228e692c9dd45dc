"""Enrolments: who takes a place in a session, the waiting list, attendance and completion.

- HR, quality or the person's manager enrol someone (`enrol`): a free place makes them ENROLLED, a full
  session puts them on its waiting list (WAITING at the next position).
- A leader asks for a place for themself (`request_place`, REQUESTED); their manager, HR or quality
  approve (a place or the waiting list, as `enrol`) or decline (`decide`).
- Anyone involved withdraws an enrolment before the session starts (`withdraw`); a place it held goes to
  the first on the waiting list, whose position list is renumbered from 1, and who is told by email once
  the transaction commits.
- HR or quality record attendance and completion once the session has started (`record_completion`):
  COMPLETED needs attendance and a completion date between the session's start and today; anything else
  is NOT_COMPLETED. A completion opens one effectiveness review per competency the programme aims at, due
  `review_after_days` later with the programme's planned method (7.2 c). Attending is not evidence of
  competence: the review is.

Every change locks the session row first (`SELECT … FOR UPDATE`), so two requests for the last place take
turns and cannot overfill it, and the waiting list keeps one person per position. Each function is one
transaction: a refusal (ValidationError, or PermissionDenied from the rules) changes nothing.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from accounts.permissions import require
from core.db import queue_after_commit
from core.emails import absolute_url, render_plain

from ..signals import enrolment_completed
from ..models import (
    ACTIVE_ENROLMENT,
    EffectivenessReview,
    Enrolment,
    EnrolmentResult,
    EnrolmentStatus,
    Session,
)

logger = logging.getLogger(__name__)

#: How long the "moved up" email remembers that it went (a redelivered task within it sends nothing).


# --- reading the state of a session -----------------------------------------------------------------


def _locked(session_id: int) -> Session:
    """The session, locked for the rest of the transaction, with its programme."""
    return Session.objects.select_for_update(of=("self",)).select_related("programme").get(pk=session_id)


def _locked_enrolment(enrolment: Enrolment) -> tuple[Session, Enrolment]:
    session = _locked(enrolment.session_id)
    fresh = Enrolment.objects.select_related("person__user").get(pk=enrolment.pk)
    fresh.session = session
    return session, fresh


def places_taken(session: Session) -> int:
    return session.enrolments.filter(status=EnrolmentStatus.ENROLLED).count()


def has_started(session: Session) -> bool:
    return session.starts_at <= timezone.now()


def _check_open(session: Session, person) -> None:
    """Refuses a new place (or request) when the person or the session cannot take one."""
    if not person.active:
        raise ValidationError(f"{person} is no longer active, so they cannot be enrolled.")
    if not session.programme.active:
        raise ValidationError(f"The programme “{session.programme}” is inactive and takes no enrolments.")
    if session.cancelled:
        raise ValidationError("This session is cancelled and takes no enrolments.")
    if has_started(session):
        raise ValidationError("This session has already started and takes no new enrolments.")


def _check_not_there(session: Session, person, *, but: Enrolment | None = None) -> None:
    others = Enrolment.objects.filter(session=session, person=person, status__in=ACTIVE_ENROLMENT)
    if but is not None:
        others = others.exclude(pk=but.pk)
    if others.exists():
        raise ValidationError(f"{person} already has a place, a place on the waiting list or a request in this session.")


def _place(session: Session, enrolment: Enrolment) -> None:
    """ENROLLED when a place is free, else WAITING at the end of the list (the session is locked)."""
    if places_taken(session) < session.capacity:
        enrolment.status, enrolment.waiting_position = EnrolmentStatus.ENROLLED, None
    else:
        last = session.enrolments.filter(status=EnrolmentStatus.WAITING).aggregate(last=Max("waiting_position"))["last"]
        enrolment.status, enrolment.waiting_position = EnrolmentStatus.WAITING, (last or 0) + 1


def _save(enrolment: Enrolment, actor) -> Enrolment:
    enrolment._history_user = actor
    enrolment.save()
    return enrolment


# --- the use cases ----------------------------------------------------------------------------------


@transaction.atomic
def enrol(session: Session, person, *, actor) -> Enrolment:
    """HR, quality or the person's manager give `person` a place in `session` (or the next place on its
    waiting list when it is full)."""
    require(actor, "enrolment.create", person)
    session = _locked(session.pk)
    _check_open(session, person)
    _check_not_there(session, person)
    enrolment = Enrolment(session=session, person=person, requested_by=actor)
    _place(session, enrolment)
    return _save(enrolment, actor)


@transaction.atomic
def request_place(session: Session, person, *, actor) -> Enrolment:
    """A leader asks for a place for themself; their manager (or HR, quality) decides."""
    require(actor, "enrolment.request", person)
    session = _locked(session.pk)
    _check_open(session, person)
    _check_not_there(session, person)
    enrolment = Enrolment(session=session, person=person, requested_by=actor, status=EnrolmentStatus.REQUESTED)
    return _save(enrolment, actor)


@transaction.atomic
def decide(enrolment: Enrolment, approve: bool, *, actor) -> Enrolment:
    """The manager, HR or quality approve a request (a place, or the waiting list when the session is
    full) or decline it."""
    require(actor, "enrolment.decide", enrolment)
    session, enrolment = _locked_enrolment(enrolment)
    if enrolment.status != EnrolmentStatus.REQUESTED:
        raise ValidationError(f"This request was already decided: {enrolment.get_status_display().lower()}.")
    if approve:
        _check_open(session, enrolment.person)
        _place(session, enrolment)
    else:
        enrolment.status = EnrolmentStatus.DECLINED
    enrolment.decided_by = actor
    return _save(enrolment, actor)


@transaction.atomic
def withdraw(enrolment: Enrolment, *, actor) -> tuple[Enrolment, Enrolment | None]:
    """Takes the person off the session before it starts. Returns the enrolment and, when it held a place
    and someone was waiting, the enrolment that moved up into that place (emailed after the commit)."""
    require(actor, "enrolment.withdraw", enrolment)
    session, enrolment = _locked_enrolment(enrolment)
    if enrolment.status not in ACTIVE_ENROLMENT:
        raise ValidationError(f"Only a place, a waiting place or a request can be withdrawn; this enrolment is "
                              f"{enrolment.get_status_display().lower()}.")
    if has_started(session):
        raise ValidationError("The session has started: record the attendance instead of withdrawing.")
    held = enrolment.status == EnrolmentStatus.ENROLLED
    enrolment.status, enrolment.waiting_position = EnrolmentStatus.WITHDRAWN, None
    _save(enrolment, actor)
    moved_up = None
    waiting = list(session.enrolments.filter(status=EnrolmentStatus.WAITING).order_by("waiting_position", "pk"))
    if held and waiting and not session.cancelled and places_taken(session) < session.capacity:
        moved_up = waiting.pop(0)
        moved_up.status, moved_up.waiting_position = EnrolmentStatus.ENROLLED, None
        _save(moved_up, actor)
        queue_after_commit("training.tasks.send_moved_up_email", moved_up.pk)
    for position, row in enumerate(waiting, start=1):
        if row.waiting_position != position:
            row.waiting_position = position
            _save(row, actor)
    return enrolment, moved_up


@transaction.atomic
def record_completion(enrolment: Enrolment, *, attended: bool, completed_on: date | None, result: str = "",
                      note: str = "", actor) -> Enrolment:
    """HR or quality record attendance, completion and result once the session has started. COMPLETED
    (attended, with a completion date from the session's first day to today) opens the effectiveness
    reviews; otherwise the enrolment is NOT_COMPLETED. A completion is final (its reviews are due)."""
    require(actor, "enrolment.record", enrolment)
    session, enrolment = _locked_enrolment(enrolment)
    if enrolment.status == EnrolmentStatus.COMPLETED:
        raise ValidationError("This completion is already recorded; its effectiveness reviews are due.")
    if enrolment.status not in (EnrolmentStatus.ENROLLED, EnrolmentStatus.NOT_COMPLETED):
        raise ValidationError(f"Only an enrolled person's attendance is recorded; this enrolment is "
                              f"{enrolment.get_status_display().lower()}.")
    if session.cancelled:
        raise ValidationError("This session was cancelled: nobody attended it.")
    if not has_started(session):
        raise ValidationError("The session has not started yet: record the completion after it.")
    if result not in EnrolmentResult.values:
        raise ValidationError({"result": "Choose a result from the list."})
    starts_on = timezone.localdate(session.starts_at)
    if completed_on is not None:
        if not attended:
            raise ValidationError({"completed_on": "Someone who did not attend cannot have completed the programme."})
        if completed_on < starts_on:
            raise ValidationError({"completed_on": f"The completion date cannot be before the session starts "
                                                   f"({starts_on:%d %b %Y})."})
        if completed_on > timezone.localdate():
            raise ValidationError({"completed_on": "The completion date cannot be in the future."})
    completed = bool(attended) and completed_on is not None
    enrolment.attended, enrolment.result, enrolment.note = attended, result, note
    enrolment.completed_on = completed_on if completed else None
    enrolment.status = EnrolmentStatus.COMPLETED if completed else EnrolmentStatus.NOT_COMPLETED
    _save(enrolment, actor)
    if completed:
        open_reviews(enrolment, actor=actor)
        transaction.on_commit(lambda: enrolment_completed.send(sender=Enrolment, enrolment_id=enrolment.pk))
    return enrolment


def open_reviews(enrolment: Enrolment, *, actor) -> list[EffectivenessReview]:
    """One effectiveness review per competency the programme aims at, due `review_after_days` after the
    completion with the programme's planned method; those that exist already are kept as they are."""
    programme = enrolment.session.programme
    due_on = enrolment.completed_on + timedelta(days=programme.review_after_days)
    have = set(EffectivenessReview.objects.filter(enrolment=enrolment).values_list("competency_id", flat=True))
    created = []
    for target in programme.targets.order_by("competency__code", "pk"):
        if target.competency_id in have:
            continue
        review = EffectivenessReview(enrolment=enrolment, competency_id=target.competency_id, due_on=due_on,
                                     planned_method=programme.review_method)
        review._history_user = actor
        review.save()
        created.append(review)
    return created


# --- the email to whoever moves up ------------------------------------------------------------------


def send_moved_up_email(enrolment_id: int) -> bool:
    """Tells the person who moved up from the waiting list that they have a place. Sent at most once per
    enrolment: the send is claimed under a lock on the enrolment and marked in the same transaction, so
    a retried or redelivered task finds the mark and sends nothing; a failed send leaves no mark (the
    retry sends it). Only while the place is still theirs. Returns whether an email went."""
    with transaction.atomic():
        enrolment = (Enrolment.objects.select_for_update(of=("self",)).select_related("person__user", "session__programme")
                     .filter(pk=enrolment_id, status=EnrolmentStatus.ENROLLED, moved_up_notified_at__isnull=True).first())
        if enrolment is None:
            return False
        user = enrolment.person.user
        if not (user.email and user.is_active and enrolment.person.active):
            return False
        session = enrolment.session
        body = render_plain("training/emails/moved_up.txt", {
            "person": enrolment.person, "session": session, "programme": session.programme,
            "starts_at": timezone.localtime(session.starts_at), "link": absolute_url(reverse("training:my_training")),
        })
        mail.send_mail(f"A place for you: {session.programme}", body, None, [user.email])  # raises: rolled back
        Enrolment.objects.filter(pk=enrolment.pk).update(moved_up_notified_at=timezone.now())
    return True


def send_cancellation_emails(session_id: int) -> int:
    """Tells each person whose place, waiting place or request ended with the session's cancellation.
    Each send is claimed under a lock on its enrolment and marked in the same transaction, so a retried
    or redelivered task sends nothing twice. Returns how many went."""
    sent = 0
    ids = list(Enrolment.objects.filter(session_id=session_id, status=EnrolmentStatus.CANCELLED,
                                        cancellation_notified_at__isnull=True).values_list("pk", flat=True))
    for enrolment_id in ids:
        with transaction.atomic():
            enrolment = (Enrolment.objects.select_for_update(of=("self",)).select_related("person__user", "session__programme")
                         .filter(pk=enrolment_id, cancellation_notified_at__isnull=True).first())
            if enrolment is None:
                continue
            user = enrolment.person.user
            if user.email and user.is_active:
                session = enrolment.session
                body = render_plain("training/emails/session_cancelled.txt", {
                    "person": enrolment.person, "session": session, "programme": session.programme,
                    "starts_at": timezone.localtime(session.starts_at),
                    "link": absolute_url(reverse("training:programme_detail", args=[session.programme_id])),
                })
                mail.send_mail(f"Cancelled: {session.programme}", body, None, [user.email])  # raises: rolled back
                sent += 1
            Enrolment.objects.filter(pk=enrolment.pk).update(cancellation_notified_at=timezone.now())
    return sent
