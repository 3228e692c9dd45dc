"""The beat task of scheduled management reviews (safe to run twice: see awareness.schedule). Beat's entry
passes the day it fired on (config.settings.beat_today), so the period sent follows beat's clock; without a
day the task reads its own."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="awareness.tasks_review.send_management_reviews")
def send_management_reviews(today: str | None = None) -> int:
    from datetime import date

    from .schedule import send_due_reviews

    return send_due_reviews(date.fromisoformat(today) if today else None)
