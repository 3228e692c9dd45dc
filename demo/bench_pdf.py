"""Benchmarks of the PDF pipeline (`manage.py bench --part pdf`; part of `make bench`).

On a throwaway database of its own (the tools of demo/bench.py), seeded with `seed_demo` (30
leaders; its pilot cycle is released):

1. Render time, in this process: each case of CASES (the released 360° report of the leader with the
   most shown cells, and the demo's development plan with the most actions) rendered REPEATS times through
   its real function (`render_<doc>_pdf(obj)`: template, WeasyPrint, PDF/A-3b), the median against
   the median of WeasyPrint rendering a plain HTML document (paragraphs of text, default settings)
   of the same page count in the same run; printed with the ratio (goal <= 2).
2. Memory of a real Celery pdf worker as the Procfile runs it (`-Q <queue> --concurrency 1
   --max-tasks-per-child N`, production settings, the bench's Redis): 200 `documents.tasks.
   render_document` tasks, each for a queued Document of a released participant (one render at a
   time per participant, as the pipeline allows), while /proc of the worker's child processes is
   sampled: the peak VmHWM and VmRSS over the children (each recycled after N tasks) and of the
   parent, and the renders per second.

Redis: as demo/bench.py (BENCH_REDIS_URL when set, e.g. redis://127.0.0.1:6379/3).
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from demo.bench import Write, bench_run, celery_worker, proc_status_mb

GOAL_RATIO = 2.0
RENDERS = 200
MAX_TASKS_PER_CHILD = 50  # as the Procfile's pdf: line defaults to
WORKER_TIMEOUT = 900
PLAIN_PARAGRAPH = ("Competence is the ability to apply knowledge and skills to achieve intended results. "
                   "The organisation determines the necessary competence of the people doing work under its "
                   "control that affects the performance and effectiveness of the quality management system.")


@dataclass(frozen=True)
class PdfCase:
    """One document to time: `build()` finds or makes its object, `render(obj)` is its real renderer."""

    label: str
    build: Callable[[], Any]
    render: Callable[[Any], bytes]


def _results_participant():
    from django.db.models import Count

    from assessments.models import CycleStatus
    from assessments.results import results_participants

    participant = (results_participants().filter(cycle__status=CycleStatus.RELEASED)
                   .annotate(shown_cells=Count("cells")).order_by("-shown_cells", "pk").first())
    if participant is None:
        raise CommandError("seed_demo left no released participant to render.")
    return participant


def _render_results(participant) -> bytes:
    from assessments.pdf import render_results_pdf

    return render_results_pdf(participant)


def _demo_plan():
    """The demo plan with the most actions (seed_devplans drafts, submits and signs three)."""
    from django.db.models import Count

    from devplans.models import Plan

    plan = Plan.objects.annotate(actions=Count("objectives__actions")).order_by("-actions", "pk").first()
    if plan is None:
        raise CommandError("seed_demo left no development plan to render.")
    return plan


def _render_plan(plan) -> bytes:
    from devplans.pdf import render_plan_pdf

    return render_plan_pdf(plan)


#: The documents timed, each against a plain document of its page count.
CASES: list[PdfCase] = [PdfCase("development plan", _demo_plan, _render_plan),
                        PdfCase("released 360° report", _results_participant, _render_results)]


def _pages(data: bytes) -> int:
    from io import BytesIO

    import pikepdf  # requirements-dev.txt, which `make bench` installs

    with pikepdf.open(BytesIO(data)) as pdf:
        return len(pdf.pages)


def plain_html(paragraphs: int) -> str:
    body = "".join(f"<p>{index}. {PLAIN_PARAGRAPH}</p>" for index in range(paragraphs))
    return f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Plain</title></head><body>{body}</body></html>"


def _plain_pages(paragraphs: int) -> int:
    from weasyprint import HTML

    return len(HTML(string=plain_html(paragraphs)).render().pages)


def plain_paragraphs_for(pages: int) -> int:
    """The fewest paragraphs whose plain document has `pages` pages (A4 is WeasyPrint's default too)."""
    low, high = 1, 8
    while _plain_pages(high) < pages:
        low, high = high, high * 2
    while low < high:
        middle = (low + high) // 2
        if _plain_pages(middle) < pages:
            low = middle + 1
        else:
            high = middle
    return low


def _median_seconds(run: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def time_case(write: Write, case: PdfCase, repeats: int, warmup: int) -> None:
    from weasyprint import HTML

    obj = case.build()
    data = case.render(obj)
    for _ in range(max(0, warmup - 1)):
        case.render(obj)
    pages = _pages(data)
    paragraphs = plain_paragraphs_for(pages)
    html = plain_html(paragraphs)
    plain = HTML(string=html).write_pdf()
    rendered = _median_seconds(lambda: case.render(obj), repeats)
    baseline = _median_seconds(lambda: HTML(string=html).write_pdf(), repeats)
    ratio = rendered / baseline if baseline else float("inf")
    verdict = "ok" if ratio <= GOAL_RATIO else "OVER"
    write(f"{case.label}: {pages} page{'s' if pages != 1 else ''}, {len(data) / 1024:.0f} KB; median of {repeats}: "
          f"{rendered * 1000:.0f} ms; plain WeasyPrint document of {_pages(plain)} pages ({paragraphs} paragraphs): "
          f"{baseline * 1000:.0f} ms; ratio {ratio:.2f} (goal <= {GOAL_RATIO:g}: {verdict})")


# --- the worker's memory over 200 renders ------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


class Sampler(threading.Thread):
    """Reads VmHWM and VmRSS of the worker and its children every 50 ms until stopped."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.stopped = threading.Event()
        self.children: dict[int, tuple[float, float]] = {}
        self.parent = (0.0, 0.0)

    def run(self) -> None:
        while not self.stopped.is_set():
            self.parent = self._max(self.parent, self.pid)
            for child in _children(self.pid):
                self.children[child] = self._max(self.children.get(child, (0.0, 0.0)), child)
            time.sleep(0.05)

    @staticmethod
    def _max(seen: tuple[float, float], pid: int) -> tuple[float, float]:
        hwm, rss = proc_status_mb(pid, "VmHWM"), proc_status_mb(pid, "VmRSS")
        return (max(seen[0], hwm or 0.0), max(seen[1], rss or 0.0))


def worker_memory(write: Write, env: dict[str, str], logdir: Path, renders: int, max_tasks: int) -> None:
    from assessments.models import CycleStatus, Participant
    from documents.models import ACTIVE_STATUSES, Document, DocumentStatus
    from documents.registry import get_kind

    if "REDIS_URL" not in env:
        write("pdf worker: skipped (no Redis answers; a worker needs Redis and PostgreSQL).")
        return
    participants = list(Participant.objects.filter(cycle__status=CycleStatus.RELEASED).order_by("pk"))
    if not participants:
        raise CommandError("No released participant to render.")
    hr = _hr()
    source = get_kind("results").source_sha256
    hashes = {p.pk: source(p) for p in participants}
    queue = f"bench-pdf-{os.getpid()}"
    with celery_worker(env, logdir / "pdf-worker.log", queue=queue, node=f"{queue}@{os.uname().nodename}",
                       what="pdf worker", options=["--concurrency", "1", "--max-tasks-per-child", str(max_tasks),
                                                   "--loglevel", "WARNING"]) as worker:
        process, client = worker.process, worker.client
        sampler = Sampler(process.pid)
        start_rss = proc_status_mb(process.pid, "VmRSS")
        sampler.start()
        try:
            started = time.perf_counter()
            sent, active, failed = 0, {}, 0
            deadline = time.monotonic() + WORKER_TIMEOUT
            while (sent < renders or active) and time.monotonic() < deadline and process.poll() is None:
                if active:
                    statuses = dict(Document.objects.filter(pk__in=active.values()).values_list("pk", "status"))
                    for participant_id, document_id in list(active.items()):
                        if statuses.get(document_id) not in ACTIVE_STATUSES:
                            failed += statuses.get(document_id) == DocumentStatus.FAILED
                            del active[participant_id]
                for participant in participants:
                    if sent >= renders:
                        break
                    if participant.pk in active:
                        continue
                    document = Document.objects.create(kind="results", object_id=participant.pk,
                                                       source_sha256=hashes[participant.pk], requested_by=hr)
                    client.send_task("documents.tasks.render_document", args=[document.pk], queue=queue)
                    active[participant.pk] = document.pk
                    sent += 1
                time.sleep(0.05)
            seconds = time.perf_counter() - started
            done = Document.objects.filter(status=DocumentStatus.DONE).count()
        finally:
            sampler.stopped.set()
    children = sampler.children
    peak_hwm = max((hwm for hwm, _rss in children.values()), default=0.0)
    peak_rss = max((rss for _hwm, rss in children.values()), default=0.0)
    write(f"pdf worker (-Q {queue} --concurrency 1 --max-tasks-per-child {max_tasks}, production settings): "
          f"{done} of {sent} renders done{f', {failed} failed' if failed else ''} in {seconds:.1f} s "
          f"({done / seconds if seconds else 0:.1f} a second) over {len(participants)} leaders' reports; "
          f"{len(children)} child process{'es' if len(children) != 1 else ''} (recycled every {max_tasks}); peak of "
          f"a child: VmHWM {peak_hwm:.0f} MB, VmRSS {peak_rss:.0f} MB; parent: VmHWM {sampler.parent[0]:.0f} MB "
          f"(VmRSS {start_rss or 0:.0f} MB at start)")
    per_child = ", ".join(f"{hwm:.0f}" for _pid, (hwm, _rss) in sorted(children.items()))
    write(f"  peak VmHWM per child, in order (MB): {per_child}")


def _hr():
    from accounts.models import Role, User

    return User.objects.filter(role=Role.HR).order_by("pk").first()


def run_pdf_bench(write: Write, warmup: int, repeats: int, *, renders: int = RENDERS,
                  max_tasks: int = MAX_TASKS_PER_CHILD) -> None:
    bench_started = time.perf_counter()
    with bench_run(write, "pdf") as bench:
        bench.private_media()
        bench.seed(30)
        for case in CASES:
            time_case(write, case, repeats, warmup)
        worker_memory(write, bench.served if "REDIS_URL" in bench.served else {}, bench.workdir, renders, max_tasks)
        write(f"\nPDF bench: {time.perf_counter() - bench_started:.0f} s in all")
        bench.failed = False
