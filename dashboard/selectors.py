"""Figures for the home dashboards. Each is a fixed number of queries, whatever the data size."""

from __future__ import annotations

from django.db.models import Count, Q

from accounts.permissions import person_of
from competency.models import Framework, VersionStatus
from profiles.models import Person, ProfileStatus, RoleProfile
from profiles.selectors import profile_sheet


def organisation_figures() -> dict[str, int]:
    """Three queries: people, frameworks, role profiles."""
    people = Person.objects.aggregate(
        active_count=Count("pk", filter=Q(active=True)),
        total=Count("pk"),
        without_role=Count("pk", filter=Q(active=True, role_profile__isnull=True)),
    )
    frameworks = Framework.objects.aggregate(
        total=Count("pk", distinct=True),
        published=Count("pk", filter=Q(versions__status=VersionStatus.PUBLISHED), distinct=True),
        in_review=Count("pk", filter=Q(versions__status=VersionStatus.IN_REVIEW), distinct=True),
    )
    profiles = RoleProfile.objects.aggregate(
        total=Count("pk"), drafts=Count("pk", filter=Q(status=ProfileStatus.DRAFT))
    )
    return {
        "people_active": people["active_count"], "people_total": people["total"], "people_without_role": people["without_role"],
        "frameworks": frameworks["total"], "frameworks_published": frameworks["published"],
        "frameworks_in_review": frameworks["in_review"],
        "profiles": profiles["total"], "profiles_draft": profiles["drafts"],
    }


def leader_overview(user) -> dict:
    person = person_of(user)
    if person is None:
        return {"person": None, "reports": []}
    person = (
        Person.objects.select_related("org_unit", "manager__user", "role_profile__framework_version__framework")
        .filter(pk=person.pk)
        .first()
    )
    reports = list(person.reports.select_related("user", "org_unit", "role_profile").filter(active=True))
    sheet = profile_sheet(person.role_profile, with_extras=False, approved_only=True) if person.role_profile else None
    return {"person": person, "reports": reports, "sheet": sheet}
