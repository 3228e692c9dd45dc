from __future__ import annotations

import pytest

from accounts.models import Role
from competency import services
from competency.models import ProficiencyScale
from tests.conftest import interop
from tests.factories import UserFactory


@pytest.fixture
def hr(db):
    return UserFactory(email="hr@example.com", first_name="Hannah", last_name="Reid", role=Role.HR)


@pytest.fixture
def scale(db):
    return ProficiencyScale.objects.get(name="Proficio 1-5")


@pytest.fixture
def draft(hr, scale):
    return services.framework_create(name="Leadership", code="leadership", description="", scale=scale, owner=hr)


def build_framework(version, areas: int = 2, per_area: int = 3, *, indicators: bool = True):
    """Fills a draft with areas × competencies, each with one indicator per level and a clause."""
    from competency.models import IsoClause

    clause = IsoClause.objects.get(number="7.2")
    for a in range(areas):
        area = services.area_create(version=version, code=f"A{a}", name=f"Area {a}")
        for c in range(per_area):
            competency = services.competency_create(area=area, code=f"A{a}-{c:02d}", name=f"Competency {a}.{c}",
                                                    clauses=[clause])
            if indicators:
                services.indicators_replace(
                    competency=competency, indicators={level: [f"Shows {a}.{c} at level {level}"] for level in range(1, 6)}
                )
    return version


def publish(version, actor):
    services.version_submit_for_review(version=version, actor=actor)
    services.version_approve(version=version, actor=actor, change_note="Approved for use")
    return services.version_publish(version=version, actor=actor, effective_date=version.created_at.date())


def fixture_bytes(name: str) -> bytes:
    return interop(name).read_bytes()
