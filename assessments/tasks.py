from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model

from .services import cycles


@shared_task(name="assessments.tasks.open_cycle", acks_late=True)
def open_cycle(cycle_id: int, actor_id: int) -> str:
    """Builds a cycle's questionnaires in batches, with progress; a second run only continues."""
    actor = get_user_model().objects.get(pk=actor_id)
    return cycles.open_cycle(cycle_id, actor=actor).status


@shared_task(name="assessments.tasks.close_due_cycles")
def close_due_cycles() -> int:
    return cycles.close_due_cycles()


@shared_task(name="assessments.tasks.send_cycle_emails", acks_late=True)
def send_cycle_emails(cycle_id: int) -> int:
    from .services import emails

    return emails.send_cycle_emails(cycle_id)


@shared_task(name="assessments.tasks.send_recorded_emails", acks_late=True, autoretry_for=(OSError,),
             retry_backoff=60, max_retries=5)
def send_recorded_emails(email_ids: list[int]) -> int:
    """One batch of recorded cycle emails; a retry or a redelivery sends only those not sent yet, and a
    mail server that is down is tried again with growing pauses."""
    from .services import emails

    return emails.send_recorded_emails(email_ids)


@shared_task(name="assessments.tasks.send_due_reminders", acks_late=True)
def send_due_reminders(today: str | None = None) -> int:
    """The daily run (beat, or `manage.py send_assessment_reminders` without Redis): closes the cycles
    past their close and sends the reminders due today (`today`, an ISO date, stands in for the date)."""
    from datetime import date

    from .services import emails

    return emails.send_due_reminders(date.fromisoformat(today) if today else None)


@shared_task(name="assessments.tasks.notify_results", acks_late=True)
def notify_results(cycle_id: int) -> int:
    """Tells each leader of a released cycle that their results are there; once per release."""
    from .services import emails

    return emails.notify_results(cycle_id)


@shared_task(name="assessments.tasks.release_cycle", acks_late=True)
def release_cycle(cycle_id: int, actor_id: int) -> str:
    """Releases a cycle that `start_release` marked "releasing", with progress; a failure gives the
    cycle back to its earlier status with the reason, and a second run does nothing."""
    from .release import run_release

    actor = get_user_model().objects.get(pk=actor_id)
    return run_release(cycle_id, actor=actor).status
