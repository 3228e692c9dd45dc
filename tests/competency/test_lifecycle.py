"""Draft → in review → approved → published → retired, revisions, and the records each step keeps."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from competency import services
from competency.models import Competency, FrameworkVersion, IsoClause, VersionStatus
from tests.helpers import build_framework, publish, text
from tests.factories import UserFactory
from tests.factories import TEST_PASSWORD
from tests.helpers import co_signer

pytestmark = pytest.mark.django_db


def test_an_empty_version_cannot_go_to_review(draft, hr):
    with pytest.raises(ValidationError, match="Add at least one competency"):
        services.version_submit_for_review(version=draft, actor=hr)
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


def test_approval_records_who_when_and_why(draft, hr):
    build_framework(draft, areas=1, per_area=1)
    services.version_submit_for_review(version=draft, actor=hr)
    with pytest.raises(ValidationError, match="Say what this version changes"):
        services.version_approve(version=draft, actor=co_signer(hr), password=TEST_PASSWORD, change_note="  ")
    approved = services.version_approve(version=draft, actor=co_signer(hr), password=TEST_PASSWORD, change_note="Initial release")
    assert approved.status == VersionStatus.APPROVED
    assert approved.approved_by == co_signer(hr) and approved.approved_at is not None
    assert approved.change_note == "Initial release"
    # Sent for review by its author, approved by someone else (segregation of duties).
    assert [record.history_user for record in approved.history.order_by("history_date")][-2:] == [hr, co_signer(hr)]


def test_approving_twice_says_it_is_already_approved_and_changes_nothing(draft, hr):
    build_framework(draft, areas=1, per_area=1)
    services.version_submit_for_review(version=draft, actor=hr)
    first = services.version_approve(version=draft, actor=co_signer(hr), password=TEST_PASSWORD, change_note="Once")
    with pytest.raises(ValidationError, match="is approved, so it cannot be approved"):
        services.version_approve(version=draft, actor=UserFactory(role="quality"), password=TEST_PASSWORD,
                                 change_note="Twice")
    draft.refresh_from_db()
    assert (draft.approved_by, draft.change_note, draft.approved_at) == (co_signer(hr), "Once", first.approved_at)


def test_publishing_sets_the_effective_date_and_retires_the_previous_version(draft, hr):
    build_framework(draft, areas=1, per_area=2)
    v1 = publish(draft, hr)
    v2 = services.version_revise(version=v1, actor=hr)
    services.version_submit_for_review(version=v2, actor=hr)
    services.version_approve(version=v2, actor=co_signer(hr), password=TEST_PASSWORD, change_note="Second")
    services.version_publish(version=v2, actor=hr, effective_date=date(2027, 1, 1))
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert v1.status == VersionStatus.RETIRED and v1.retired_at is not None
    assert v2.status == VersionStatus.PUBLISHED and v2.effective_date == date(2027, 1, 1)
    assert FrameworkVersion.objects.filter(framework=v1.framework, status=VersionStatus.PUBLISHED).count() == 1


def test_revising_copies_the_whole_tree_into_a_new_draft(draft, hr):
    build_framework(draft, areas=2, per_area=2)
    first, second = draft.competencies.order_by("code")[:2]
    services.competency_create(area=first.area, code="A0-00-a", name="Nested", parent=first)
    first.related.add(second)
    v1 = publish(draft, hr)
    v2 = services.version_revise(version=v1, actor=hr)
    assert (v2.number, v2.status, v2.based_on) == (2, VersionStatus.DRAFT, v1)
    assert v2.areas.count() == 2 and v2.competencies.count() == 5
    nested = v2.competencies.get(code="A0-00-a")
    assert nested.parent.code == "A0-00" and nested.parent.version == v2
    copied = v2.competencies.get(code="A0-00")
    assert list(copied.clauses.values_list("number", flat=True)) == ["7.2"]
    assert list(copied.related.values_list("code", flat=True)) == ["A0-01"]
    assert copied.related.get().version == v2
    assert copied.indicators.count() == 5
    assert copied.uuid == v1.competencies.get(code="A0-00").uuid  # the same competency across versions
    # v1 is untouched
    assert v1.competencies.get(code="A0-00").indicators.count() == 5


def test_only_one_draft_at_a_time(draft, hr):
    build_framework(draft, areas=1, per_area=1)
    v1 = publish(draft, hr)
    services.version_revise(version=v1, actor=hr)
    with pytest.raises(ValidationError, match="v2 is draft and not yet published"):
        services.version_revise(version=v1, actor=hr)


def test_an_approved_version_blocks_a_new_revision_and_an_older_one_cannot_replace_a_newer(draft, hr):
    build_framework(draft, areas=1, per_area=1)
    v1 = publish(draft, hr)
    v2 = services.version_revise(version=v1, actor=hr)
    services.version_submit_for_review(version=v2, actor=hr)
    services.version_approve(version=v2, actor=co_signer(hr), password=TEST_PASSWORD, change_note="Second")
    with pytest.raises(ValidationError, match="v2 is approved and not yet published"):
        services.version_revise(version=v1, actor=hr)
    services.version_publish(version=v2, actor=hr, effective_date=date(2027, 1, 1))
    v3 = services.version_revise(version=v2, actor=hr)
    services.version_submit_for_review(version=v3, actor=hr)
    services.version_approve(version=v3, actor=co_signer(hr), password=TEST_PASSWORD, change_note="Third")
    services.version_publish(version=v3, actor=hr, effective_date=date(2027, 6, 1))
    statuses = dict(FrameworkVersion.objects.filter(framework=v1.framework).values_list("number", "status"))
    assert statuses == {1: VersionStatus.RETIRED, 2: VersionStatus.RETIRED, 3: VersionStatus.PUBLISHED}


def test_publishing_an_older_approved_version_after_a_newer_one_is_refused(draft, hr):
    """Two approved versions can exist only through data older than this rule; the database still
    never ends with an older version in force."""
    build_framework(draft, areas=1, per_area=1)
    v1 = publish(draft, hr)
    v2 = services.version_revise(version=v1, actor=hr)
    services.version_submit_for_review(version=v2, actor=hr)
    services.version_approve(version=v2, actor=co_signer(hr), password=TEST_PASSWORD, change_note="Second")
    FrameworkVersion.objects.filter(pk=v1.pk).update(status=VersionStatus.APPROVED)  # v1 approved, unpublished
    services.version_publish(version=v2, actor=hr, effective_date=date(2027, 1, 1))
    with pytest.raises(ValidationError, match="v2 is in force and newer; Leadership v1 can no longer be published"):
        services.version_publish(version=FrameworkVersion.objects.get(pk=v1.pk), actor=hr, effective_date=date(2027, 2, 1))


def test_codes_are_unique_across_areas_and_competencies(draft):
    area = services.area_create(version=draft, code="SV", name="Strategic vision")
    services.competency_create(area=area, code="SV-01", name="Direction")
    with pytest.raises(ValidationError, match="already used"):
        services.competency_create(area=area, code="SV", name="Clash with the area")
    with pytest.raises(ValidationError, match="already used"):
        services.area_create(version=draft, code="SV-01", name="Clash with a competency")


def test_moving_changes_the_order_among_siblings_only(draft):
    area = services.area_create(version=draft, code="A", name="A")
    codes = [services.competency_create(area=area, code=f"C{i}", name=f"C{i}").code for i in range(3)]
    services.node_move(node=Competency.objects.get(code="C2"), direction="up")
    assert list(area.competencies.order_by("position").values_list("code", flat=True)) == ["C0", "C2", "C1"]
    services.node_move(node=Competency.objects.get(code="C0"), direction="up")  # already first: nothing
    assert list(area.competencies.order_by("position").values_list("code", flat=True)) == ["C0", "C2", "C1"]
    assert codes == ["C0", "C1", "C2"]


def test_indicators_are_replaced_level_by_level_and_history_keeps_the_old_text(draft):
    area = services.area_create(version=draft, code="A", name="A")
    competency = services.competency_create(area=area, code="C", name="C")
    services.indicators_replace(competency=competency, indicators={1: ["Knows it"], 3: ["Does it", "Teaches it"]})
    services.indicators_replace(competency=competency, indicators={1: ["Knows it well"], 3: ["Does it"]})
    assert sorted(competency.indicators.values_list("level", "text")) == [(1, "Knows it well"), (3, "Does it")]
    history = competency.indicators.model.history.filter(competency_id=competency.pk)
    assert history.filter(text="Teaches it", history_type="-").exists()
    assert history.filter(text="Knows it", history_type="+").exists()
    with pytest.raises(ValidationError, match="Level 6 is not on the scale"):
        services.indicators_replace(competency=competency, indicators={6: ["Beyond"]})


def test_every_change_to_a_competency_is_in_the_audit_history(draft):
    area = services.area_create(version=draft, code="A", name="A")
    competency = services.competency_create(area=area, code="C", name="Before")
    services.competency_update(competency=competency, code="C", name="After", description="",
                               clauses=[IsoClause.objects.get(number="5.1")])
    records = list(competency.history.order_by("history_date").values_list("name", "history_type"))
    assert records[0] == ("Before", "+") and records[-1][0] == "After"


# --- stakeholder review


def test_a_version_cannot_be_in_force_before_it_was_approved(client, draft, hr):
    from datetime import timedelta

    from django.utils import timezone

    build_framework(draft, areas=1, per_area=1)
    services.version_submit_for_review(version=draft, actor=hr)
    services.version_approve(version=draft, actor=co_signer(hr), password=TEST_PASSWORD, change_note="Ready")
    client.force_login(hr)
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client.post(f"/frameworks/versions/{draft.pk}/publish/", {"effective_date": yesterday.isoformat()})
    assert response.status_code == 400 and "it cannot be in force before that" in text(response)
    draft.refresh_from_db()
    assert draft.status == VersionStatus.APPROVED
