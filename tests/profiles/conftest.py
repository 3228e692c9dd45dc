from __future__ import annotations

from decimal import Decimal

import pytest

from profiles import services
from tests.factories import OrgUnitFactory
from tests.helpers import published_framework
from tests.factories import TEST_PASSWORD
from tests.helpers import co_signer


@pytest.fixture
def version(hr):
    return published_framework(hr)


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
    return services.profile_approve(profile=profile, actor=co_signer(hr), password=TEST_PASSWORD, change_note="First")
