"""HR and quality write controlled statements, another of them approves a revision by signature, publishing
makes it current; auditors read; coverage per statement and org unit is aggregated in the database."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from accounts.models import Role
from awareness import services
from awareness.models import RevisionStatus, Statement, StatementKind, StatementRevision
from signatures.models import Meaning, Signature
from tests.factories import TEST_PASSWORD, OrgUnitFactory, PersonFactory, UserFactory
from tests.helpers import approved_profile, published_framework, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    hr = UserFactory(email="hr@example.com", role=Role.HR, first_name="Hana", last_name="HR")
    quality = UserFactory(email="quality@example.com", role=Role.QUALITY, first_name="Quinn", last_name="Quality")
    auditor = UserFactory(email="auditor@example.com", auditor=True)
    version = published_framework(hr)
    profile = approved_profile(version, hr)
    plant, office = OrgUnitFactory(name="Plant", code="PLANT"), OrgUnitFactory(name="Office", code="OFFICE")
    leader = PersonFactory(user=UserFactory(email="leo@example.com", first_name="Leo", last_name="Leader"),
                           org_unit=plant, role_profile=profile)
    colleague = PersonFactory(user=UserFactory(email="cora@example.com", first_name="Cora", last_name="Colleague"),
                              org_unit=office, role_profile=profile)
    return type("Org", (), dict(hr=hr, quality=quality, auditor=auditor, profile=profile, plant=plant, office=office,
                                leader=leader, colleague=colleague, version=version))


def revision_input(text_: str = "We deliver what we promise.", **kwargs) -> services.RevisionInput:
    return services.RevisionInput(text=text_, effective_date=date(2026, 1, 1), **kwargs)


def published(org, title: str = "Quality policy", *, kind: str = StatementKind.POLICY, **audience) -> Statement:
    """A statement written by HR, approved by quality, published."""
    statement = services.statement_create(kind=kind, title=title, measure="On-time rate" if kind == "objective" else "",
                                          target="95 %" if kind == "objective" else "",
                                          revision=revision_input(**audience), actor=org.hr)
    revision = statement.revisions.get()
    services.revision_approve(revision=revision, actor=org.quality, password=TEST_PASSWORD)
    services.revision_publish(revision=revision, actor=org.hr)
    statement.refresh_from_db()
    return statement


def new_revision(org, statement, words: str) -> StatementRevision:
    revision = services.statement_revise(statement=statement, title=statement.title, measure=statement.measure,
                                         target=statement.target, revision=revision_input(words), actor=org.hr)
    services.revision_approve(revision=revision, actor=org.quality, password=TEST_PASSWORD)
    return services.revision_publish(revision=revision, actor=org.hr)


def revision_signatures():
    from django.contrib.contenttypes.models import ContentType

    return Signature.objects.filter(content_type=ContentType.objects.get_for_model(StatementRevision))


def form_data(**overrides) -> dict:
    data = {"kind": "policy", "title": "Quality policy", "text": "We deliver what we promise.",
            "effective_date": "2026-01-01", "applies_to_everyone": "on"}
    data.update(overrides)
    return data


def test_hr_creates_a_statement_as_a_draft_first_revision(client, org):
    client.force_login(org.hr)
    response = client.post(reverse("awareness:statement_create"), form_data())
    statement = Statement.objects.get()
    assert response.status_code == 302 and response.url == reverse("awareness:statement_detail", args=[statement.pk])
    revision = statement.revisions.get()
    assert (revision.number, revision.status, statement.current_revision) == (1, RevisionStatus.DRAFT, None)
    page = client.get(response.url)
    assert "We deliver what we promise." in text(page) and "Approve revision 1" in text(page)


def test_a_quality_objective_without_measure_and_target_is_refused(client, org):
    client.force_login(org.quality)
    response = client.post(reverse("awareness:statement_create"), form_data(kind="objective", title="On time"))
    assert response.status_code == 400
    assert "needs its measure and its target" in text(response)
    assert not Statement.objects.exists()


def test_a_statement_for_nobody_is_refused(client, org):
    client.force_login(org.hr)
    response = client.post(reverse("awareness:statement_create"), form_data(applies_to_everyone=""))
    assert response.status_code == 400 and "at least one org unit or role profile" in text(response)
    assert not Statement.objects.exists()


def test_the_author_cannot_approve_their_own_revision(client, org):
    statement = services.statement_create(kind="policy", title="Policy", revision=revision_input(), actor=org.hr)
    revision = statement.revisions.get()
    client.force_login(org.hr)
    response = client.post(reverse("awareness:revision_approve", args=[revision.pk]),
                           {"meaning": "approved", "password": TEST_PASSWORD})
    assert response.status_code == 400 and "segregation of duties" in text(response)
    assert "Quinn Quality may sign it" in text(response)
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.DRAFT and not revision_signatures().exists()


def test_a_wrong_password_approves_nothing(client, org):
    statement = services.statement_create(kind="policy", title="Policy", revision=revision_input(), actor=org.hr)
    revision = statement.revisions.get()
    client.force_login(org.quality)
    response = client.post(reverse("awareness:revision_approve", args=[revision.pk]),
                           {"meaning": "approved", "password": "wrong"})
    assert response.status_code == 400 and "not your password" in text(response)
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.DRAFT and not revision_signatures().exists()


def test_another_manager_approves_by_signature_then_hr_publishes(client, org):
    statement = services.statement_create(kind="policy", title="Policy", revision=revision_input(), actor=org.hr)
    revision = statement.revisions.get()
    client.force_login(org.quality)
    response = client.post(reverse("awareness:revision_approve", args=[revision.pk]),
                           {"meaning": "approved", "password": TEST_PASSWORD})
    assert response.status_code == 302
    signature = revision_signatures().get()
    assert (signature.meaning, signature.signer, signature.record_version) == (Meaning.APPROVED, org.quality, 1)
    assert signature.content["text"] == "We deliver what we promise."
    client.force_login(org.hr)
    response = client.post(reverse("awareness:revision_publish", args=[revision.pk]), follow=True)
    assert "Revision 1 is current" in text(response)
    statement.refresh_from_db()
    assert statement.current_revision == revision
    assert StatementRevision.objects.get(pk=revision.pk).status == RevisionStatus.PUBLISHED


def test_a_draft_cannot_be_published(client, org):
    statement = services.statement_create(kind="policy", title="Policy", revision=revision_input(), actor=org.hr)
    revision = statement.revisions.get()
    client.force_login(org.hr)
    response = client.post(reverse("awareness:revision_publish", args=[revision.pk]), follow=True)
    assert "only an approved revision is published" in text(response)
    statement.refresh_from_db()
    assert statement.current_revision is None


def test_approving_twice_is_refused_with_the_reason(client, org):
    statement = services.statement_create(kind="policy", title="Policy", revision=revision_input(), actor=org.hr)
    revision = statement.revisions.get()
    client.force_login(org.quality)
    url = reverse("awareness:revision_approve", args=[revision.pk])
    client.post(url, {"meaning": "approved", "password": TEST_PASSWORD})
    response = client.post(url, {"meaning": "approved", "password": TEST_PASSWORD}, follow=True)
    assert "not a draft" in text(response)
    assert revision_signatures().count() == 1


def test_a_new_revision_supersedes_the_current_one_when_published(client, org):
    statement = published(org)
    first = statement.current_revision
    client.force_login(org.hr)
    response = client.post(reverse("awareness:statement_revise", args=[statement.pk]),
                           form_data(text="We deliver what we promise, on time."))
    assert response.status_code == 302
    second = statement.revisions.get(number=2)
    assert second.status == RevisionStatus.DRAFT
    statement.refresh_from_db()
    assert statement.current_revision == first  # still current until the new one is published
    services.revision_approve(revision=second, actor=org.quality, password=TEST_PASSWORD)
    services.revision_publish(revision=second, actor=org.hr)
    statement.refresh_from_db()
    first.refresh_from_db()
    assert statement.current_revision == second and first.status == RevisionStatus.SUPERSEDED


def test_editing_an_approved_revision_sends_it_back_to_draft_and_supersedes_its_signature(client, org):
    statement = services.statement_create(kind="policy", title="Policy", revision=revision_input(), actor=org.hr)
    revision = statement.revisions.get()
    services.revision_approve(revision=revision, actor=org.quality, password=TEST_PASSWORD)
    client.force_login(org.hr)
    client.post(reverse("awareness:statement_revise", args=[statement.pk]), form_data(text="Changed words"))
    revision.refresh_from_db()
    assert (revision.number, revision.status, revision.approved_by) == (1, RevisionStatus.DRAFT, None)
    page = client.get(reverse("awareness:statement_detail", args=[statement.pk]))
    assert "Superseded" in text(page)


def test_leaders_do_not_see_the_back_office_and_auditors_only_read(client, org):
    statement = published(org)
    client.force_login(org.leader.user)
    assert client.get(reverse("awareness:statement_list")).status_code == 403
    assert client.get(reverse("awareness:statement_detail", args=[statement.pk])).status_code == 404
    client.force_login(org.auditor)
    assert client.get(reverse("awareness:statement_detail", args=[statement.pk])).status_code == 200
    assert client.get(reverse("awareness:statement_revise", args=[statement.pk])).status_code == 403


def test_history_keeps_every_state_and_the_newest_row_equals_the_record(org):
    statement = published(org)
    revision = statement.current_revision
    assert [h.status for h in revision.history.order_by("history_date", "history_id")] == [
        "draft", "approved", "published"]
    newest = revision.history.latest("history_date", "history_id")
    assert (newest.text, newest.status, newest.number) == (revision.text, revision.status, revision.number)
    assert statement.history.latest("history_date", "history_id").current_revision_id == revision.pk
    assert newest.history_user == org.hr


# --- coverage ------------------------------------------------------------------------------------------------


def test_coverage_counts_people_per_statement_and_org_unit(client, org):
    from awareness.services import acknowledge_revision

    everyone = published(org, "Quality policy")
    published(org, "Plant safety", kind=StatementKind.OTHER, applies_to_everyone=False, org_units=[org.plant])
    acknowledge_revision(person=org.leader, revision=everyone.current_revision, password=TEST_PASSWORD)
    client.force_login(org.quality)
    response = client.get(reverse("awareness:coverage"))
    assert response.status_code == 200
    rows = {(row.label, row.org_unit.code): (row.acknowledged, row.people) for row in response.context["rows"]}
    assert rows == {("Quality policy", "PLANT"): (1, 1), ("Quality policy", "OFFICE"): (0, 1),
                    ("Plant safety", "PLANT"): (0, 1),
                    ("Own role profile", "PLANT"): (0, 1), ("Own role profile", "OFFICE"): (0, 1)}
    totals = {row.label: (row.acknowledged, row.people, row.percent) for row in response.context["totals"]}
    assert totals["Quality policy"] == (1, 2, 50)


def _grow(org, units: int) -> None:
    for n in range(units):
        unit = OrgUnitFactory()
        PersonFactory(org_unit=unit, role_profile=org.profile)
        published(org, f"Statement {n}", applies_to_everyone=False, org_units=[unit])


@pytest.mark.parametrize("extra", [0, 4])
def test_coverage_costs_the_same_queries_at_two_sizes(client, org, extra, django_assert_num_queries):
    published(org)
    _grow(org, extra)
    client.force_login(org.hr)
    # session, user, statement counts (one SQL over every current revision), the revisions they name,
    # the role profile counts, the org units
    with django_assert_num_queries(6):
        response = client.get(reverse("awareness:coverage"))
    assert response.status_code == 200
    assert len(response.context["totals"]) == 2 + extra


@pytest.mark.parametrize("extra", [0, 4])
def test_the_statement_list_costs_the_same_queries_at_two_sizes(client, org, extra, django_assert_num_queries):
    published(org)
    _grow(org, extra)
    client.force_login(org.hr)
    with django_assert_num_queries(3):  # session, user, statements with their current revision and open counts
        response = client.get(reverse("awareness:statement_list"))
    assert len(response.context["statements"]) == 1 + extra


def test_the_audit_check_finds_no_mismatch_after_the_whole_flow(org):
    from core.history import history_mismatches, tracked_models

    statement = published(org)
    new_revision(org, statement, "Second words")
    services.statement_revise(statement=statement, title="Our quality policy", revision=revision_input("Third"),
                              actor=org.quality)
    assert {"awareness.Statement", "awareness.StatementRevision"} <= {m._meta.label for m in tracked_models()}
    assert history_mismatches() == []
