"""The training matrix as it stood on a past day (evidence.asat and its page)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evidence.asat import matrix_rows_as_at, people_as_at
from evidence.dossier import moment_of
from tests.evidence.builders import build_evidence_org
from tests.factories import PersonFactory
from tests.helpers import visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(hr):
    return build_evidence_org(hr)


def _rows(day):
    day, moment, _today = moment_of(day)
    pks = list(people_as_at(moment).values_list("pk", flat=True))
    return {row.pk: row for row in matrix_rows_as_at(pks, day, moment)}


def test_the_matrix_shows_the_required_levels_and_certificates_of_the_day(org):
    code = org.competencies[0].code
    then, now = _rows(org.earlier), _rows(None)
    lena_then = next(line for line in then[org.leader.pk].lines if line.code == code)
    lena_now = next(line for line in now[org.leader.pk].lines if line.code == code)
    assert (lena_then.required, lena_now.required) == (3, 4)
    cora_then, cora_now = then[org.cora.pk].lines[0], now[org.cora.pk].lines[0]
    assert not cora_then.expired and "valid until" in cora_then.evidence_label
    assert cora_now.expired and "expired on" in cora_now.evidence_label
    assert then[org.leader.pk].cycle == org.cycle.name


def test_reviews_recorded_later_are_not_evidence_yet(org):
    code = org.competencies[2].code
    before = next(line for line in _rows(org.days_ago(170))[org.leader.pk].lines if line.code == code)
    after = next(line for line in _rows(org.days_ago(140))[org.leader.pk].lines if line.code == code)
    assert before.status == "completed" and after.status == "effective"


def test_nobody_is_listed_before_they_held_a_role(org):
    assert _rows(org.days_ago(450)) == {}


def test_the_page_is_paginated_and_its_query_count_does_not_grow(client, org):
    client.force_login(org.auditor)
    url = reverse("evidence:matrix")
    with CaptureQueriesContext(connection) as few:
        response = client.get(url, {"as_at": org.earlier.isoformat()})
    assert response.status_code == 200
    assert "Lena" in visible_text(response) and f"as at {org.earlier:%-d %b %Y}" in visible_text(response)
    for _ in range(8):
        PersonFactory(org_unit=org.unit, role_profile=org.role)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as many_earlier:
        client.get(url, {"as_at": org.earlier.isoformat()})
    assert len(many_earlier) == len(few)
    assert len(many) == len(few)


def test_a_future_day_is_refused(client, org):
    client.force_login(org.hr)
    response = client.get(reverse("evidence:matrix"), {"as_at": "2999-12-31"})
    assert response.status_code == 400 and "cannot be in the future" in visible_text(response)


def test_a_leader_is_refused(client, org):
    client.force_login(org.leader.user)
    assert client.get(reverse("evidence:matrix")).status_code == 403
