"""Figures for the home dashboards. Each is a fixed number of queries, whatever the data size."""

from __future__ import annotations

from django.db.models import Count, Q

from accounts.permissions import person_of
from profiles.models import Person


def organisation_figures() -> dict[str, int]:
    people = Person.objects.aggregate(active=Count("pk", filter=Q(active=True)), total=Count("pk"))
    return {"people_active": people["active"], "people_total": people["total"]}


def leader_overview(user) -> dict:
    person = person_of(user)
    if person is None:
        return {"person": None, "reports": []}
    person = (
        Person.objects.select_related("org_unit", "manager__user")
        .filter(pk=person.pk)
        .first()
    )
    reports = list(person.reports.select_related("user", "org_unit").filter(active=True))
    return {"person": person, "reports": reports}
