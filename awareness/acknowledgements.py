"""Acknowledgement coverage as at a day, for the management review (ISO 9001 9.3 with 7.3): of what active
people had to acknowledge by the end of that day, how much they had acknowledged by then.

Due, per active person:
- each statement revision current at the end of the day (the highest number of its statement published
  before then) that applies to them: to everyone, or to their org unit or role profile;
- their role profile's revision in force at the end of the day (read from the profile's audit history),
  once it has one (revision 1 or later).
Acknowledged: of those, the ones whose acknowledgement was signed before the end of the day.

Counted in the database, two queries whatever the number of people, each over the few revisions and role
profiles with correlated counts of their people (not a lookup per person). People's unit, role profile and
active flag, and a revision's audience, are today's: the person table keeps no history of moves that a
count could read cheaply, and a revision's audience is fixed once it is published.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.lookups import Exact

from core.db import rows_in
from core.history import end_of
from profiles.models import Person, RoleProfile

from .models import Acknowledgement, StatementRevision

_Units = StatementRevision.org_units.through
_Profiles = StatementRevision.role_profiles.through




def current_revisions_at(end: datetime):
    """The revision of each statement current at `end`: published before it, no later number published before it."""
    newer = StatementRevision.objects.filter(statement=OuterRef("statement"), published_at__lt=end,
                                             number__gt=OuterRef("number"))
    return StatementRevision.objects.filter(published_at__lt=end).exclude(Exists(newer))


def statement_counts(revisions, *, signed_before: datetime | None = None) -> dict:
    """One query: over `revisions` (a queryset of statement revisions), the active people each applies to and
    those of them who acknowledged it (before `signed_before`, when given), summed over the revisions; with the
    number of revisions. The management review counts the revisions current at the end of a day, the home
    page's figure those current today."""
    in_unit = _Units.objects.filter(statementrevision_id=OuterRef(OuterRef("pk")), orgunit_id=OuterRef("org_unit_id"))
    in_profile = _Profiles.objects.filter(statementrevision_id=OuterRef(OuterRef("pk")),
                                          roleprofile_id=OuterRef("role_profile_id"))
    audience = Person.objects.filter(active=True).filter(
        Q(Exact(OuterRef("applies_to_everyone"), True)) | Q(Exists(in_unit)) | Q(Exists(in_profile)))
    signed = Acknowledgement.objects.filter(person=OuterRef("pk"), revision=OuterRef(OuterRef("pk")))
    if signed_before is not None:
        signed = signed.filter(acknowledged_at__lt=signed_before)
    totals = revisions.annotate(
        people=rows_in(audience), signed=rows_in(audience.filter(Exists(signed))),
    ).aggregate(revisions=Count("pk"), due=Sum("people"), done=Sum("signed"))
    return {"revisions": totals["revisions"], "due": totals["due"] or 0, "acknowledged": totals["done"] or 0}


def _profile_counts(end: datetime) -> dict:
    """Query 2: per role profile with a revision in force at `end` (the newest history row before then), its
    active holders and those of them who had acknowledged that revision by then, summed over the profiles.
    Read per profile, not per person: a role profile's history is looked up once, whatever its holders."""
    history = RoleProfile.history.model.objects.filter(id=OuterRef("pk"), history_date__lt=end)
    in_force = Subquery(history.order_by("-history_date", "-history_id").values("revision")[:1],
                        output_field=IntegerField())
    holders = Person.objects.filter(active=True, role_profile=OuterRef("pk"))
    signed = Acknowledgement.objects.filter(role_profile=OuterRef("pk"), profile_revision=OuterRef("revision_then"),
                                            acknowledged_at__lt=end, person__active=True,
                                            person__role_profile=OuterRef("pk"))
    totals = (RoleProfile.objects.annotate(revision_then=in_force).filter(revision_then__gte=1)
              .annotate(holding=rows_in(holders), signed=rows_in(signed))
              .aggregate(due=Sum("holding"), done=Sum("signed")))
    return {"due": totals["due"] or 0, "acknowledged": totals["done"] or 0}


def coverage_on(on: date) -> dict:
    """{"due": n, "acknowledged": m} as at the end of `on` (statements and role profiles together). 2 queries."""
    end = end_of(on)
    statements = statement_counts(current_revisions_at(end), signed_before=end)  # query 1
    profiles = _profile_counts(end)
    return {"due": statements["due"] + profiles["due"],
            "acknowledged": statements["acknowledged"] + profiles["acknowledged"]}
