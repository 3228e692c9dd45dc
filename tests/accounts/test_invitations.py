"""Invitations to new accounts: recorded, then sent once each, one task per batch."""

from __future__ import annotations

import pytest
from django.core import mail

from accounts import services
from accounts.models import Invitation, User

pytestmark = pytest.mark.django_db


def test_a_task_that_runs_again_sends_only_what_was_not_sent(monkeypatch, hr):
    from django.core.mail.backends.locmem import EmailBackend

    from accounts.tasks import send_invitations

    users = [User.objects.create_user(f"new{n}@example.com", password=None) for n in range(3)]
    monkeypatch.setattr(services, "queue_after_commit", lambda *args: None)  # the test runs the task itself
    ids = [invitation.pk for invitation in services.invitations_create(users=users, actor=hr)]
    original = EmailBackend.send_messages
    calls = []

    def fail_on_the_second(self, messages):
        calls.append(messages)
        if len(calls) == 2:
            raise OSError("mail server went away")
        return original(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", fail_on_the_second)
    with pytest.raises(OSError):
        send_invitations.run(ids)
    monkeypatch.setattr(EmailBackend, "send_messages", original)
    send_invitations.run(ids)  # the retry
    send_invitations.run(ids)  # and a second delivery of the same task
    assert sorted(message.to[0] for message in mail.outbox) == ["new0@example.com", "new1@example.com",
                                                                "new2@example.com"]
    assert not Invitation.objects.filter(sent_at__isnull=True).exists()


def test_invitations_are_queued_one_task_per_batch(monkeypatch, hr):
    queued = []
    monkeypatch.setattr(services, "queue_after_commit", lambda name, ids: queued.append((name, len(ids))))
    users = [User.objects.create_user(f"n{n}@example.com", password=None) for n in range(250)]
    services.invitations_create(users=users, actor=hr)
    assert queued == [("accounts.tasks.send_invitations", 100), ("accounts.tasks.send_invitations", 100),
                      ("accounts.tasks.send_invitations", 50)]


def test_an_invitation_email_is_plain_text_with_a_link_to_the_public_address(settings, hr,
                                                                            django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://proficio.example.com"
    user = User.objects.create_user("r.d@example.com", password=None, first_name="R&D")
    with django_capture_on_commit_callbacks(execute=True):
        services.invitations_create(users=[user], actor=hr)
    body = mail.outbox[0].body
    assert "Hello R&D," in body and "&amp;" not in body
    assert "https://proficio.example.com/accounts/invitation/" in body
    assert "within 7 days" in body
