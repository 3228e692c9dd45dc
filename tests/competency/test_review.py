"""Stakeholder review: invitations emailed once, comments on a stable text, answers before approval."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from competency import services
from competency.models import CommentStatus, Competency, FrozenVersionError, ReviewInvitation, VersionStatus
from tests.factories import UserFactory
from tests.helpers import build_framework, text
from tests.factories import TEST_PASSWORD
from tests.helpers import co_signer

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_review(draft, hr):
    build_framework(draft, areas=1, per_area=2)
    return services.version_submit_for_review(version=draft, actor=hr)


def test_invited_stakeholders_get_an_email_with_a_link_to_the_public_address(in_review, hr, settings,
                                                                            django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://proficio.example.com"
    stakeholder = UserFactory(first_name="Sam", email="sam@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        services.review_invite(version=in_review, users=[stakeholder], actor=hr)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["sam@example.com"]
    assert f"https://proficio.example.com/frameworks/versions/{in_review.pk}/review/" in mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):  # inviting again sends nothing new
        services.review_invite(version=in_review, users=[stakeholder], actor=hr)
    assert len(mail.outbox) == 1


def test_a_page_that_invites_links_to_the_public_address_not_the_address_it_was_reached_at(
        client, in_review, hr, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://proficio.example.com"
    UserFactory(email="sam@example.com")
    client.force_login(hr)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/frameworks/versions/{in_review.pk}/review/invite/", {"users": "sam@example.com"},
                    HTTP_HOST="127.0.0.1:8000")
    assert "https://proficio.example.com/frameworks/" in mail.outbox[0].body
    assert "127.0.0.1" not in mail.outbox[0].body


def test_a_redelivered_invitation_task_sends_only_what_was_not_sent(in_review, hr, monkeypatch):
    from competency.tasks import send_review_invitations

    people = [UserFactory(email=f"s{n}@example.com") for n in range(3)]
    monkeypatch.setattr(services, "queue_after_commit", lambda *args: None)  # the test runs the task itself
    ids = [invitation.pk for invitation in services.review_invite(version=in_review, users=people, actor=hr)]
    from django.core.mail.backends.locmem import EmailBackend

    sent_before_failure = []
    original = EmailBackend.send_messages

    def fail_on_the_third(self, messages):
        if len(sent_before_failure) == 2:
            raise OSError("mail server went away")
        sent_before_failure.extend(messages)
        return original(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", fail_on_the_third)
    with pytest.raises(OSError):
        send_review_invitations.run(ids)
    assert len(mail.outbox) == 2
    monkeypatch.setattr(EmailBackend, "send_messages", original)
    send_review_invitations.run(ids)  # the retry
    send_review_invitations.run(ids)  # and a redelivery of the same message
    assert sorted(message.to[0] for message in mail.outbox) == ["s0@example.com", "s1@example.com", "s2@example.com"]
    assert not ReviewInvitation.objects.filter(email_sent_at__isnull=True).exists()


def test_content_is_locked_while_in_review(client, in_review, hr):
    competency = in_review.competencies.first()
    with pytest.raises(FrozenVersionError, match="in review: its content is locked"):
        services.competency_update(competency=competency, code=competency.code, name="Changed", description="",
                                   clauses=[])
    competency.refresh_from_db()
    competency.name = "Changed behind the service's back"
    with pytest.raises(FrozenVersionError):
        competency.save()
    client.force_login(hr)
    response = client.post(f"/frameworks/competencies/{competency.pk}/edit/", {"code": competency.code, "name": "X"})
    assert response.status_code == 403
    page = text(client.get(f"/frameworks/versions/{in_review.pk}/"))
    assert "Add competency" not in page and "return the version to draft" in page
    assert Competency.objects.get(pk=competency.pk).name != "X"


def test_the_owner_returns_a_version_to_draft_to_change_it_and_the_comments_stay(in_review, hr):
    competency = in_review.competencies.first()
    services.review_comment_add(version=in_review, author=UserFactory(), body="Reword", competency=competency)
    draft = services.version_return_to_draft(version=in_review, actor=hr)
    services.competency_update(competency=competency, code=competency.code, name="Reworded", description="",
                               clauses=[])
    assert draft.comments.count() == 1
    again = services.version_submit_for_review(version=draft, actor=hr)
    assert again.status == VersionStatus.IN_REVIEW and Competency.objects.get(pk=competency.pk).name == "Reworded"


def test_open_comments_block_approval_until_each_is_answered(in_review, hr):
    stakeholder = UserFactory()
    competency = in_review.competencies.first()
    comment = services.review_comment_add(version=in_review, author=stakeholder, body="Too vague", competency=competency)
    with pytest.raises(ValidationError, match="1 stakeholder comment is still open"):
        services.version_approve(version=in_review, actor=co_signer(hr), password=TEST_PASSWORD, change_note="Ready")
    with pytest.raises(ValidationError, match="Reply to the stakeholder"):
        services.review_comment_resolve(comment=comment, actor=hr, accept=True, reply="")
    services.review_comment_resolve(comment=comment, actor=hr, accept=True, reply="Reworded the indicators")
    comment.refresh_from_db()
    assert comment.status == CommentStatus.ACCEPTED and comment.resolved_by == hr
    with pytest.raises(ValidationError, match="already accepted"):
        services.review_comment_resolve(comment=comment, actor=hr, accept=False, reply="Changed my mind")
    assert services.version_approve(version=in_review, actor=co_signer(hr), password=TEST_PASSWORD, change_note="Ready").status == VersionStatus.APPROVED


def test_comments_are_taken_only_while_in_review(draft, hr):
    with pytest.raises(ValidationError, match="cannot be commented on"):
        services.review_comment_add(version=draft, author=hr, body="Early")


def test_a_competency_with_stakeholder_comments_cannot_be_deleted(in_review, hr):
    competency = in_review.competencies.first()
    services.review_comment_add(version=in_review, author=UserFactory(), body="Unclear", competency=competency)
    draft = services.version_return_to_draft(version=in_review, actor=hr)
    with pytest.raises(ValidationError, match="has stakeholder comments"):
        services.competency_delete(competency=competency)
    assert draft.comments.count() == 1


def test_a_stakeholder_reads_a_version_only_while_it_is_in_review(client, in_review, hr):
    stakeholder = UserFactory()
    services.review_invite(version=in_review, users=[stakeholder], actor=hr)
    client.force_login(stakeholder)
    assert client.get(f"/frameworks/versions/{in_review.pk}/").status_code == 200
    services.version_return_to_draft(version=in_review, actor=hr)
    assert client.get(f"/frameworks/versions/{in_review.pk}/").status_code == 404
    assert client.get(f"/frameworks/versions/{in_review.pk}/export/case-json/").status_code == 404
    assert "Leadership" not in text(client.get("/frameworks/"))
