"""Asking for a pack, following its render and downloading it: the pages, bad input, reuse, queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from documents.models import Document, DocumentStatus
from evidence.models import EvidencePack, PackEvent, PackScope
from evidence.packs import pack_request
from tests.evidence.builders import build_evidence_org
from tests.helpers import text

pytestmark = pytest.mark.django_db
NEW = reverse("evidence:pack_new")


@pytest.fixture
def org():
    return build_evidence_org()


def post_pack(client, capture, data: dict):
    with capture(execute=True):  # the render task, queued after the commit, runs here
        return client.post(NEW, data)


def test_hr_asks_for_a_units_pack_follows_it_and_downloads_it(client, org, django_capture_on_commit_callbacks):
    client.force_login(org.hr)
    assert "Generate the pack" in text(client.get(NEW))
    response = post_pack(client, django_capture_on_commit_callbacks, {"scope": "unit", "org_unit": org.unit.pk})
    pack = EvidencePack.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("evidence:pack_detail", args=[pack.pk])
    assert (pack.scope, pack.org_unit, pack.as_at, pack.requested_by) == ("unit", org.unit, org.today, org.hr)
    shown = text(client.get(response["Location"]))
    assert "The pack is being generated" in shown  # the message of the request
    assert f"Evidence pack: {pack.scope_label}" in shown and "Download PDF" in shown
    pack.refresh_from_db()
    assert pack.progress_done == pack.progress_total == 4 and pack.pack_sha256 in shown
    document = Document.objects.get(kind="pack")
    download = client.get(reverse("documents:download", args=[document.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert document.filename.startswith("evidence-pack-org-unit-plant-evidence")
    assert list(PackEvent.objects.order_by("pk").values_list("kind", "user", "sha256")) == [
        ("generated", org.hr.pk, document.sha256), ("downloaded", org.hr.pk, document.sha256)]


def test_asking_again_with_nothing_changed_reuses_the_pack(client, org, django_capture_on_commit_callbacks):
    client.force_login(org.quality)
    data = {"scope": "leader", "employee_id": org.leader.employee_id}
    post_pack(client, django_capture_on_commit_callbacks, data)
    response = post_pack(client, django_capture_on_commit_callbacks, data)
    assert EvidencePack.objects.count() == 1 and Document.objects.filter(kind="pack").count() == 1
    assert PackEvent.objects.filter(kind="generated").count() == 1
    assert "This pack is ready: nothing in it changed since it was generated." in text(client.get(response["Location"]))


def test_a_changed_record_makes_the_next_request_render_again(client, org, django_capture_on_commit_callbacks):
    client.force_login(org.hr)
    data = {"scope": "leader", "employee_id": org.cora.employee_id}
    post_pack(client, django_capture_on_commit_callbacks, data)
    org.cora_certificate.issuer = "Another board"
    org.cora_certificate.save()
    post_pack(client, django_capture_on_commit_callbacks, data)
    assert EvidencePack.objects.count() == 1
    assert Document.objects.filter(kind="pack", status=DocumentStatus.DONE).count() == 2
    assert PackEvent.objects.filter(kind="generated").count() == 2


def test_a_double_submit_starts_one_render(client, org):
    client.force_login(org.hr)
    data = {"scope": "organisation"}
    client.post(NEW, data)  # queued, not rendered (the on_commit task is not run here)
    client.post(NEW, data)
    assert EvidencePack.objects.count() == 1
    assert Document.objects.filter(kind="pack").count() == 1


def test_an_as_at_day_gives_its_own_pack(client, org, django_capture_on_commit_callbacks):
    client.force_login(org.hr)
    post_pack(client, django_capture_on_commit_callbacks, {"scope": "role", "role_profile": org.role.pk,
                                                           "as_at": org.earlier.isoformat()})
    pack = EvidencePack.objects.get()
    assert pack.as_at == org.earlier and pack.scope_label == f"Role: {org.role.name}"
    assert pack.manifest["as_at"] == org.earlier.isoformat()


@pytest.mark.parametrize("data, message", [
    ({"scope": "leader", "employee_id": "NOBODY"}, "Nobody has the employee id “NOBODY”."),
    ({"scope": "leader"}, "Type the leader's employee id."),
    ({"scope": "role", "role_profile": 999999}, "Select a valid choice."),
    ({"scope": "role"}, "Choose the role."),
    ({"scope": "unit", "org_unit": "x"}, "Select a valid choice."),
    ({"scope": "everything"}, "Select a valid choice."),
    ({"scope": "organisation", "as_at": "2999-01-01"}, "The day cannot be in the future"),
    ({"scope": "organisation", "as_at": "1900-01-01"}, "Choose a day from"),
    ({"scope": "organisation", "as_at": "31/31/2020"}, "Enter a valid date."),
])
def test_bad_input_is_refused_with_400_and_creates_nothing(client, org, data, message):
    client.force_login(org.hr)
    response = client.post(NEW, data)
    assert response.status_code == 400
    assert message in text(response)
    assert not EvidencePack.objects.exists() and not Document.objects.exists()


def test_the_dossier_link_fills_in_the_leader(client, org):
    client.force_login(org.hr)
    shown = text(client.get(NEW, {"person": org.gus.pk}))
    assert f'value="{org.gus.employee_id}"' in shown


def test_the_progress_shows_people_done_while_rendering(client, org):
    pack, document = pack_request(user=org.hr, scope=PackScope.ORGANISATION)
    Document.objects.filter(pk=document.pk).update(status=DocumentStatus.RENDERING)
    EvidencePack.objects.filter(pk=pack.pk).update(progress_done=2, progress_total=5)
    client.force_login(org.auditor)
    shown = text(client.get(reverse("evidence:pack_progress", args=[pack.pk])))
    assert "Gathering the records… 2 of 5 people done." in shown and 'aria-valuenow="40"' in shown
    assert "hx-trigger=\"every 2s\"" in shown
    EvidencePack.objects.filter(pk=pack.pk).update(progress_done=5)
    assert "Drawing and signing the PDF…" in text(client.get(reverse("evidence:pack_detail", args=[pack.pk])))


def test_auditors_ask_for_a_pack_and_download_it(client, org, django_capture_on_commit_callbacks):
    """Asking for a pack is a read of the records: the read-only layer lets it through."""
    client.force_login(org.auditor)
    response = post_pack(client, django_capture_on_commit_callbacks, {"scope": "leader",
                                                                      "employee_id": org.leader.employee_id})
    assert response.status_code == 302
    document = Document.objects.get(kind="pack", status=DocumentStatus.DONE)
    assert client.get(reverse("documents:download", args=[document.pk])).status_code == 200
    assert PackEvent.objects.filter(kind="downloaded", user=org.auditor).count() == 1


def test_leaders_and_managers_are_refused(client, org):
    pack, _document = pack_request(user=org.hr, scope=PackScope.LEADER, target=org.leader)
    for user in (org.leader.user, org.manager.user):
        client.force_login(user)
        assert client.get(NEW).status_code == 403
        assert client.get(reverse("evidence:pack_list")).status_code == 403
        assert client.get(reverse("evidence:pack_detail", args=[pack.pk])).status_code == 404
        assert client.get(reverse("evidence:pack_progress", args=[pack.pk])).status_code == 404


def test_the_pack_list_costs_the_same_whatever_the_number_of_packs(client, org, django_assert_num_queries):
    client.force_login(org.hr)
    pack_request(user=org.hr, scope=PackScope.ORGANISATION)
    url = reverse("evidence:pack_list")
    # session + user, the page's keys and their count, the page's packs (with their requester)
    with django_assert_num_queries(5):
        assert client.get(url).status_code == 200
    for person in (org.leader, org.gus, org.cora):
        pack_request(user=org.hr, scope=PackScope.LEADER, target=person)
    with django_assert_num_queries(5):
        shown = text(client.get(url))
    assert shown.count('data-testid="pack-row"') == 4


def test_the_pack_page_costs_a_fixed_number_of_queries(client, org, django_assert_num_queries,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pack, _document = pack_request(user=org.hr, scope=PackScope.UNIT, target=org.unit)
    client.force_login(org.hr)
    # session + user, the pack (with its scope and requester), its latest document (twice: the page and the
    # panel)
    with django_assert_num_queries(5):
        assert client.get(reverse("evidence:pack_detail", args=[pack.pk])).status_code == 200
