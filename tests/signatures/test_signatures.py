"""Electronic signatures on framework versions and role profiles: the password, the record kept,
segregation of duties and superseded signatures."""

from __future__ import annotations

import hashlib
from datetime import timezone as dt_timezone
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from accounts.models import Role
from competency import services as framework_services
from competency.models import VersionStatus
from profiles import services as profile_services
from profiles.models import ProfileStatus
from signatures import services as signing
from signatures.models import Meaning, Signature
from tests.factories import TEST_PASSWORD, UserFactory
from tests.helpers import build_framework, published_framework, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def quality(db):
    return UserFactory(email="quentin@example.com", first_name="Quentin", last_name="Moss", role=Role.QUALITY)


@pytest.fixture
def in_review(draft, hr):
    build_framework(draft, areas=1, per_area=2)
    return framework_services.version_submit_for_review(version=draft, actor=hr)


@pytest.fixture
def profile(hr, quality):
    version = published_framework(hr)
    profile = profile_services.profile_create(name="Shift leader", code="shift-leader", description="",
                                              framework_version=version, actor=hr)
    profile_services.requirements_set(profile=profile, requirements=[
        profile_services.RequirementInput(version.competencies.order_by("code").first(), 3, Decimal(1), False)])
    return profile


def test_a_signature_keeps_who_in_which_role_when_what_it_means_and_a_hash_of_the_content(in_review, quality):
    approved = framework_services.version_approve(version=in_review, actor=quality, password=TEST_PASSWORD,
                                                  change_note="First", meaning=Meaning.REVIEWED)
    [signature] = signing.signatures_for(approved)
    assert (signature.signer, signature.signer_name, signature.signer_email, signature.signer_role) == (
        quality, "Quentin Moss", "quentin@example.com", "Quality manager")
    assert (signature.meaning, signature.record_version, signature.object_id) == ("reviewed", 1, approved.pk)
    assert signature.signed_at.utcoffset() == dt_timezone.utc.utcoffset(None)
    expected = hashlib.sha256(signing.canonical(signing.content_of(approved)[0]).encode()).hexdigest()
    assert signature.content_sha256 == expected and signature.superseded is False
    assert [c["code"] for c in signature.content["competencies"]] == ["A0-00", "A0-01"]
    # The role is kept as it was: a later change of role does not rewrite the signature.
    quality.role = Role.LEADER
    quality.save()
    assert Signature.objects.get().signer_role == "Quality manager"
    # Publishing changes the status, not the signed content: the signature stays valid.
    published = framework_services.version_publish(version=approved, actor=quality,
                                                   effective_date=approved.approved_at.date())
    assert published.status == VersionStatus.PUBLISHED and signing.signatures_for(published)[0].superseded is False


def test_a_wrong_password_signs_nothing_and_approves_nothing(in_review, quality):
    with pytest.raises(ValidationError, match="That is not your password. Nothing was signed."):
        framework_services.version_approve(version=in_review, actor=quality, password="guess", change_note="First")
    in_review.refresh_from_db()
    assert (in_review.status, in_review.approved_by, in_review.change_note) == (VersionStatus.IN_REVIEW, None, "")
    assert not Signature.objects.exists()


def test_the_approve_page_refuses_a_wrong_password_with_400_and_signs_with_the_right_one(client, in_review, quality):
    client.force_login(quality)
    url = f"/frameworks/versions/{in_review.pk}/approve/"
    response = client.post(url, {"change_note": "First", "meaning": "approved", "password": "guess"})
    assert response.status_code == 400 and "That is not your password. Nothing was signed." in text(response)
    assert not Signature.objects.exists()
    response = client.post(url, {"change_note": "First", "meaning": "sealed", "password": TEST_PASSWORD})
    assert response.status_code == 400 and not Signature.objects.exists()
    response = client.post(url, {"change_note": "First", "meaning": "approved", "password": TEST_PASSWORD})
    assert response.status_code == 302
    page = text(client.get(f"/frameworks/versions/{in_review.pk}/"))
    assert "Approved</strong> by Quentin Moss" in page and "Valid" in page
    assert Signature.objects.get().content_sha256 in page


def test_the_author_cannot_approve_and_is_told_who_may(client, in_review, hr, quality):
    UserFactory(email="olga@example.com", first_name="Olga", last_name="Other", role=Role.HR)
    UserFactory(email="leo@example.com", first_name="Leo", last_name="Leader")
    with pytest.raises(ValidationError, match="Olga Other or Quentin Moss may sign it"):
        framework_services.version_approve(version=in_review, actor=hr, password=TEST_PASSWORD, change_note="Mine")
    in_review.refresh_from_db()
    assert in_review.status == VersionStatus.IN_REVIEW and not Signature.objects.exists()
    client.force_login(hr)
    url = f"/frameworks/versions/{in_review.pk}/approve/"
    assert "Olga Other or Quentin Moss may sign it" in text(client.get(url))
    response = client.post(url, {"change_note": "Mine", "meaning": "approved", "password": TEST_PASSWORD})
    assert response.status_code == 400 and "segregation of duties" in text(response)
    assert not Signature.objects.exists()


def test_without_segregation_of_duties_the_author_may_sign(in_review, hr):
    with override_settings(SIGNATURE_SEGREGATION_OF_DUTIES=False):
        approved = framework_services.version_approve(version=in_review, actor=hr, password=TEST_PASSWORD,
                                                      change_note="Mine")
    assert approved.approved_by == hr and Signature.objects.get().signer == hr


def test_the_only_manager_is_told_to_ask_for_a_second_one(draft, hr):
    build_framework(draft, areas=1, per_area=1)
    framework_services.version_submit_for_review(version=draft, actor=hr)
    with pytest.raises(ValidationError, match="Nobody else may sign it yet"):
        framework_services.version_approve(version=draft, actor=hr, password=TEST_PASSWORD, change_note="Mine")


def test_a_leader_cannot_open_or_post_the_approval(client, in_review):
    leader = UserFactory(email="leo@example.com")
    client.force_login(leader)
    url = f"/frameworks/versions/{in_review.pk}/approve/"
    assert client.post(url, {"change_note": "x", "meaning": "approved", "password": TEST_PASSWORD}).status_code in (403, 404)
    assert not Signature.objects.exists()


def test_a_change_after_signing_shows_the_signature_as_superseded(client, profile, hr, quality):
    profile = profile_services.profile_approve(profile=profile, actor=quality, password=TEST_PASSWORD,
                                               change_note="First")
    [first] = signing.signatures_for(profile)
    assert first.superseded is False and first.record_version == 1
    competency = profile.requirements.get().competency
    profile_services.requirements_set(profile=profile, requirements=[
        profile_services.RequirementInput(competency, 4, Decimal(1), True)])
    profile.refresh_from_db()
    assert profile.status == ProfileStatus.DRAFT
    [first] = signing.signatures_for(profile)
    assert first.superseded is True
    client.force_login(hr)
    page = text(client.get(f"/profiles/{profile.pk}/"))
    assert "Superseded" in page and "no longer vouches for it" in page
    again = profile_services.profile_approve(profile=profile, actor=quality, password=TEST_PASSWORD,
                                             change_note="Raised to 4")
    newest, older = signing.signatures_for(again)
    assert (newest.record_version, newest.superseded, older.record_version, older.superseded) == (2, False, 1, True)


def test_the_profile_approve_page_signs_with_the_password(client, profile, quality):
    client.force_login(quality)
    url = f"/profiles/{profile.pk}/approve/"
    response = client.post(url, {"change_note": "First", "meaning": "approved", "password": ""})
    assert response.status_code == 400 and not signing.signatures_for(profile)
    response = client.post(url, {"change_note": "First", "meaning": "approved", "password": TEST_PASSWORD})
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.status == ProfileStatus.APPROVED and [s.signer for s in signing.signatures_for(profile)] == [quality]
