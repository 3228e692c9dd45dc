"""Who may read and change org units, role profiles and people.

HR, quality and auditors read everything; HR and quality change it. A leader reads their own person
page and role profile; a manager also those of everyone in their reporting line (direct and
indirect reports), as HR systems show it.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.permissions import Denied, RuleResult, is_managing, is_reader, managing_only, request_cache, rule, scope

from .models import Person
from .selectors import in_reporting_line, reporting_line_ids


def person_of(user) -> Person | None:
    """The user's person record, or None. One query per request at most."""
    facts = request_cache(user, "facts")
    if "person" not in facts:
        facts["person"] = Person.objects.filter(user=user).first()
    return facts["person"]


def manages_anyone(user) -> bool:
    facts = request_cache(user, "facts")
    if "manages" not in facts:
        person = person_of(user)
        facts["manages"] = bool(person and person.reports.filter(active=True).exists())
    return facts["manages"]


def _line_ids(user):
    """The ids of everyone below the user's person, as a subquery (one recursive query, any depth)."""
    person = person_of(user)
    return reporting_line_ids(person.pk) if person else None


@rule("orgunit.browse", "orgunit.view", "profile.browse")
def _anyone(user, obj=None) -> RuleResult:
    return True


@rule("profile.create", "profile.edit", "profile.approve", "people.import", "orgunit.create", "orgunit.edit",
      "person.edit")
def _managing(user, obj=None) -> RuleResult:
    return managing_only(user)


@rule("peopleimport.view")
def _own_upload(user, upload) -> RuleResult:
    return is_managing(user) and upload.created_by_id == user.pk


@rule("profile.view")
def _profile_view(user, profile) -> RuleResult:
    if is_reader(user):
        return True
    person = person_of(user)
    if person is None:
        return False
    if person.role_profile_id == profile.pk:
        return True
    cache = request_cache(user, "line_profiles")
    if profile.pk not in cache:
        cache[profile.pk] = Person.objects.filter(pk__in=_line_ids(user), role_profile=profile).exists()
    return cache[profile.pk]


@rule("person.browse")
def _person_browse(user, obj=None) -> RuleResult:
    if is_reader(user) or manages_anyone(user):
        return True
    return Denied("The people list is for HR, quality, auditors and managers. Your own page is linked from your dashboard.")


@rule("person.view")
def _person_view(user, person) -> RuleResult:
    if is_reader(user) or person.user_id == user.pk:
        return True
    own = person_of(user)
    if own is None:
        return False
    cache = request_cache(user, "line_people")
    if person.pk not in cache:
        cache[person.pk] = person.manager_id == own.pk or in_reporting_line(person.pk, own.pk)
    return cache[person.pk]


@scope("person")
def _visible_people(user, queryset: QuerySet) -> QuerySet:
    if is_reader(user):
        return queryset
    line = _line_ids(user)
    return queryset.filter(pk__in=line) if line is not None else queryset.none()


@scope("profile")
def _visible_profiles(user, queryset: QuerySet) -> QuerySet:
    if is_reader(user):
        return queryset
    person = person_of(user)
    if person is None:
        return queryset.none()
    held_in_line = Person.objects.filter(pk__in=_line_ids(user)).values("role_profile_id")
    return queryset.filter(Q(pk=person.role_profile_id) | Q(pk__in=held_in_line))


@scope("orgunit")
def _visible_units(user, queryset: QuerySet) -> QuerySet:
    return queryset
