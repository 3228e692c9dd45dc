"""Schemathesis against the API's own OpenAPI schema: no server error, and every response (status,
content type, body) is one the schema describes, for a read-and-write HR token and a read-only
auditor token, over an organisation with a record behind every GET endpoint (a released cycle with its
results and gap analysis, plans, training records, a rendered evidence pack), each also asked for by id so
that its data, not only its 404, is checked. Examples are limited to keep the run under a minute and a half."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from django.core import signals
from django.db import close_old_connections

from api.services import token_create
from competency import formats
from config.wsgi import application

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def world(db):
    """Something behind every GET endpoint, so that responses with data are checked against the schema too:
    the evidence organisation (a published framework and its role profiles, people with training records, a
    released cycle with stored results, its gap analysis, an approved plan) and a rendered evidence pack."""
    from documents.services import render_document
    from evidence.packs import pack_request
    from tests.evidence.builders import build_evidence_org
    from tests.factories import OrgUnitFactory, PersonFactory, UserFactory

    hr = UserFactory(role="hr", email="schema-hr@example.com")
    org = build_evidence_org(hr)
    PersonFactory(employee_id="E1", org_unit=OrgUnitFactory(code="OPS"))
    pack, document = pack_request(user=hr, scope="leader", target=org.leader)
    render_document(document.pk)  # queued at a commit the test's transaction never makes: rendered here
    return {"org": org, "pack": pack,
            "writer": token_create(name="HRIS", role="hr", scope="read-write", actor=hr)[1],
            "reader": token_create(name="Audit", role="auditor", scope="read", actor=hr)[1]}


@pytest.fixture
def keys(world):
    return world


@pytest.fixture
def api_schema(keys):
    # As Django's test client does: the test's transaction holds the data, so requests must not close the
    # connection when they finish.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/", application,
                                             headers={"Authorization": f"Bearer {keys['reader']}"})
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


#: Generated examples per operation and mode: enough to reach each parameter, few enough for ~30 s in all.
EXAMPLES = {GenerationMode.POSITIVE: 10, GenerationMode.NEGATIVE: 5}


def test_the_api_keeps_to_its_schema(api_schema, keys):
    # Schemathesis' own pytest loader (from_fixture) does not run on this pytest; each operation's
    # Hypothesis strategy is driven here instead, valid data and invalid data in turn.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 8
    for operation in operations:
        for mode, examples in EXAMPLES.items():
            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck),
                      derandomize=True, database=None)
            def keeps_to_the_schema(case):
                for key in (keys["writer"], keys["reader"]):
                    case.call_and_validate(headers={"Authorization": f"Bearer {key}"}, checks=CHECKS)

            keeps_to_the_schema()


def _seeded_cases(world) -> dict[str, list[dict]]:
    """GET paths (their ends) and the path parameters that reach the seeded records: the ids generated
    above are random, so without these a detail endpoint would answer nothing but 404s."""
    org, pack = world["org"], world["pack"]
    version, person = {"id": org.version.pk}, {"employee_id": org.leader.employee_id}
    return {
        "/versions/{id}/": [version],
        "/versions/{id}/export/{fmt}/": [dict(version, fmt=fmt) for fmt in formats.EXPORTS],
        "/people/{employee_id}/": [person], "/people/{employee_id}/training/": [person],
        "/cycles/{id}/": [{"id": org.cycle.pk}], "/cycles/{id}/results/": [{"id": org.cycle.pk}],
        "/analyses/{id}/leaders/": [{"id": org.analysis.pk}], "/plans/{id}/": [{"id": org.plan.pk}],
        "/packs/{id}/": [{"id": pack.pk}], "/packs/{id}/download/": [{"id": pack.pk}],
    }


def test_every_get_endpoint_answers_with_data_that_keeps_to_the_schema(api_schema, world):
    seeded = _seeded_cases(world)
    reached = set()
    for operation in (result.ok() for result in api_schema.get_all_operations()):
        if operation.method.upper() != "GET" or operation.path.endswith("/schema/"):
            continue
        template = next((end for end in seeded if operation.path.endswith(end)), None)
        assert template is not None or "{" not in operation.path, f"no seeded record for {operation.path}"
        for parameters in seeded.get(template, [{}]):
            for key in (world["writer"], world["reader"]):
                case = api_schema.make_case(operation=operation, path_parameters=parameters)
                response = case.call_and_validate(headers={"Authorization": f"Bearer {key}"}, checks=CHECKS)
                assert response.status_code == 200, (operation.path, parameters, response.text[:300])
                if response.headers.get("Content-Type", "").startswith("application/json"):
                    body = response.json()
                    # A list has rows, a record has content: the schema saw data, not an empty page.
                    assert body.get("results", [None]) if isinstance(body, dict) else body, operation.path
            reached.add(operation.path)
    assert len(reached) == 17, sorted(reached)  # 7 lists and 10 records


def test_the_schema_and_its_docs_are_served_without_a_cdn(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory(role="quality"))
    assert client.get("/api/v1/schema/").status_code == 200
    docs = client.get("/api/v1/docs/try/")
    page = docs.content.decode()
    assert docs.status_code == 200 and "swagger-ui-bundle.js" in page and "cdn" not in page.lower()
    script = client.get("/api/v1/docs/try/?script=")
    assert script.status_code == 200 and "/api/v1/schema/" in script.content.decode()
