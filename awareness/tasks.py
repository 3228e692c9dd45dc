"""Celery tasks of the awareness app: thin wrappers over the services, safe to run twice."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="awareness.tasks.send_ack_reminders", acks_late=True, autoretry_for=(OSError,),
             retry_backoff=60, max_retries=5)
def send_ack_reminders() -> int:
    """Reminds those who have not acknowledged a revision after ACK_REMINDER_DAYS (once per revision)."""
    from . import services

    return services.send_reminders()
