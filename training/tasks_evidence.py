"""Celery tasks of the evidence part: the daily certificate-expiry reminders."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="training.tasks_evidence.send_expiry_reminders", acks_late=True)
def send_expiry_reminders(today: str | None = None) -> int:
    """Reminds people (their manager in copy) of certificates expiring within CERTIFICATE_REMINDER_DAYS,
    once per certificate: a second run or a redelivery sends nothing twice. `today`, an ISO date, stands
    in for the date."""
    from datetime import date

    from .services import evidence

    return evidence.send_expiry_reminders(date.fromisoformat(today) if today else None)
