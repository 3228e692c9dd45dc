"""The use cases of controlled statements and acknowledgements, one transactional function per action.

HR or quality write a statement and its revisions; another of them approves a revision by signature
(segregation of duties, through `signatures.services.sign`); publishing makes it the statement's current
revision, which asks everyone it applies to for an acknowledgement. A leader acknowledges with their
password; the acknowledgement is a signature meaning "acknowledged" of what they read, and it stays on
record for that revision when a new one is published."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.emails import absolute_url, render_plain
from profiles.models import Person, ProfileStatus, RoleProfile
from signatures.models import Meaning
from signatures.services import sign

from . import selectors
from .models import Acknowledgement, AckReminder, RevisionStatus, Statement, StatementKind, StatementRevision

DEFAULT_REMINDER_DAYS = 14


@dataclass
class RevisionInput:
    text: str
    effective_date: date
    applies_to_everyone: bool = True
    org_units: list = field(default_factory=list)
    role_profiles: list = field(default_factory=list)
    change_note: str = ""


def _save(record, actor) -> None:
    record._history_user = actor
    record.full_clean()
    record.save()


def _check_audience(data: RevisionInput) -> None:
    if not data.applies_to_everyone and not (data.org_units or data.role_profiles):
        raise ValidationError({"applies_to_everyone": "Choose everyone, or at least one org unit or role profile."})


def _write_revision(revision: StatementRevision, data: RevisionInput, actor) -> StatementRevision:
    _check_audience(data)
    revision.text, revision.effective_date = data.text, data.effective_date
    revision.applies_to_everyone, revision.change_note = data.applies_to_everyone, data.change_note
    _save(revision, actor)
    revision._history_user = actor
    revision.org_units.set([] if data.applies_to_everyone else data.org_units)
    revision.role_profiles.set([] if data.applies_to_everyone else data.role_profiles)
    return revision


@transaction.atomic
def statement_create(*, kind: str, title: str, measure: str = "", target: str = "", revision: RevisionInput,
                     actor) -> Statement:
    """A new statement with its first revision, a draft."""
    statement = Statement(kind=kind, title=title, measure=measure if kind == StatementKind.OBJECTIVE else "",
                          target=target if kind == StatementKind.OBJECTIVE else "", created_by=actor)
    _save(statement, actor)
    _write_revision(StatementRevision(statement=statement, number=1, created_by=actor), revision, actor)
    return statement


@transaction.atomic
def statement_revise(*, statement: Statement, title: str, measure: str = "", target: str = "",
                     revision: RevisionInput, actor) -> StatementRevision:
    """Writes the statement's open revision, or starts the next one. An approved revision not published yet
    goes back to draft (its signature then shows as superseded)."""
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    statement.title = title
    if statement.kind == StatementKind.OBJECTIVE:
        statement.measure, statement.target = measure, target
    _save(statement, actor)
    draft = selectors.open_revision(statement)
    if draft is None:
        last = statement.revisions.order_by("-number").values_list("number", flat=True).first() or 0
        draft = StatementRevision(statement=statement, number=last + 1, created_by=actor)
    draft.status, draft.approved_by, draft.approved_at = RevisionStatus.DRAFT, None, None
    return _write_revision(draft, revision, actor)


def _locked(revision: StatementRevision) -> StatementRevision:
    return StatementRevision.objects.select_for_update().select_related("statement").get(pk=revision.pk)


@transaction.atomic
def revision_approve(*, revision: StatementRevision, actor, password: str) -> StatementRevision:
    """Approves a draft revision by the signature of an HR or quality manager other than its author."""
    revision = _locked(revision)
    if revision.status != RevisionStatus.DRAFT:
        raise ValidationError(f"Revision {revision.number} is {revision.get_status_display().lower()}: "
                              "only a draft is approved.")
    sign(revision, signer=actor, password=password, meaning=Meaning.APPROVED)
    revision.status, revision.approved_by, revision.approved_at = RevisionStatus.APPROVED, actor, timezone.now()
    _save(revision, actor)
    return revision


@transaction.atomic
def revision_publish(*, revision: StatementRevision, actor) -> StatementRevision:
    """Makes an approved revision its statement's current one; the one before is superseded (its
    acknowledgements stay on record for it) and everyone it applies to is asked again."""
    revision = _locked(revision)
    statement = Statement.objects.select_for_update().get(pk=revision.statement_id)
    if revision.status != RevisionStatus.APPROVED:
        raise ValidationError(f"Revision {revision.number} is {revision.get_status_display().lower()}: "
                              "only an approved revision is published.")
    if statement.current_revision_id:
        previous = StatementRevision.objects.select_for_update().get(pk=statement.current_revision_id)
        previous.status = RevisionStatus.SUPERSEDED
        _save(previous, actor)
    revision.status, revision.published_at = RevisionStatus.PUBLISHED, timezone.now()
    _save(revision, actor)
    statement.current_revision = revision
    _save(statement, actor)
    return revision


# --- acknowledgements -------------------------------------------------------------------------------------


def _lock_person(person: Person) -> Person:
    # One acknowledgement at a time per person, so a double submit finds the first one's row.
    return Person.objects.select_for_update(of=("self",)).select_related("role_profile", "user").get(pk=person.pk)


@transaction.atomic
def acknowledge_revision(*, person: Person, revision: StatementRevision, password: str) -> tuple[Acknowledgement, bool]:
    """`person` acknowledges `revision` with their password. Returns (acknowledgement, created): acknowledging
    again returns the first one and stores nothing."""
    person = _lock_person(person)
    revision = StatementRevision.objects.select_related("statement").get(pk=revision.pk)
    existing = Acknowledgement.objects.filter(person=person, revision=revision).first()
    if existing is not None:
        return existing, False
    if revision.statement.current_revision_id != revision.pk:
        raise ValidationError(f"Revision {revision.number} of “{revision.statement}” is not the current one: "
                              "acknowledge the current revision.")
    if not selectors.applies(revision, person):
        raise ValidationError(f"“{revision.statement}” does not apply to you.")
    signature = sign(revision, signer=person.user, password=password, meaning=Meaning.ACKNOWLEDGED)
    return Acknowledgement.objects.create(person=person, revision=revision, acknowledged_at=signature.signed_at,
                                          signature=signature), True


@transaction.atomic
def acknowledge_profile(*, person: Person, password: str) -> tuple[Acknowledgement, bool]:
    """`person` acknowledges the current (approved) revision of their own role profile: "I have read and
    understood my role's responsibilities and how my work contributes to the quality objectives"."""
    person = _lock_person(person)
    profile: RoleProfile | None = person.role_profile
    if profile is None or profile.revision < 1:
        raise ValidationError("You hold no approved role profile to acknowledge.")
    existing = Acknowledgement.objects.filter(person=person, role_profile=profile,
                                              profile_revision=profile.revision).first()
    if existing is not None:
        return existing, False
    if profile.status != ProfileStatus.APPROVED:
        raise ValidationError(f"“{profile}” is being revised: acknowledge it once its new revision is approved.")
    signature = sign(profile, signer=person.user, password=password, meaning=Meaning.ACKNOWLEDGED)
    return Acknowledgement.objects.create(person=person, role_profile=profile, profile_revision=profile.revision,
                                          acknowledged_at=signature.signed_at, signature=signature), True


# --- reminders ----------------------------------------------------------------------------------------------


def reminder_days() -> int:
    return getattr(settings, "ACK_REMINDER_DAYS", DEFAULT_REMINDER_DAYS)


def _record_reminders(now: datetime) -> None:
    """Writes a reminder row for every acknowledgement owed longer than the reminder days and not reminded."""
    cutoff = now - timedelta(days=reminder_days())
    rows = [AckReminder(person_id=pk, revision=revision)
            for revision in selectors.due_revisions(cutoff)
            for pk in selectors.owing_people(revision).values_list("pk", flat=True)]
    rows += [AckReminder(person_id=pk, role_profile_id=profile, profile_revision=number)
             for pk, profile, number in selectors.owed_profile_people(cutoff)
             .values_list("pk", "role_profile_id", "role_profile__revision")]
    AckReminder.objects.bulk_create(rows, ignore_conflicts=True)


def send_reminders(now: datetime | None = None) -> int:
    """Emails each person who owes acknowledgements older than ACK_REMINDER_DAYS, once per revision: the
    reminders are recorded first and marked sent with the email, so a second run sends nothing again."""
    now = now or timezone.now()
    _record_reminders(now)
    sent = 0
    people = (AckReminder.objects.filter(sent_at__isnull=True).values_list("person_id", flat=True)
              .distinct().order_by("person_id"))
    for person_id in list(people):
        with transaction.atomic():
            reminders = list(AckReminder.objects.select_for_update(skip_locked=True, of=("self",))
                             .filter(person_id=person_id, sent_at__isnull=True)
                             .select_related("revision__statement", "role_profile"))
            if not reminders:
                continue  # another run has them
            person = Person.objects.select_related("user").get(pk=person_id)
            _reminder_email(person, reminders).send()
            AckReminder.objects.filter(pk__in=[r.pk for r in reminders]).update(sent_at=timezone.now())
            sent += 1
    return sent


def _reminder_email(person: Person, reminders: list[AckReminder]) -> EmailMessage:
    items = [f"{r.revision.statement}, revision {r.revision.number}" if r.revision_id
             else f"Your role profile “{r.role_profile}”, revision {r.profile_revision}" for r in reminders]
    body = render_plain("awareness/ack_reminder_email.txt", {
        "person": person, "items": items, "days": reminder_days(), "url": absolute_url(reverse("awareness:mine"))})
    return EmailMessage(subject="Waiting for your acknowledgement", body=body, to=[person.user.email])


