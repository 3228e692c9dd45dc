"""Starting gap analyses: by the release (`analyse_release`) and by HR (`start_analysis`, `retry`)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from assessments.models import Cycle, CycleStatus
from core.db import queue_after_commit

from .compute import BATCH_SIZE
from .models import ACTIVE_STATUSES, Analysis, AnalysisStatus


def _queue(cycle: Cycle, actor) -> Analysis:
    analysis = Analysis.objects.create(cycle=cycle, release_number=cycle.release_number,
                                       framework_version_id=cycle.framework_version_id, requested_by=actor,
                                       batch_size=BATCH_SIZE, progress={"done": 0, "total": cycle.participants.count()})
    queue_after_commit("gaps.tasks.compute_analysis", analysis.pk)
    return analysis


def _running(cycle: Cycle) -> Analysis | None:
    return (Analysis.objects.filter(cycle=cycle, release_number=cycle.release_number, status__in=ACTIVE_STATUSES)
            .order_by("-pk").first())


def analyse_release(cycle_id: int) -> Analysis | None:
    """After a release: queues the analysis of its cells (none when the cycle is not released)."""
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=cycle_id)
        if cycle.status != CycleStatus.RELEASED:
            return None
        return _running(cycle) or _queue(cycle, None)


def start_analysis(cycle: Cycle, *, actor) -> tuple[Analysis, bool]:
    """HR's "Run the analysis": (the analysis, whether it is new). While one of this release is already
    queued or running, that one is returned instead of a second. Refused unless the cycle is released."""
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
        if cycle.status != CycleStatus.RELEASED:
            raise ValidationError("Gaps are analysed from released results: release the cycle first.")
        running = _running(cycle)
        if running is not None and not running.stalled:
            return running, False
        if running is not None:  # its worker has stopped: a new run replaces it (its rows go when one finishes)
            running.status = AnalysisStatus.FAILED
            running.progress = {**running.progress, "error": "It stalled and was replaced by a new run."}
            running.save(update_fields=["status", "progress", "updated_at"])
        return _queue(cycle, actor), True


def retry(analysis: Analysis, *, actor) -> Analysis:
    """Runs a failed (or stalled) analysis again: it continues from the leaders already written."""
    with transaction.atomic():
        analysis = Analysis.objects.select_for_update().select_related("cycle").get(pk=analysis.pk)
        if not (analysis.status == AnalysisStatus.FAILED or analysis.stalled):
            raise ValidationError("Only a failed or stalled analysis can be run again.")
        if (analysis.cycle.status not in (CycleStatus.RELEASED, CycleStatus.RELEASING)
                or analysis.cycle.release_number != analysis.release_number):
            raise ValidationError("The cycle has been released again since: run a new analysis instead.")
        analysis.status = AnalysisStatus.QUEUED
        analysis.progress = {key: value for key, value in analysis.progress.items() if key != "error"}
        analysis.requested_by = actor
        analysis.save(update_fields=["status", "progress", "requested_by", "updated_at"])
        queue_after_commit("gaps.tasks.compute_analysis", analysis.pk)
    return analysis
