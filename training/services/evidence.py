"""The other evidence of competence (ISO 9001 7.2 b): certificates (with their file), qualifications,
experience and named assessors' sign-offs on a person's record, certificate verification and the
reminders before a certificate expires.

Every function checks its input before it writes anything (a refused upload stores no file) and
records the actor on each history row.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.permissions import can
from competency.models import Competency, ProficiencyLevel, VersionStatus
from core.emails import absolute_url

from ..models import Certificate, Experience, Qualification, ReviewMethod, SignOff
from ..uploads import read_evidence, store_evidence

#: Days before its expiry when a certificate's reminder goes (CERTIFICATE_REMINDER_DAYS overrides it).
DEFAULT_REMINDER_DAYS = 30


def reminder_days() -> int:
    return int(getattr(settings, "CERTIFICATE_REMINDER_DAYS", DEFAULT_REMINDER_DAYS))


def _may_record(actor, person, action: str = "evidence.add") -> None:
    if not can(actor, action, person):
        raise ValidationError("Only the person's manager, HR or quality record evidence on their record.")


def _published(competencies) -> list[Competency]:
    competencies = list(competencies or [])
    stale = [c for c in competencies if c.version.status != VersionStatus.PUBLISHED]
    if stale:
        raise ValidationError({"competencies": "Link the evidence to competencies of published framework versions "
                                               f"({', '.join(c.code for c in stale)} is not published)."})
    return competencies


def _dates(issued_on: date, expires_on: date | None, *, issued_field: str = "issued_on") -> None:
    errors = {}
    if issued_on > timezone.localdate():
        errors[issued_field] = "The date cannot be in the future."
    if expires_on is not None and expires_on <= issued_on:
        errors["expires_on"] = "The expiry must come after the date it was issued."
    if errors:
        raise ValidationError(errors)


def _save(obj, actor, **kwargs):
    obj._history_user = actor
    obj.full_clean(exclude=["file"])
    obj.save(**kwargs)
    return obj


def _link(obj, competencies, actor) -> None:
    if competencies:
        obj._history_user = actor
        obj.competencies.set(competencies)


# --- certificates --------------------------------------------------------------------------------------


@transaction.atomic
def certificate_add(*, person, title: str, issuer: str, issued_on: date, expires_on: date | None, upload,
                    competencies=(), actor, enrolment=None) -> Certificate:
    """A certificate on `person`'s record with its file (PDF, PNG or JPEG, told by its content)."""
    _may_record(actor, person)
    _dates(issued_on, expires_on)
    competencies = _published(competencies)
    if enrolment is not None and enrolment.person_id != person.pk:
        raise ValidationError({"enrolment": "The enrolment is someone else's."})
    read_evidence(upload)  # refused before anything is stored
    evidence = store_evidence(upload, actor=actor)
    certificate = _save(Certificate(person=person, enrolment=enrolment, title=title.strip(), issuer=issuer.strip(),
                                    issued_on=issued_on, expires_on=expires_on, file=evidence), actor)
    _link(certificate, competencies, actor)
    return certificate


@transaction.atomic
def certificate_verify(certificate: Certificate, *, actor) -> Certificate:
    """HR or quality confirm the certificate is genuine: who and when are recorded."""
    if not can(actor, "certificate.verify", certificate):
        raise ValidationError("Only HR or quality verify certificates.")
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.verified_at is not None:
        raise ValidationError(f"“{certificate.title}” was verified already, by {certificate.verified_by} on "
                              f"{timezone.localtime(certificate.verified_at):%d %b %Y}.")
    certificate.verified_by, certificate.verified_at = actor, timezone.now()
    return _save(certificate, actor)


# --- qualifications, experience, sign-offs ----------------------------------------------------------------


@transaction.atomic
def qualification_add(*, person, kind: str, title: str, issuer: str, awarded_on: date, expires_on: date | None,
                      upload=None, competencies=(), actor) -> Qualification:
    _may_record(actor, person)
    _dates(awarded_on, expires_on, issued_field="awarded_on")
    competencies = _published(competencies)
    evidence = None
    if upload is not None:
        read_evidence(upload)
        evidence = store_evidence(upload, actor=actor)
    qualification = _save(Qualification(person=person, kind=kind, title=title.strip(), issuer=issuer.strip(),
                                        awarded_on=awarded_on, expires_on=expires_on, file=evidence), actor)
    _link(qualification, competencies, actor)
    return qualification


@transaction.atomic
def experience_add(*, person, role: str, organisation: str, started_on: date, ended_on: date | None,
                   competencies=(), actor) -> Experience:
    _may_record(actor, person)
    errors = {}
    if started_on > timezone.localdate():
        errors["started_on"] = "The start cannot be in the future."
    if ended_on is not None and ended_on < started_on:
        errors["ended_on"] = "The end cannot come before the start."
    if errors:
        raise ValidationError(errors)
    competencies = _published(competencies)
    experience = _save(Experience(person=person, role=role.strip(), organisation=organisation.strip(),
                                  started_on=started_on, ended_on=ended_on, recorded_by=actor), actor)
    _link(experience, competencies, actor)
    return experience


def scale_levels(competency: Competency) -> list[int]:
    return list(ProficiencyLevel.objects.filter(scale_id=competency.version.framework.scale_id)
                .order_by("value").values_list("value", flat=True))


@transaction.atomic
def signoff_add(*, person, competency: Competency, level: int, statement: str, method: str, signed_on: date,
                actor) -> SignOff:
    """A named assessor's sign-off: the assessor is the actor, the person's manager, HR or quality."""
    _may_record(actor, person, "signoff.add")
    errors = {}
    if competency.version.status != VersionStatus.PUBLISHED:
        errors["competency"] = "Sign off a competency of a published framework version."
    levels = scale_levels(competency)
    if level not in levels:
        errors["level"] = (f"Level {level} is not on the scale of {competency.code}: choose one of "
                           f"{', '.join(map(str, levels))}.")
    if method not in ReviewMethod.values:
        errors["method"] = "Choose how you judged it."
    if signed_on > timezone.localdate():
        errors["signed_on"] = "The date cannot be in the future."
    if errors:
        raise ValidationError(errors)
    return _save(SignOff(person=person, competency=competency, level=level,
                         statement=statement.strip() or "Competent to work unsupervised", method=method,
                         assessor=actor, signed_on=signed_on), actor)


# --- expiry reminders -------------------------------------------------------------------------------------


def due_for_reminder(today: date | None = None):
    today = today or timezone.localdate()
    return Certificate.objects.filter(expires_on__isnull=False, expires_on__gte=today,
                                      expires_on__lte=today + timedelta(days=reminder_days()),
                                      expiry_reminded_on__isnull=True, person__active=True)


def _reminder(certificate: Certificate) -> mail.EmailMessage:
    person = certificate.person
    link = absolute_url(reverse("training:record", kwargs={"pk": person.pk}))
    body = (f"Hello {person.user.first_name or person},\n\n"
            f"The certificate “{certificate.title}” issued by {certificate.issuer} on "
            f"{certificate.issued_on:%d %b %Y} expires on {certificate.expires_on:%d %b %Y}.\n\n"
            "Once it has expired it no longer counts as evidence of competence. Renew it and upload the new "
            f"certificate to the competence record:\n{link}\n")
    to = [person.user.email]
    manager = person.manager
    cc = [manager.user.email] if manager is not None and manager.user.email not in to else []
    return mail.EmailMessage(f"Your certificate “{certificate.title}” expires on {certificate.expires_on:%d %b %Y}",
                             body, settings.DEFAULT_FROM_EMAIL, to, cc=cc)


def send_expiry_reminders(today: date | None = None) -> int:
    """One email per certificate expiring within the reminder days and not reminded yet, to the person with
    their manager in copy; the reminder is recorded in the same transaction as it is sent, so a second run
    (or a retried task) sends nothing twice, and a failed send is tried again on the next run."""
    today = today or timezone.localdate()
    sent = 0
    for pk in list(due_for_reminder(today).values_list("pk", flat=True)):
        with transaction.atomic():
            certificate = (Certificate.objects.select_for_update(skip_locked=True, of=("self",))
                           .select_related("person__user", "person__manager__user")
                           .filter(pk=pk, expiry_reminded_on__isnull=True).first())
            if certificate is None:
                continue  # another run has it
            _reminder(certificate).send()
            certificate.expiry_reminded_on = today
            certificate._history_user = None
            certificate.save(update_fields=["expiry_reminded_on"])
            sent += 1
    return sent
