"""Celery tasks of the training app: thin wrappers over the services, safe to run twice."""

from __future__ import annotations

from celery import shared_task

# The worker imports each app's `tasks` module only: this brings in the certificate reminders that beat runs.
from .tasks_evidence import send_expiry_reminders  # noqa: F401


@shared_task(name="training.tasks.send_moved_up_email", acks_late=True, autoretry_for=(OSError,),
             retry_backoff=60, max_retries=5)
def send_moved_up_email(enrolment_id: int) -> bool:
    """Tells the person who moved up from a waiting list that they have a place (once per enrolment)."""
    from .services import enrolments

    return enrolments.send_moved_up_email(enrolment_id)


@shared_task(name="training.tasks.send_cancellation_emails", acks_late=True, autoretry_for=(OSError,),
             retry_backoff=60, max_retries=5)
def send_cancellation_emails(session_id: int) -> int:
    """Tells those enrolled, waiting or requesting that their session was cancelled (once each)."""
    from .services import enrolments

    return enrolments.send_cancellation_emails(session_id)
