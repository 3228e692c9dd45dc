from __future__ import annotations

import pytest

from tests.devplans.builders import build_org


@pytest.fixture
def org(hr):
    return build_org(hr)


@pytest.fixture
def plan(org):
    """Lena's draft, drafted by herself from her gaps."""
    from devplans.services.drafting import plan_draft

    return plan_draft(person=org.leader, actor=org.leader.user)[0]


@pytest.fixture
def submitted(plan, org):
    from devplans.services.flow import plan_submit

    return plan_submit(plan, actor=org.leader.user)


@pytest.fixture
def approved(submitted, org):
    from devplans.services.flow import plan_approve
    from tests.factories import TEST_PASSWORD

    return plan_approve(submitted, actor=org.manager.user, password=TEST_PASSWORD)[0]
