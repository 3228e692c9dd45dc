"""Who reads and changes training and the other evidence of competence.

Everyone signed in reads the catalogue (leaders request places from it); HR and quality run it
(programmes, sessions, attendance, completion, certificates and their verification). A person's
training and competence record — enrolments, certificates, qualifications, experience, sign-offs,
effectiveness reviews — is read by exactly those who may open that person's page (`person.view`:
the person, their managers up the line, HR, quality, auditors); anyone else gets 404. A manager
enrols their reports, decides on their requests, records their effectiveness reviews and signs off
their requirements as a named assessor; a leader requests a place for themself and withdraws.
"""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.permissions import Denied, RuleResult, can, is_managing, is_reader, managing_only, rule, scope, visible
from profiles.models import Person
from profiles.rules import person_of


def _manages(user, person: Person) -> bool:
    """The user is above `person` in the line of managers (HR's and quality's say is separate)."""
    own = person_of(user)
    return own is not None and own.pk != person.pk and can(user, "person.view", person)


@rule("programme.browse", "programme.view", "session.view")
def _anyone(user, obj=None) -> RuleResult:
    return True


@rule("programme.create", "programme.edit", "session.create", "session.edit", "session.cancel", "enrolment.record",
      "certificate.verify")
def _managing(user, obj=None) -> RuleResult:
    return managing_only(user)


@rule("record.view")
def _record_view(user, person: Person) -> RuleResult:
    """A person's training and competence record (and everything on it)."""
    return can(user, "person.view", person)


@rule("enrolment.create")
def _enrol(user, person: Person | None = None) -> RuleResult:
    """HR and quality enrol anyone; a manager enrols the people below them."""
    if is_managing(user):
        return True
    if person is not None and _manages(user, person):
        return True
    return Denied("HR, quality or the person's manager enrol them; a leader requests a place for themself.")


@rule("enrolment.request")
def _request(user, person: Person | None = None) -> RuleResult:
    own = person_of(user)
    if own is not None and (person is None or person.pk == own.pk):
        return True
    return Denied("A leader requests a place for themself.")


@rule("enrolment.decide")
def _decide(user, enrolment) -> RuleResult:
    if is_managing(user) or _manages(user, enrolment.person):
        return True
    return Denied("The leader's manager, HR or quality decide on a request.")


@rule("enrolment.withdraw")
def _withdraw(user, enrolment) -> RuleResult:
    own = person_of(user)
    if is_managing(user) or (own is not None and enrolment.person_id == own.pk) or _manages(user, enrolment.person):
        return True
    return Denied("The person, their manager, HR or quality withdraw an enrolment.")


@rule("evidence.add", "signoff.add", "review.record")
def _manager_or_managing(user, person: Person | None = None) -> RuleResult:
    """Evidence on a person's record, sign-offs and effectiveness reviews: their manager, HR or quality."""
    if is_managing(user):
        return True
    if person is not None and _manages(user, person):
        return True
    return Denied("The person's manager, HR or quality record this.")


@rule("matrix.browse", "review.browse")
def _matrix(user, obj=None) -> RuleResult:
    if is_reader(user) or is_managing(user) or person_of(user) is not None:
        return True  # leaders see the rows of their own line only (the record scope)
    return Denied("Sign in as a person with a record, or as HR, quality or an auditor.")


@scope("record")
def _visible_records(user, queryset: QuerySet) -> QuerySet:
    """Rows that belong to a person (a `person` field): those whose person the user may open, and their own."""
    if is_reader(user):
        return queryset
    own = person_of(user)
    if own is None:
        return queryset.none()
    line = visible(user, "person", Person.objects.all()).values("pk")
    return queryset.filter(person_id__in=line) | queryset.filter(person_id=own.pk)
