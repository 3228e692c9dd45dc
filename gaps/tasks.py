from __future__ import annotations

from celery import shared_task


@shared_task(name="gaps.tasks.compute_analysis", acks_late=True)
def compute_analysis(analysis_id: int) -> str:
    """Computes a gap analysis batch by batch; a redelivered or repeated run continues where the
    earlier one stopped and never duplicates a row."""
    from . import compute

    return compute.run(analysis_id).status
