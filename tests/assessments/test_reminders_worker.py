"""Acceptance 3: the reminder task, run by a real Celery worker on Redis, sends each reminder once,
also when the task runs twice and when a batch of emails is delivered again.

Emails sent in the worker land in the worker's own memory, out of this process's reach: the test reads
the worker's doing from the database (each `CycleEmail` marked sent) and from the results the tasks
send back through Redis, as tests/config/test_celery_worker.py does.
"""

from __future__ import annotations

import re
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from assessments import tasks
from assessments.models import OPEN_STATUSES, Cycle, CycleEmail, EmailKind, Group, Questionnaire
from config.celery import app
from tests.assessments.builders import answer, team_cycle
from tests.conftest import worker_log_path

WORKER_LOG = worker_log_path()
SENT_LINE = re.compile(r"Task assessments\.tasks\.send_recorded_emails\[[^\]]+\] succeeded in [\d.e-]+s: (\d+)")


@contextmanager
def in_this_process():
    """Builds the test data with the tasks run here, as the other assessments tests do."""
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = False


def wait_until_sent(kind: str, expected: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    rows = CycleEmail.objects.filter(kind=kind)
    while time.monotonic() < deadline:
        if rows.filter(sent_at__isnull=False).count() >= expected and not rows.filter(sent_at__isnull=True).exists():
            return
        time.sleep(0.2)
    pytest.fail(f"{rows.filter(sent_at__isnull=False).count()} of {expected} {kind} emails were sent by the worker; "
                f"its log ends:\n{WORKER_LOG.read_text()[-3000:]}")


def sent_by_worker_since(offset: int, batches: int, timeout: float = 15) -> list[int]:
    """What the worker's send tasks report they sent, from its log after `offset`."""
    deadline = time.monotonic() + timeout
    while True:
        counts = [int(n) for n in SENT_LINE.findall(WORKER_LOG.read_text()[offset:])]
        if len(counts) >= batches or time.monotonic() > deadline:
            return counts
        time.sleep(0.2)


@pytest.mark.services
def test_the_worker_sends_each_reminder_once_when_the_task_runs_twice_and_a_batch_is_redelivered(celery_worker):
    with in_this_process():
        team = team_cycle(peers=2, reports=1, externals=1)
    cycle = team.cycle

    # The invitations to the peers and the external rater, recorded and sent by the worker.
    assert tasks.send_cycle_emails.delay(cycle.pk).get(timeout=30) == 3
    wait_until_sent(EmailKind.INVITATION, 6)

    answer(team.questionnaire(Group.PEER, 0), 3)  # one peer has submitted: no reminder for them
    today = timezone.localdate()
    Cycle.objects.filter(pk=cycle.pk).update(opens_on=today - timedelta(days=5), closes_on=today + timedelta(days=16))
    expected = set(Questionnaire.objects.filter(participant__cycle=cycle, status__in=OPEN_STATUSES)
                   .values_list("pk", flat=True))
    assert len(expected) == 5
    log_offset = len(WORKER_LOG.read_text())

    # The daily task delivered twice: both runs queued before the worker has taken the first.
    first, second = tasks.send_due_reminders.delay(), tasks.send_due_reminders.delay()
    assert sorted([first.get(timeout=30), second.get(timeout=30)]) == [0, 5]
    wait_until_sent(EmailKind.REMINDER, 5)
    assert tasks.send_due_reminders.delay().get(timeout=30) == 0  # and once more, after the sending

    reminders = CycleEmail.objects.filter(kind=EmailKind.REMINDER)
    assert reminders.count() == 5
    assert set(reminders.values_list("questionnaire_id", flat=True)) == expected
    assert set(reminders.values_list("key", flat=True)) == {f"reminder:after5:q{pk}" for pk in expected}
    sent_at = dict(reminders.values_list("pk", "sent_at"))
    assert all(sent_at.values())

    # A batch delivered again sends nothing and leaves the marks as they were.
    assert tasks.send_recorded_emails.delay(sorted(sent_at)).get(timeout=30) == 0
    assert dict(reminders.values_list("pk", "sent_at")) == sent_at

    # What the worker says it sent: five reminders in one batch, then nothing on the redelivery.
    assert sent_by_worker_since(log_offset, batches=2) == [5, 0]
    # None of it was sent from this process.
    assert not [m for m in mail.outbox if m.subject.startswith("Reminder")]
