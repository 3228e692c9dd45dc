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
