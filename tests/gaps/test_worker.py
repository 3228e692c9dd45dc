"""Acceptance 2: gap analyses on a real Celery worker on Redis (the `celery_worker` fixture): started
by the release's own task path, two runs at once ending in one consistent result set, and a run that
stopped half-way completed by the worker once retried.

The test data is built with tasks run in this process (as in tests/assessments/test_reminders_worker.py),
then the work is handed to the worker and the test reads its doing from the database.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from decimal import Decimal as D

import pytest

from assessments.models import CellLabel, CycleStatus, Group, Participant
from assessments.release import start_release
from config.celery import app
from gaps import compute, services, tasks
from gaps.models import Aggregate, Analysis, AnalysisStatus, GapStatus, LeaderGap, RequirementGap
from tests.assessments.builders import close
from tests.gaps.builders import figures, released_team, stored_cycle, stored_leader
from tests.conftest import worker_log_path

pytestmark = pytest.mark.services
WORKER_LOG = worker_log_path()
TIMEOUT = 60


@contextmanager
def in_this_process():
    """Builds the test data with the tasks run here."""
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = False


def wait_for(what: str, found, timeout: float = TIMEOUT):
    """Polls `found()` until it returns something truthy; fails with the worker's log otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = found()
        if result:
            return result
        time.sleep(0.1)
    pytest.fail(f"Not seen within {timeout} s: {what}. Analyses: "
                f"{list(Analysis.objects.values_list('pk', 'status', 'current', 'progress'))}; the worker's log ends:\n"
                f"{WORKER_LOG.read_text()[-3000:]}")


def leaders_cycle(count: int):
    """A released cycle of `count` leaders stored as the release leaves them: C0 level 3 (critical),
    C1 level 4, the manager rating leader n at 1 + n % 5 on both."""
    cycle, (c0, c1) = stored_cycle(code=f"worker{count}")
    for n in range(count):
        level = 1 + n % 5
        stored_leader(cycle, requirements={c0: (3, 1, True), c1: (4, 1, False)},
                      cells={c0: {CellLabel.MANAGER: level}, c1: {CellLabel.MANAGER: level}})
    return cycle, (c0, c1)


def expected_rows(cycle, c0, c1) -> dict:
    """Every requirement row the analysis of `leaders_cycle` must hold, by hand: gap = required − level."""
    rows = {}
    for n, pk in enumerate(Participant.objects.filter(cycle=cycle).order_by("pk").values_list("pk", flat=True)):
        level = D(1 + n % 5)
        for competency, required, critical in ((c0, 3, True), (c1, 4, False)):
            gap = max(D(required) - level, D(0))
            status = GapStatus.MET if not gap else GapStatus.CRITICAL if critical else GapStatus.GAP
            rows[(pk, competency.pk)] = (required, D("1.00"), critical, level, None, gap, gap, status)
    return rows


def test_the_release_through_its_task_leads_to_an_analysis_computed_by_the_worker(celery_worker):
    """HR releases from the page (start_release): the worker releases, the release's signal queues the
    analysis and the worker computes it — done, current, the leader's gap 4 − (3 + 4) / 2 = 0.50."""
    with in_this_process():
        team = released_team(release=False, reports=0, per_area=1, requirements=[(4, 1, False)],
                             answers={Group.MANAGER: [3], Group.PEER: [3, 4, 5]})
        close(team.cycle, team.hr)
    log_offset = len(WORKER_LOG.read_text())
    start_release(team.cycle, actor=team.hr)
    analysis = wait_for("a done, current analysis", lambda: Analysis.objects.filter(
        cycle=team.cycle, status=AnalysisStatus.DONE, current=True).first())
    team.cycle.refresh_from_db()
    assert (team.cycle.status, team.cycle.release_number) == (CycleStatus.RELEASED, 1)
    assert (analysis.release_number, analysis.requested_by, analysis.leaders) == (1, None, 1)
    assert list(RequirementGap.objects.filter(analysis=analysis).values_list("observed", "gap", "status")) == [
        (D("3.50"), D("0.50"), GapStatus.GAP)]
    assert Analysis.objects.filter(cycle=team.cycle).count() == 1
    wait_for("the worker's log of the task", lambda: "Task gaps.tasks.compute_analysis[" in WORKER_LOG.read_text()[
        log_offset:])


def test_two_runs_at_once_leave_one_consistent_result_set(celery_worker):
    """Two analyses of one release, the older queued twice, while the newer runs here and on the worker
    at the same time (batches of 2 over 12 leaders; this process queues the tasks after its first batch
    and goes on once the worker has written a batch of the same analysis): one current analysis (the
    newer), each leader's rows exactly once under it, with the hand-computed figures, and nothing left
    of the older."""
    with in_this_process():
        cycle, (c0, c1) = leaders_cycle(12)
    older, newer = (Analysis.objects.create(cycle=cycle, release_number=1, framework_version=cycle.framework_version,
                                            batch_size=2) for _ in range(2))
    results = []

    def alongside_the_worker(done: int) -> None:
        if not results:
            results.extend([tasks.compute_analysis.delay(newer.pk), tasks.compute_analysis.delay(older.pk),
                            tasks.compute_analysis.delay(older.pk)])
            wait_for("the worker writing the same analysis", lambda: LeaderGap.objects.filter(
                analysis=newer).count() > done)

    compute.run(newer.pk, after_batch=alongside_the_worker)
    assert len(results) == 3
    assert [result.get(timeout=TIMEOUT) for result in results] == [
        AnalysisStatus.DONE.value, AnalysisStatus.SUPERSEDED.value, AnalysisStatus.SUPERSEDED.value]
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (newer.status, newer.current, older.status, older.current) == (
        AnalysisStatus.DONE, True, AnalysisStatus.SUPERSEDED, False)
    assert list(Analysis.objects.filter(cycle=cycle, current=True)) == [newer]
    participants = sorted(Participant.objects.filter(cycle=cycle).values_list("pk", flat=True))
    assert sorted(LeaderGap.objects.values_list("participant_id", flat=True)) == participants
    assert figures(newer)["requirements"] == expected_rows(cycle, c0, c1)
    assert RequirementGap.objects.count() == 24
    assert not Aggregate.objects.filter(analysis=older).exists() and Aggregate.objects.filter(analysis=newer).exists()
    assert (newer.leaders, newer.progress) == (12, {"done": 12, "total": 12})


def interrupted_after_first_batch(done: int) -> None:
    raise RuntimeError("worker lost")


def test_a_run_stopped_half_way_is_completed_by_the_worker_once_retried(celery_worker):
    """A run dies after its first batch (1 of 3 leaders written): failed, with the reason. "Run it
    again" queues it to the worker, which continues it: done and current, each leader exactly once."""
    with in_this_process():
        cycle, (c0, c1) = leaders_cycle(3)
    analysis = Analysis.objects.create(cycle=cycle, release_number=1, framework_version=cycle.framework_version,
                                       batch_size=1)
    stopped = compute.run(analysis.pk, after_batch=interrupted_after_first_batch)
    assert stopped.status == AnalysisStatus.FAILED and "RuntimeError" in stopped.error
    assert LeaderGap.objects.filter(analysis=analysis).count() == 1
    services.retry(stopped, actor=cycle.created_by)
    done = wait_for("the retried analysis done", lambda: Analysis.objects.filter(
        pk=analysis.pk, status=AnalysisStatus.DONE).first())
    assert done.current and done.progress == {"done": 3, "total": 3} and not done.error
    assert sorted(LeaderGap.objects.filter(analysis=done).values_list("participant_id", flat=True)) == sorted(
        Participant.objects.filter(cycle=cycle).values_list("pk", flat=True))
    assert figures(done)["requirements"] == expected_rows(cycle, c0, c1)
