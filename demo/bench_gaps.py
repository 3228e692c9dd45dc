"""Benchmarks of the gap analysis (`manage.py bench --part gaps`; part of `make bench`).

On a throwaway database of its own (the tools of demo/bench.py and the seeding and release of
demo/bench_assessments.py), PostgreSQL for the figures that matter:

1. 30 leaders (`seed_demo`: the pilot cycle is released and analysed by the seed): the heatmap of
   its current analysis by org unit and by role, through gunicorn beside the login page; query
   counts in this process.
2. 10,000 leaders with ratings (`seed_demo --leaders 10000 --with-ratings`, 3.2 million answers),
   the rated cycle released (its 1.6 million cells are what the analysis reads), then:
   - the organisation-wide analysis end to end in this process: `gaps.services.start_analysis` (the
     request) and `gaps.compute.run` (the work of `gaps.tasks.compute_analysis`), timed with its
     batches and its finish (aggregates, making it current) apart;
   - the floor: one hand-written statement computing the same row per leader and requirement
     (observed level, self level, gap, weighted gap, status) from the same tables (the frozen
     `Participant.requirements` through jsonb_to_recordset, `ResultCell` grouped) for every leader
     of the cycle, INSERTed into a temporary table: the analysis writes its rows, so the floor
     writes them too, though to a table without indexes or WAL. Its rows must equal the
     analysis's `RequirementGap` rows, one for one. Printed as `gap analysis: N s, floor M s,
     ratio R` (goal R <= 1.5), then the same statement into `gaps_requirementgap` itself (rolled
     back), which shows how much of the difference is the cost of writing to the real table;
   - the same analysis again through a real Celery worker (`celery -A config worker --pool solo
     --concurrency 1 -Q proficio`, production settings, the bench's Redis), whose peak resident
     memory (VmHWM, read from /proc while it still runs) is the goal's figure: <= 300 MB;
   - EXPLAIN (ANALYZE, BUFFERS) of every statement of one batch half-way through an analysis (a
     third run, stopped there; the batch is rolled back) and of the finish's aggregates, with
     sequential scans over the cells flagged;
   - the heatmap pages again at 10,000 leaders, with EXPLAIN ANALYZE of their queries.
Each step prints wall time, SQL queries and this process's peak memory (the release's, mostly: the
worker's figure is the analysis's own).

Redis: gunicorn and the worker use the bench's Redis databases as demo/bench.py does; with
BENCH_REDIS_URL set (and BENCH_REDIS_CACHE_URL, else the next database), those instead, so that two
benches can share one server.
"""

from __future__ import annotations

import logging
import os
import re
import time
from unittest import mock
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.core.management.base import CommandError
from django.db import connection, transaction

from demo.bench import (
    BenchRun,
    LOGIN_PAGE,
    LOGIN_PAGE_LABEL,
    SIZES,
    Page,
    SizeResult,
    Write,
    _shorten,
    analyze_tables,
    bench_run,
    celery_worker,
    plan_findings,
    print_report,
    proc_status_mb,
)
from demo.bench_assessments import Step, _hr, print_steps, release_step, tasks_not_run, timed

GOAL_RATIO = 1.5
GOAL_WORKER_MB = 300
#: The worker's queue: the production default (config/settings.py), on the bench's own Redis database.
WORKER_QUEUE = "proficio"
WORKER_TIMEOUT = 600
FLOOR_TABLE = "bench_gap_floor"
#: Plan lines printed per statement: all of them (but the buffer counts below the top) for the
#: statements that take some time, the first few for the others.
PLAN_LINES, SHORT_PLAN_LINES, SHORT_MS = 60, 4, 5.0


# --- the floor ------------------------------------------------------------------------------------


def floor_sql() -> str:
    """One statement: every leader of the cycle (`%s`, twice) and requirement, as the analysis computes
    them, written by hand from the rules in gaps/models.py and not from gaps.compute's SQL, so the
    comparison checks the analysis too."""
    from assessments.models import CellLabel

    counted = ", ".join(f"'{label.value}'" for label in (CellLabel.MANAGER, CellLabel.PEER, CellLabel.DIRECT,
                                                           CellLabel.EXTERNAL, CellLabel.OTHER))
    shown = f"c.label IN ({counted}) AND NOT c.suppressed AND c.mean IS NOT NULL AND c.weight > 0"
    return f"""
        SELECT q.participant_id, q.competency_id, q.required_level, q.weight, q.critical, q.observed, q.self_level,
               q.gap, ROUND(q.gap * q.weight, 2) AS weighted_gap,
               CASE WHEN q.observed IS NULL THEN '3none' WHEN q.gap = 0 THEN '4met'
                    WHEN q.critical THEN '1critical' ELSE '2gap' END AS status
        FROM (
            SELECT r.participant_id, r.competency_id, r.required_level, r.weight, r.critical, o.observed, o.self_level,
                   CASE WHEN o.observed IS NULL THEN NULL WHEN o.observed >= r.required_level THEN 0
                        ELSE r.required_level - o.observed END AS gap
            FROM (SELECT p.id AS participant_id, x.competency_id, x.required_level,
                         COALESCE(x.weight, 1) AS weight, COALESCE(x.critical, false) AS critical
                  FROM assessments_participant p
                  CROSS JOIN LATERAL jsonb_to_recordset(p.requirements)
                      AS x(competency_id bigint, required_level integer, weight numeric, critical boolean)
                  WHERE p.cycle_id = %s AND x.required_level IS NOT NULL) r
            LEFT JOIN (SELECT c.participant_id, c.competency_id,
                              ROUND(SUM(c.weight * c.mean) FILTER (WHERE {shown})
                                    / SUM(c.weight) FILTER (WHERE {shown}), 2) AS observed,
                              MAX(c.mean) FILTER (WHERE c.label = '{CellLabel.SELF.value}') AS self_level
                       FROM assessments_resultcell c JOIN assessments_participant p ON p.id = c.participant_id
                       WHERE p.cycle_id = %s
                       GROUP BY c.participant_id, c.competency_id) o
                ON o.participant_id = r.participant_id AND o.competency_id = r.competency_id
        ) q"""


_FLOOR_COLUMNS = "participant_id, competency_id, required_level, weight, critical, observed, self_level, gap, " \
                 "weighted_gap, status"


def create_floor_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {FLOOR_TABLE}")
        cursor.execute(f"CREATE TEMP TABLE {FLOOR_TABLE} (participant_id bigint, competency_id bigint, "
                       "required_level integer, weight numeric, critical boolean, observed numeric, "
                       "self_level numeric, gap numeric, weighted_gap numeric, status varchar(10))")


def run_floor(cycle_id: int) -> int:
    """The floor into the temporary table (created first); the rows written."""
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {FLOOR_TABLE} ({_FLOOR_COLUMNS}) {floor_sql()}", [cycle_id, cycle_id])
        return cursor.rowcount


@dataclass(frozen=True)
class Figures:
    rows: int
    with_gap: int
    gaps: Decimal | None
    weighted: Decimal | None
    observed: Decimal | None

    def __str__(self) -> str:
        return (f"{self.rows:,} rows, {self.with_gap:,} with evidence, sum of gaps {self.gaps}, "
                f"of weighted gaps {self.weighted}, of observed levels {self.observed}")


_SUMS = "COUNT(*), COUNT(gap), SUM(gap), SUM(weighted_gap), SUM(observed)"


def floor_figures() -> Figures:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_SUMS} FROM {FLOOR_TABLE}")
        return Figures(*cursor.fetchone())


def analysis_figures(analysis_id: int) -> Figures:
    from gaps.models import RequirementGap

    with connection.cursor() as cursor:
        cursor.execute(f'SELECT {_SUMS} FROM "{RequirementGap._meta.db_table}" WHERE analysis_id = %s', [analysis_id])
        return Figures(*cursor.fetchone())


def rows_that_differ(analysis_id: int) -> int:
    """Rows of the floor and of the analysis found in only one of the two (0 when they agree row for row)."""
    from gaps.models import RequirementGap

    mine = f'SELECT {_FLOOR_COLUMNS} FROM "{RequirementGap._meta.db_table}" WHERE analysis_id = %s'
    floor = f"SELECT {_FLOOR_COLUMNS} FROM {FLOOR_TABLE}"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT (SELECT COUNT(*) FROM ({floor} EXCEPT ALL {mine}) a) "
                       f"+ (SELECT COUNT(*) FROM ({mine} EXCEPT ALL {floor}) b)", [analysis_id, analysis_id])
        return cursor.fetchone()[0]


def floor_into_the_real_table(cycle_id: int) -> int:
    """The floor into gaps_requirementgap (under analysis id 0, which no analysis has), rolled back."""
    from gaps.models import RequirementGap

    columns = f"analysis_id, {_FLOOR_COLUMNS}"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'INSERT INTO "{RequirementGap._meta.db_table}" ({columns}) '
                       f"SELECT 0, f.* FROM ({floor_sql()}) f", [cycle_id, cycle_id])
        rows = cursor.rowcount
        transaction.set_rollback(True)
    return rows


# --- the analysis in this process -----------------------------------------------------------------


@dataclass
class Run:
    """An analysis run in this process: when each batch committed, and the total."""

    analysis_id: int = 0
    batches: list[float] = field(default_factory=list)  # seconds from the start, at each commit
    seconds: float = 0.0

    @property
    def finish_seconds(self) -> float:
        return self.seconds - (self.batches[-1] if self.batches else 0.0)

    def describe(self) -> str:
        if not self.batches:
            return ""
        steps = [later - earlier for earlier, later in zip([0.0, *self.batches], self.batches)]
        return (f"{len(self.batches)} batches in {self.batches[-1]:.2f} s ({min(steps):.2f}-{max(steps):.2f} s each), "
                f"finish {self.finish_seconds:.2f} s")


def analysis_steps(cycle) -> tuple[list[Step], Run]:
    """start_analysis (the request) and compute.run (the task's work), timed apart."""
    from gaps import compute, services
    from gaps.models import Analysis

    run = Run()
    hr = _hr()

    def start() -> str:
        with tasks_not_run():
            analysis, created = services.start_analysis(cycle, actor=hr)
        run.analysis_id = analysis.pk
        return f"analysis {analysis.pk} {'created' if created else 'already running'}, batches of {analysis.batch_size}"

    def work() -> str:
        # As the task runs it (no after_batch: that would make the run write its batches one by one); the
        # batches' commits are seen through the progress they record, from whichever connection wrote them.
        started = time.perf_counter()
        record = compute._record_progress

        def recorded(analysis_id: int, total: int) -> int:
            done = record(analysis_id, total)
            run.batches.append(time.perf_counter() - started)
            return done

        with mock.patch.object(compute, "_record_progress", recorded):
            done = compute.run(run.analysis_id)
        run.seconds = time.perf_counter() - started
        run.batches.sort()
        return (f"{done.status}: {done.leaders:,} leaders, mean readiness {done.readiness} %; {run.describe()}, "
                f"{compute.PARALLEL} connections side by side")

    steps = [timed("start_analysis (the request)", start), timed("compute.run (the task's work)", work)]
    steps.append(Step("gap analysis: start_analysis + compute.run", steps[0].seconds + steps[1].seconds,
                      steps[0].queries + steps[1].queries, steps[1].peak_mb))
    status = Analysis.objects.values_list("status", flat=True).get(pk=run.analysis_id)
    if status != "done":
        raise CommandError(f"The analysis ended {status}: {Analysis.objects.get(pk=run.analysis_id).progress}")
    return steps, run


def ratio_line(analysis_seconds: float, floor_seconds: float) -> str:
    ratio = analysis_seconds / floor_seconds if floor_seconds else float("nan")
    return f"gap analysis: {analysis_seconds:.2f} s, floor {floor_seconds:.2f} s, ratio {ratio:.2f}"


def verdict(value: float, goal: float) -> str:
    return "ok" if value <= goal else "OVER"


# --- the analysis through a Celery worker ---------------------------------------------------------


@dataclass
class WorkerRun:
    seconds: float
    status: str
    baseline_mb: float | None
    peak_mb: float | None
    note: str = ""


def worker_run(cycle, env: dict[str, str], logdir: Path) -> WorkerRun:
    """A new analysis of the cycle, its task sent to a real worker; the worker's memory before and after."""
    from gaps import services
    from gaps.models import ACTIVE_STATUSES, Analysis

    # One process (solo pool) on the production queue of the bench's Redis.
    node = f"bench-gaps-{os.getpid()}@{os.uname().nodename}"
    with celery_worker(env, logdir / "celery.log", queue=WORKER_QUEUE, node=node,
                       options=["--pool", "solo", "--concurrency", "1", "--loglevel", "INFO"]) as worker:
        process, client = worker.process, worker.client
        baseline = proc_status_mb(process.pid, "VmHWM")
        with tasks_not_run():
            analysis, _created = services.start_analysis(cycle, actor=_hr())
        started = time.perf_counter()
        client.send_task("gaps.tasks.compute_analysis", args=[analysis.pk], queue=WORKER_QUEUE)
        deadline = time.monotonic() + WORKER_TIMEOUT
        while True:
            status = Analysis.objects.values_list("status", flat=True).get(pk=analysis.pk)
            if status not in ACTIVE_STATUSES or time.monotonic() > deadline or process.poll() is not None:
                break
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        time.sleep(0.5)  # the task returns just after its last write
        peak = proc_status_mb(process.pid, "VmHWM")
    note = "" if status == "done" else Analysis.objects.get(pk=analysis.pk).progress.get("error", "")
    return WorkerRun(seconds, status, baseline, peak, note)


def print_worker(write: Write, result: WorkerRun | None) -> None:
    if result is None:
        write("Celery worker: skipped (no Redis answers; PostgreSQL and Redis are needed for a worker).")
        return
    peak = f"{result.peak_mb:.0f} MB" if result.peak_mb is not None else "n/a"
    base = f"{result.baseline_mb:.0f} MB" if result.baseline_mb is not None else "n/a"
    goal = verdict(result.peak_mb, GOAL_WORKER_MB) if result.peak_mb is not None else "?"
    write(f"Celery worker (--pool solo, production settings): the analysis {result.status} in {result.seconds:.2f} s "
          f"from sending the task; worker peak memory (VmHWM) {peak} (goal <= {GOAL_WORKER_MB} MB: {goal}), "
          f"{base} after start-up" + (f"; {result.note}" if result.note else ""))


# --- EXPLAIN ANALYZE of one batch and of the finish -------------------------------------------------


@dataclass
class Explained:
    sql: str
    plan: list[str]
    ms: float


class _Stop(Exception):
    pass


@contextmanager
def explaining(into: list[Explained]) -> Iterator[None]:
    """Each SELECT, INSERT, WITH or CREATE TEMPORARY TABLE … AS runs under EXPLAIN (ANALYZE, BUFFERS): a
    write only so (EXPLAIN ANALYZE performs it), a SELECT again as itself afterwards for its caller."""

    def wrapper(execute, sql, params, many, context):
        head = sql.lstrip()[:10].upper()
        if many or not head.startswith(("SELECT", "INSERT", "WITH", "CREATE TEM")):
            return execute(sql, params, many, context)
        execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params, many, context)
        plan = [row[0] for row in context["cursor"].fetchall()]
        match = next((m for line in plan if (m := re.match(r"Execution Time: ([\d.]+) ms", line))), None)
        into.append(Explained(sql, plan, float(match.group(1)) if match else 0.0))
        if head.startswith("SELECT"):
            return execute(sql, params, many, context)
        return None

    with connection.execute_wrapper(wrapper):
        yield


def explain_batch(cycle) -> tuple[list[Explained], int]:
    """A third analysis, run to half-way; the next batch (picking its leaders, its two statements, the
    progress count) under EXPLAIN ANALYZE and rolled back; then the run is stopped and removed."""
    from gaps import compute, services
    from gaps.models import Analysis, LeaderGap

    with tasks_not_run():
        analysis, _created = services.start_analysis(cycle, actor=_hr())
    total = cycle.participants.count()
    found: list[Explained] = []
    at = [0]

    def after_batch(done: int) -> None:
        if done < total // 2:
            return
        at[0] = done
        with transaction.atomic():
            with explaining(found):
                ids = compute._claim_batch(analysis.pk, analysis.batch_size)
                compute._write_batch(analysis.pk, ids)
                LeaderGap.objects.filter(analysis_id=analysis.pk).count()
            transaction.set_rollback(True)
        raise _Stop

    quiet = logging.getLogger("gaps.compute")
    quiet.disabled = True  # the stop is logged as a failure, with its traceback
    try:
        compute.run(analysis.pk, after_batch=after_batch)
    finally:
        quiet.disabled = False
    Analysis.objects.filter(pk=analysis.pk).delete()
    return found, at[0]


def explain_finish(analysis_id: int) -> list[Explained]:
    """The finish's aggregates, under EXPLAIN ANALYZE, rolled back."""
    from gaps import compute

    found: list[Explained] = []
    with transaction.atomic():
        compute._plan_for_bulk()  # as the finish plans them
        with explaining(found):
            compute._write_aggregates(analysis_id)
        transaction.set_rollback(True)
    return found


def print_explained(write: Write, title: str, found: list[Explained]) -> None:
    write(f"\n{title}: {len(found)} statements, {sum(e.ms for e in found):.1f} ms execution in all")
    for explained in found:
        write(f"\n  {explained.ms:8.1f} ms  {_shorten(explained.sql, 300)}")
        plan = explained.plan[:1] + [line for line in explained.plan[1:] if not line.strip().startswith("Buffers:")]
        for line in plan[:PLAN_LINES if explained.ms >= SHORT_MS else SHORT_PLAN_LINES]:
            write(f"      {line[:220]}")
        findings = set(plan_findings(explained.plan))
        findings |= {f"sequential scan over the cells: {line.strip()[:160]}" for line in explained.plan
                     if "Seq Scan on assessments_resultcell" in line}
        for finding in sorted(findings):
            write(f"    ! {finding}")


# --- the heatmap pages ----------------------------------------------------------------------------


def heatmap_pages(cycle) -> list[Page] | None:
    """The login page and the heatmap of the cycle's current analysis by org unit and by role; None
    while the gaps app has no heatmap page."""
    from django.urls import NoReverseMatch, reverse

    try:
        url = reverse("gaps:heatmap")
    except NoReverseMatch:
        return None
    return [
        Page(LOGIN_PAGE_LABEL, LOGIN_PAGE, anonymous=True),
        Page("heatmap by org unit", f"{url}?cycle={cycle.pk}"),
        Page("heatmap by role", f"{url}?cycle={cycle.pk}&by=role"),
    ]


def heatmap_cells(cycle) -> str:
    """The aggregate rows of the cycle's current analysis, by unit / by role (the heatmap's two views)."""
    from gaps.models import Aggregate, AggregateKind

    rows = Aggregate.objects.filter(analysis__cycle=cycle, analysis__current=True)
    return f"{rows.filter(kind=AggregateKind.UNIT).count():,} / {rows.filter(kind=AggregateKind.ROLE).count():,}"


def measure_heatmaps(bench: BenchRun, leaders: int, cycle, warmup: int, repeats: int,
                     explain: bool) -> SizeResult | None:
    pages = heatmap_pages(cycle)
    return None if pages is None else bench.time_pages(pages, leaders, warmup, repeats, explain=explain)


# --- the run --------------------------------------------------------------------------------------


def run_gap_bench(write: Write, warmup: int, repeats: int) -> None:
    from assessments.models import Cycle
    from demo.seed_assessments import RELEASED_CYCLE
    from demo.seed_ratings import RATED_CYCLE

    if connection.vendor != "postgresql":
        raise CommandError("The gap analysis bench needs PostgreSQL (its floor is PostgreSQL's SQL): "
                           "run with DATABASE_URL=postgres://...")
    small_size, large_size = SIZES
    bench_started = time.perf_counter()
    with bench_run(write, "gaps") as bench:
        served, workdir = bench.served, bench.workdir
        bench.seed(small_size, note="(the pilot cycle released and analysed)")
        analyze_tables()
        pilot = Cycle.objects.get(name=RELEASED_CYCLE)
        small = measure_heatmaps(bench, small_size, pilot, warmup, repeats, explain=False)

        bench.seed(large_size, "--with-ratings")
        analyze_tables()
        steps = [release_step()]
        analyze_tables()  # the cells just written, as autovacuum would soon leave them
        cycle = Cycle.objects.get(name=RATED_CYCLE)
        analysis, run = analysis_steps(cycle)
        steps += analysis

        create_floor_table()
        floor = timed("floor: one INSERT … SELECT into a temporary table", lambda: f"{run_floor(cycle.pk):,} rows")
        steps.append(floor)
        figures, expected = floor_figures(), analysis_figures(run.analysis_id)
        differ = rows_that_differ(run.analysis_id)

        redis_up = "REDIS_URL" in served
        worker = worker_run(cycle, served, workdir / "celery") if redis_up else None
        analyze_tables()
        explained, half = explain_batch(cycle)
        current = cycle.gap_analyses.get(current=True)
        finish_explained = explain_finish(current.pk)
        real = timed("the floor's statement into gaps_requirementgap (rolled back)",
                     lambda: f"{floor_into_the_real_table(cycle.pk):,} rows")
        analyze_tables()  # the rows of the superseded and stopped runs are gone, as autovacuum would leave them
        large = measure_heatmaps(bench, large_size, cycle, warmup, repeats, explain=True)
        cells = {small_size: heatmap_cells(pilot), large_size: heatmap_cells(cycle)}

        write("")
        print_steps(write, [*steps, real])
        total = steps[-2].seconds  # start_analysis + compute.run
        write("")
        write(ratio_line(total, floor.seconds))
        ratio = total / floor.seconds if floor.seconds else float("nan")
        write(f"  goal: ratio <= {GOAL_RATIO} ({verdict(ratio, GOAL_RATIO)}); the analysis's batches "
              f"{run.batches[-1] if run.batches else 0:.2f} s, its finish {run.finish_seconds:.2f} s; the floor's "
              f"statement into the real table (indexes, WAL) {real.seconds:.2f} s, ratio {total / real.seconds:.2f}")
        agree = figures == expected and differ == 0
        write(f"  floor:    {figures}")
        write(f"  analysis: {expected}")
        write(f"  {'they agree' if agree else 'THEY DIFFER'}: {differ} rows found in only one of the two")
        print_worker(write, worker)
        print_explained(write, f"EXPLAIN (ANALYZE, BUFFERS) of one batch at {half:,} of {large_size:,} leaders "
                               "(rolled back)", explained)
        print_explained(write, "EXPLAIN (ANALYZE, BUFFERS) of the finish's aggregates (rolled back)", finish_explained)
        if small is None or large is None:
            write("\nHeatmap pages: skipped (no gaps:heatmap route yet).")
            bench.failed = not agree
        else:
            write("\nThe heatmap of the current analysis, the pilot cycle's at 30 leaders and the rated cycle's at "
                  f"10,000. Its cells (aggregate rows) by unit / by role: {cells[small_size]} at 30 leaders, "
                  f"{cells[large_size]} at 10,000: the rated cycle's framework has 40 competencies, the pilot's 10, "
                  "so 10k / 30 compares pages of different sizes.")
            bench.failed = print_report(write, {small_size: small, large_size: large}, workdir) or not agree
        write(f"\nGap analysis bench: {time.perf_counter() - bench_started:.0f} s in all")
