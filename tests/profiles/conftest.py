from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import Role
from competency import services as framework_services
from profiles import services
from tests.competency.conftest import build_framework, publish
from tests.factories import OrgUnitFactory, UserFactory


@pytest.fixture
def hr(db):
    return UserFactory(email="hr@example.com", first_name="Hannah", last_name="Reid", role=Role.HR)


@pytest.fixture
def version(hr):
    from competency.models import ProficiencyScale

    scale = ProficiencyScale.objects.get(name="Proficio 1-5")
    draft = framework_services.framework_create(name="Leadership", code="leadership", description="", scale=scale,
                                                owner=hr)
    build_framework(draft, areas=2, per_area=3)
    return publish(draft, hr)


@pytest.fixture
def units(db):
    top = OrgUnitFactory(name="Head office", code="HQ")
    return {"HQ": top, "OPS": OrgUnitFactory(name="Operations", code="OPS", parent=top)}


@pytest.fixture
def profile(version, hr):
    profile = services.profile_create(name="Team Leader", code="team-leader", description="", framework_version=version,
                                      actor=hr)
    competency = version.competencies.get(code="A0-00")
    services.requirements_set(profile=profile, requirements=[services.RequirementInput(competency, 3, Decimal(1), True)])
    return services.profile_approve(profile=profile, actor=hr, change_note="First")
