"""Rendering documents runs in its own Celery queue (settings.PDF_QUEUE, routed in CELERY_TASK_ROUTES),
on workers recycled every few tasks (Procfile `pdf:`): WeasyPrint's memory grows with each render."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def render_document(document_id: int) -> None:
    """Idempotent: a redelivered task for a document that is done (or failed) does nothing."""
    services.render_document(document_id)
