"""Scheduled management reviews: quality chooses a frequency; each ended period's report goes once, with its
PDF attached, however often the task or the command runs; through the real worker too."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Role
from awareness.models import ReportSend, ReportSubscription, ReviewFrequency
from awareness.schedule import period_due, send_due_reviews
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def quality(db):
    return UserFactory(role=Role.QUALITY, email="qm@example.com")


@pytest.mark.parametrize(("frequency", "today", "start", "end"), [
    (ReviewFrequency.WEEKLY, date(2026, 12, 2), date(2026, 11, 23), date(2026, 11, 29)),
    (ReviewFrequency.MONTHLY, date(2026, 12, 1), date(2026, 11, 1), date(2026, 11, 30)),
    (ReviewFrequency.QUARTERLY, date(2027, 1, 1), date(2026, 10, 1), date(2026, 12, 31)),
    (ReviewFrequency.QUARTERLY, date(2026, 12, 31), date(2026, 7, 1), date(2026, 9, 30)),
])
def test_the_period_due_is_the_last_one_that_ended(frequency, today, start, end):
    period = period_due(frequency, today)
    assert (period.start, period.end) == (start, end)


def test_the_report_goes_once_per_period_with_the_pdf_attached(quality):
    ReportSubscription.objects.create(user=quality, frequency=ReviewFrequency.MONTHLY)
    assert send_due_reviews(date(2026, 12, 1)) == 1
    assert send_due_reviews(date(2026, 12, 1)) == 0  # the task runs twice the same day
    assert send_due_reviews(date(2026, 12, 15)) == 0  # and every day of the month after
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["qm@example.com"] and message.subject == "Management review 2026-11"
    (name, content, mimetype), = message.attachments
    assert (name, mimetype) == ("management-review-2026-11-01-2026-11-30.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    assert "Overdue plan actions" in message.body
    assert "- Acknowledgement coverage: — (0 of 0) (previous — (0 of 0))" in message.body  # nothing published
    send = ReportSend.objects.get()
    assert (send.period_start, send.period_end, send.sent_at is not None) == (date(2026, 11, 1), date(2026, 11, 30), True)
    assert send_due_reviews(date(2027, 1, 1)) == 1  # December's, the next period
    assert len(mail.outbox) == 2


def test_a_failed_email_is_tried_again_only_once_its_claim_is_stale(quality, monkeypatch):
    from django.core.mail import EmailMessage

    ReportSubscription.objects.create(user=quality, frequency=ReviewFrequency.WEEKLY)

    def broken(self, fail_silently=False):
        raise OSError("mail server down")

    monkeypatch.setattr(EmailMessage, "send", broken)
    assert send_due_reviews(date(2026, 12, 2)) == 0
    monkeypatch.undo()
    assert send_due_reviews(date(2026, 12, 2)) == 0  # a fresh claim: perhaps another run is still sending it
    ReportSend.objects.update(claimed_at=ReportSend.objects.get().claimed_at - timedelta(hours=1))
    assert send_due_reviews(date(2026, 12, 2)) == 1
    assert len(mail.outbox) == 1 and ReportSend.objects.count() == 1


def test_the_command_does_the_same_without_redis(quality, capsys):
    ReportSubscription.objects.create(user=quality, frequency=ReviewFrequency.QUARTERLY)
    call_command("send_management_reviews", today="2027-01-02")
    call_command("send_management_reviews", today="2027-01-03")
    assert len(mail.outbox) == 1 and mail.outbox[0].subject == "Management review 2026-Q4"
    assert "1 management review sent." in capsys.readouterr().out


def test_the_beat_schedule_runs_the_task():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["send-management-reviews"]
    assert entry["task"] == "awareness.tasks_review.send_management_reviews"


def test_quality_chooses_a_frequency_and_can_stop_it(client, quality):
    client.force_login(quality)
    url = reverse("awareness:review_schedule")
    assert client.get(url).status_code == 200
    response = client.post(url, {"frequency": "monthly"}, follow=True)
    assert "You will receive the management review monthly" in response.content.decode()
    client.post(url, {"frequency": "weekly"})
    assert ReportSubscription.objects.get(user=quality).frequency == ReviewFrequency.WEEKLY
    client.post(url, {"frequency": ""})
    assert not ReportSubscription.objects.exists()


@pytest.mark.parametrize("data", [{"frequency": "daily"}, {}])
def test_a_bad_frequency_gives_400_and_changes_nothing(client, quality, data):
    ReportSubscription.objects.create(user=quality, frequency=ReviewFrequency.MONTHLY)
    client.force_login(quality)
    assert client.post(reverse("awareness:review_schedule"), data).status_code == 400
    assert ReportSubscription.objects.get().frequency == ReviewFrequency.MONTHLY


def test_hr_reads_the_review_but_does_not_subscribe(client, hr):
    client.force_login(hr)
    assert client.get(reverse("awareness:review_schedule")).status_code == 403
    assert client.post(reverse("awareness:review_schedule"), {"frequency": "weekly"}).status_code == 403
    assert not ReportSubscription.objects.exists()


@pytest.mark.services
def test_the_real_worker_sends_the_report_once_per_period(celery_worker, settings):
    from awareness.tasks_review import send_management_reviews

    quality = UserFactory(role=Role.QUALITY, email="worker-qm@example.com")
    ReportSubscription.objects.create(user=quality, frequency=ReviewFrequency.MONTHLY)
    first = send_management_reviews.delay("2026-12-01").get(timeout=120)
    second = send_management_reviews.delay("2026-12-01").get(timeout=120)
    assert (first, second) == (1, 0)
    send = ReportSend.objects.get()
    assert send.sent_at is not None and (send.period_start, send.period_end) == (date(2026, 11, 1), date(2026, 11, 30))
