"""Schemathesis against the API's own OpenAPI schema: no server error, and every response (status,
content type, body) is one the schema describes, for a read-and-write HR token and a read-only
auditor token. Examples are limited to keep the run under a minute."""

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
from config.wsgi import application

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def keys(db):
    from tests.factories import OrgUnitFactory, PersonFactory, UserFactory
    from tests.helpers import approved_profile, published_framework

    hr = UserFactory(role="hr", email="schema-hr@example.com")
    version = published_framework(hr, areas=1, per_area=1)
    approved_profile(version, hr, code="team-leader")
    PersonFactory(employee_id="E1", org_unit=OrgUnitFactory(code="OPS"))
    return {"writer": token_create(name="HRIS", role="hr", scope="read-write", actor=hr)[1],
            "reader": token_create(name="Audit", role="auditor", scope="read", actor=hr)[1]}


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


def test_the_schema_and_its_docs_are_served_without_a_cdn(client, keys):
    from tests.factories import UserFactory

    client.force_login(UserFactory(role="quality"))
    assert client.get("/api/v1/schema/").status_code == 200
    docs = client.get("/api/v1/docs/")
    page = docs.content.decode()
    assert docs.status_code == 200 and "swagger-ui-bundle.js" in page and "cdn" not in page.lower()
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200 and "/api/v1/schema/" in script.content.decode()
