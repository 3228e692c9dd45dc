"""A transactional outbox for Celery tasks: a service's task is owed to the broker from the moment its
transaction commits, even if Redis is down at that moment.

`queue(task, *args)` writes an `OutboxMessage` row in the caller's transaction and, after the commit, hands
the task to the broker and marks the row sent. If the broker cannot be reached the row stays; the page says
so (`waiting`), and the rows left behind are sent by the next successful send, by the beat task
`core.tasks.send_outbox` every minute, or by `manage.py send_outbox`.

Exactly once into the broker: a row is sent under its row lock (SELECT … FOR UPDATE SKIP LOCKED, so two
senders never take the same row) and marked sent in the same transaction. Only a process that dies between
the broker's "taken" and that commit sends a row twice; the tasks are idempotent for that and for a worker's
redelivery (acks_late).

In-process mode (no REDIS_URL: tasks run eagerly) has no broker to lose a task to: the task runs after the
commit as before, with no row.
"""

from __future__ import annotations

import logging
from importlib import import_module

from celery import current_app
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from .models import OutboxMessage

log = logging.getLogger(__name__)

#: Rows left behind that a successful send also delivers (the rest wait for beat or `send_outbox`).
RETRY_BATCH = 20
#: The message pages show while a task waits in the outbox.
WAITING_MESSAGE = "queued; it will start as soon as the task queue is back"


def _task(path: str):
    module, name = path.rsplit(".", 1)
    return getattr(import_module(module), name)


def queue(task: str, *args) -> None:
    """Queues the Celery task at dotted path `task` with `args` (JSON: ids, lists of ids) once the current
    transaction commits."""
    found = _task(task)
    if found.app.conf.task_always_eager:
        transaction.on_commit(lambda: found.delay(*args))
        return
    message = OutboxMessage.objects.create(task=task, args=list(args))
    transaction.on_commit(lambda: _send_after_commit(message.pk))


def _send_after_commit(pk: int) -> None:
    if send(pk):
        send_pending(limit=RETRY_BATCH)


SENT, WAITS, FAILED = "sent", "waits", "failed"


def send(pk: int) -> bool:
    """Hands row `pk` to the broker; True when it is sent (now or already), False when the broker refused it
    or another sender holds it."""
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
        if message is None:
            return False
        if message.sent_at is not None:
            return True
        return _send_locked(message) == SENT


def _send_locked(message: OutboxMessage) -> str:
    """SENT; WAITS when the broker cannot be reached; FAILED for any other refusal (a task that no longer
    exists after an upgrade, say), which must not hold up the rows behind it."""
    try:
        # No retries here: the row is the retry, and a broker that is down answers at once (connection refused).
        # No result either: nobody reads the result of a queued task, and subscribing to it would make this
        # process's result store retry for 20 s, then give up for good, while Redis is down.
        _task(message.task).apply_async(args=message.args, retry=False, ignore_result=True)
    except Exception as error:  # noqa: BLE001 - whatever stops the broker taking it, the row keeps the task
        log.warning("Outbox message %s (%s) waits: the task queue did not take it (%s)", message.pk, message.task,
                    error)
        OutboxMessage.objects.filter(pk=message.pk).update(attempts=message.attempts + 1,
                                                             last_error=f"{type(error).__name__}: {error}"[:500])
        return WAITS if isinstance(error, OperationalError | OSError) else FAILED
    OutboxMessage.objects.filter(pk=message.pk).update(sent_at=timezone.now(), last_error="")
    return SENT


def send_pending(*, limit: int | None = None) -> int:
    """Sends the rows still waiting, oldest first, one row lock at a time (rows another sender holds are
    skipped); stops when the broker cannot be reached. Returns how many were sent."""
    sent, failed = 0, []
    while limit is None or sent < limit:
        with transaction.atomic():
            message = (OutboxMessage.objects.select_for_update(skip_locked=True).filter(sent_at__isnull=True)
                       .exclude(pk__in=failed).order_by("pk").first())
            if message is None:
                return sent
            outcome = _send_locked(message)
        if outcome == WAITS:
            return sent
        if outcome == FAILED:
            failed.append(message.pk)
        else:
            sent += 1
    return sent


def left_behind() -> int:
    """How many rows wait for the broker, not counting those another sender is sending right now."""
    with transaction.atomic():
        return len(OutboxMessage.objects.select_for_update(skip_locked=True).filter(sent_at__isnull=True)
                   .values_list("pk", flat=True))


def waiting(task: str, *args) -> bool:
    """Whether the task `task` with `args` is still in the outbox, unsent (the broker was down after the
    commit): the page that queued it says so rather than "started". In-process mode has no outbox (no query)."""
    if current_app.conf.task_always_eager:
        return False
    return OutboxMessage.objects.filter(task=task, args=list(args), sent_at__isnull=True).exists()


def purge_sent(*, older_than) -> int:
    """Deletes rows sent before `older_than`: they have done their job."""
    return OutboxMessage.objects.filter(sent_at__lt=older_than).delete()[0]
