"""The pack log: every generation (by the render, with the file's hash) and every download (through the
documents download view's signal) is listed for HR, with the pages auditors opened."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone

from documents.models import Document
from documents.services import render_document
from evidence.models import AccessEvent, PackEvent, PackScope
from evidence.packs import pack_request
from tests.evidence.builders import build_evidence_org
from tests.helpers import text

pytestmark = pytest.mark.django_db
LOG = reverse("evidence:pack_log")


@pytest.fixture
def org():
    return build_evidence_org()


def rendered(org, scope=PackScope.LEADER, target=None, user=None):
    pack, document = pack_request(user=user or org.hr, scope=scope, target=target or org.leader)
    render_document(document.pk)
    document.refresh_from_db()
    return pack, document


def test_a_generation_is_logged_with_who_the_scope_and_the_files_hash(org):
    pack, document = rendered(org, user=org.quality)
    pack.refresh_from_db()
    event = PackEvent.objects.get()
    assert (event.kind, event.user, event.pack, event.sha256) == ("generated", org.quality, pack, document.sha256)
    assert event.scope_label == f"Leader: {org.leader} ({org.leader.employee_id})"
    assert event.pack_sha256 == pack.manifest["pack_sha256"]
    with document.file.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == event.sha256


def test_every_download_is_logged_and_other_documents_are_not(client, org):
    _pack, document = rendered(org)
    client.force_login(org.quality)
    url = reverse("documents:download", args=[document.pk])
    client.get(url)
    client.get(url)
    downloads = PackEvent.objects.filter(kind="downloaded")
    assert downloads.count() == 2 and {e.user for e in downloads} == {org.quality}
    assert {e.sha256 for e in downloads} == {document.sha256}
    from tests.documents.builders import released

    team = released(code="other")
    results = Document.objects.create(kind="results", object_id=team.participant.pk, source_sha256="x",
                                      requested_by=org.hr)
    render_document(results.pk)
    client.force_login(team.hr)
    assert client.get(reverse("documents:download", args=[results.pk])).status_code == 200
    assert PackEvent.objects.filter(kind="downloaded").count() == 2


def test_a_refused_download_is_not_logged(client, org):
    _pack, document = rendered(org)
    client.force_login(org.leader.user)
    assert client.get(reverse("documents:download", args=[document.pk])).status_code == 404
    assert not PackEvent.objects.filter(kind="downloaded").exists()


def test_hr_reads_the_log_with_the_auditors_page_views(client, org):
    _pack, document = rendered(org)
    client.force_login(org.quality)
    client.get(reverse("documents:download", args=[document.pk]))
    AccessEvent.objects.create(user=org.auditor, at=timezone.now(), method="GET", path="/evidence/?as_at=2026-01-01",
                               status=200)
    client.force_login(org.hr)
    shown = text(client.get(LOG))
    assert shown.count('data-testid="pack-event"') == 2
    assert "Generated" in shown and "Downloaded" in shown and document.sha256 in shown
    assert str(org.quality) in shown and f"Leader: {org.leader}" in shown
    assert "/evidence/?as_at=2026-01-01" in shown and str(org.auditor) in shown


@pytest.mark.parametrize("who", ["quality", "auditor"])
def test_only_hr_reads_the_log(client, org, who):
    client.force_login(getattr(org, who))
    response = client.get(LOG)
    assert response.status_code == 403


def test_the_log_costs_the_same_whatever_its_length(client, org, django_assert_num_queries):
    rendered(org)
    client.force_login(org.hr)
    # session + user, the page's keys and their count, the page's events (with user and pack), the newest
    # access events (with their auditor)
    with django_assert_num_queries(6):
        client.get(LOG)
    for person in (org.gus, org.cora):
        rendered(org, target=person)
    with django_assert_num_queries(6):
        shown = text(client.get(LOG))
    assert shown.count('data-testid="pack-event"') == 3
