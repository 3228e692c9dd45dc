"""The outbox's beat task (CELERY_BEAT_SCHEDULE "send-outbox")."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from . import outbox

#: Sent rows are kept this long (to look into what was queued), then deleted.
KEEP_SENT = timedelta(days=7)


@shared_task(name="core.tasks.send_outbox", ignore_result=True)
def send_outbox() -> int:
    """Sends the tasks left in the outbox while the task queue was down. Safe to run at any time, in
    parallel too: each row is sent once, under its row lock."""
    outbox.purge_sent(older_than=timezone.now() - KEEP_SENT)
    return outbox.send_pending()
