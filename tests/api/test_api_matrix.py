"""The API's own access matrix: every endpoint × every kind of token (each role and scope HR may give,
a revoked one, none), with the status each must get. Fails when an endpoint has no row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.urls import get_resolver, reverse

from api.services import token_create, token_revoke
from tests.api.conftest import TokenClient
from tests.factories import OrgUnitFactory, PersonFactory, UserFactory
from tests.helpers import approved_profile, published_framework

CALLERS = ("none", "revoked", "hr-read", "hr-write", "quality-read", "quality-write", "auditor-read")
PAGES = {"api:token_list", "api:token_create", "api:token_revoke", "api:docs", "api:explorer"}  # in tests/access_api.py


def answers(ok: int, *, refused: int = 401, **by_caller: int) -> dict[str, int]:
    result = {caller: ok for caller in CALLERS}
    result.update(none=refused, revoked=refused)
    result.update({caller.replace("_", "-"): status for caller, status in by_caller.items()})
    return result


#: Writes: read-only tokens are refused by their scope (403), auditors' tokens are read-only.
WRITERS = answers(200, hr_read=403, quality_read=403, auditor_read=403)


@dataclass
class Endpoint:
    name: str
    method: str
    expected: dict[str, int]
    kwargs: Callable[[dict], dict] = field(default=lambda objects: {})
    body: Callable[[dict], dict] | None = None
    label: str = ""

    @property
    def id(self) -> str:
        return f"{self.method} {self.name}" + (f" [{self.label}]" if self.label else "")


def _person_body(objects) -> dict:
    return {"first_name": "Leo", "last_name": "Leader", "email": "leo@example.com", "org_unit": "OPS",
            "role_profile": "team-leader", "manager_email": ""}


ENDPOINTS = [
    Endpoint("api:schema", "get", answers(200)),
    Endpoint("api:framework-list", "get", answers(200)),
    Endpoint("api:version-detail", "get", answers(200), kwargs=lambda o: {"pk": o["published"].pk}, label="published"),
    Endpoint("api:version-detail", "get", answers(200, auditor_read=404), kwargs=lambda o: {"pk": o["draft"].pk},
             label="draft: only managing roles"),
    Endpoint("api:version-export", "get", answers(200), kwargs=lambda o: {"pk": o["published"].pk, "fmt": "case-json"}),
    Endpoint("api:version-export", "get", answers(200, auditor_read=404),
             kwargs=lambda o: {"pk": o["draft"].pk, "fmt": "proficio-csv"}, label="draft"),
    Endpoint("api:orgunit-list", "get", answers(200)),
    Endpoint("api:roleprofile-list", "get", answers(200)),
    Endpoint("api:person-list", "get", answers(200)),
    Endpoint("api:person-detail", "get", answers(200), kwargs=lambda o: {"employee_id": "L001"}),
    Endpoint("api:person-detail", "put", WRITERS, kwargs=lambda o: {"employee_id": "L001"}, body=_person_body),
    Endpoint("api:people-bulk", "post", WRITERS,
             body=lambda o: {"people": [dict(_person_body(o), employee_id="L001")]}),
    # Cycles, results, gaps, training, plans, packs: every token role reads them (readers' pages).
    Endpoint("api:person-training", "get", answers(200), kwargs=lambda o: {"employee_id": "L001"}),
    Endpoint("api:cycle-list", "get", answers(200)),
    Endpoint("api:cycle-detail", "get", answers(200), kwargs=lambda o: {"pk": o["released"].pk}),
    Endpoint("api:cycle-results", "get", answers(200), kwargs=lambda o: {"pk": o["released"].pk}, label="released"),
    Endpoint("api:cycle-results", "get", answers(404), kwargs=lambda o: {"pk": o["draft_cycle"].pk},
             label="not released"),
    Endpoint("api:analysis-list", "get", answers(200)),
    Endpoint("api:analysis-leaders", "get", answers(200), kwargs=lambda o: {"pk": o["analysis"].pk}),
    Endpoint("api:plan-list", "get", answers(200)),
    Endpoint("api:plan-detail", "get", answers(200), kwargs=lambda o: {"pk": o["plan"].pk}),
    # Asking for a pack is a read, as on the page: read-only tokens (an auditor's) may ask (202).
    Endpoint("api:pack-list", "post", answers(202), body=lambda o: {"scope": "organisation"}),
    Endpoint("api:pack-detail", "get", answers(200), kwargs=lambda o: {"pk": o["pack"].pk}),
    Endpoint("api:pack-download", "get", answers(404), kwargs=lambda o: {"pk": o["pack"].pk}, label="not rendered yet"),
]


def test_every_endpoint_has_a_row():
    api = next(p for p in get_resolver().url_patterns if getattr(p, "namespace", None) == "api")
    names = {f"api:{pattern.name}" for pattern in api.url_patterns} - PAGES
    assert names == {endpoint.name for endpoint in ENDPOINTS}


def _read_side(hr, leo):
    """A released cycle with Leo's stored cells and its analysis, a draft cycle, Leo's plan, a pack (not rendered)."""
    from assessments.models import CellLabel
    from assessments.services import cycles
    from devplans.models import Plan
    from evidence.packs import pack_request
    from tests.gaps.builders import analyse, stored_cycle, stored_leader

    released, [competency] = stored_cycle(hr, code="matrix", competencies=1)
    stored_leader(released, person=leo, requirements={competency: (3, 1, False)},
                  cells={competency: {CellLabel.MANAGER: 2}})
    draft_cycle = cycles.create_cycle(actor=hr, name="Draft cycle", framework_version=released.framework_version,
                                      opens_on=released.opens_on, closes_on=released.closes_on)
    plan = Plan.objects.create(person=leo, created_by=hr)
    pack, _document = pack_request(user=hr, scope="organisation")
    return released, draft_cycle, analyse(released), plan, pack


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        hr = UserFactory(email="matrix-hr@example.com", role="hr")
        published = published_framework(hr, areas=1, per_area=1)
        from competency import services

        draft = services.version_revise(version=published, actor=hr)
        unit = OrgUnitFactory(code="OPS")
        approved_profile(published, hr, code="team-leader")
        leo = PersonFactory(employee_id="L001", org_unit=unit, user__email="leo@example.com", user__first_name="Leo",
                            user__last_name="Leader")
        released, draft_cycle, analysis, plan, pack = _read_side(hr, leo)
        keys = {}
        for caller in CALLERS[1:]:
            role, _, scope = caller.partition("-")
            token, keys[caller] = token_create(name=caller, role=role if role != "revoked" else "hr",
                                               scope="read-write" if scope == "write" else "read", actor=hr)
            if caller == "revoked":
                token_revoke(token=token, actor=hr)
        yield {"published": published, "draft": draft, "keys": keys, "released": released, "draft_cycle": draft_cycle,
               "analysis": analysis, "plan": plan, "pack": pack}
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.id)
def test_api_access_matrix(endpoint: Endpoint, world):
    url = reverse(endpoint.name, kwargs=endpoint.kwargs(world))
    mismatches = []
    for caller in CALLERS:
        client = TokenClient(world["keys"].get(caller))
        with transaction.atomic():
            if endpoint.body is None:
                response = getattr(client, endpoint.method)(url)
            else:
                response = getattr(client, endpoint.method)(url, endpoint.body(world), format="json")
            transaction.set_rollback(True)
        if response.status_code != endpoint.expected[caller]:
            mismatches.append(f"{caller}: got {response.status_code}, expected {endpoint.expected[caller]}")
    assert not mismatches, f"{endpoint.id} ({url}):\n" + "\n".join(mismatches)
