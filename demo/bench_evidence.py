"""Benchmarks of the evidence packs (`manage.py bench --part evidence`; part of `make bench`).

On a throwaway database of its own (the tools of demo/bench.py), seeded with `seed_demo --leaders 100`:

1. One leader's pack, in this process: `render_pack_pdf` (dossier, HTML, WeasyPrint PDF/A-3b, the
   embedded certificates and manifest, the PAdES signature) for the demo leader with the most records,
   median of REPEATS (goal <= 5 s), with its pages, size and records.
2. The organisation's pack (every active person, at least the 100 leaders) as ONE task on a real Celery
   worker as the Procfile runs it (production settings, the bench's Redis), timed from the task's send to
   its document being done (goal <= 60 s). A pack is one signed file, so it is rendered by one worker:
   splitting it into per-person parts and merging them would need a PDF merger in production and a
   signature over the merged file; the time of one task is what the goal is measured against.
3. Throughput with two workers (`--concurrency 2`): the 100 leaders' own packs, one task each, all sent
   at once; the wall time until all are done.

Redis: as demo/bench.py (BENCH_REDIS_URL when set, e.g. redis://127.0.0.1:6379/7).
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.test import override_settings

from demo.bench import Write, bench_run, celery_worker, run_manage

LEADERS = 100
GOAL_ONE_LEADER = 5.0
GOAL_ORGANISATION = 60.0
WORKER_TIMEOUT = 900


def _hr():
    from accounts.models import Role, User

    return User.objects.filter(role=Role.HR).order_by("pk").first()


def _richest_leader():
    """The demo leader with the most records (a released result, training, a plan), for a fair test."""
    from django.db.models import Count

    from profiles.models import Person

    person = (Person.objects.filter(active=True, role_profile__isnull=False)
              .annotate(n=Count("cycle_participations", distinct=True) + Count("enrolments", distinct=True)
                        + Count("development_plans", distinct=True) + Count("certificates", distinct=True))
              .order_by("-n", "pk").first())
    if person is None:
        raise CommandError("seed_demo left no leader with a role.")
    return person


def _pack(scope: str, person=None):
    from django.utils import timezone

    from evidence.models import EvidencePack
    from evidence.packs import scope_label

    pack, _created = EvidencePack.objects.get_or_create(
        scope=scope, person=person, as_at=timezone.localdate(),
        defaults={"requested_by": _hr(), "scope_label": scope_label(scope, person)[:250]})
    return pack


def _pages(data: bytes) -> int:
    from io import BytesIO

    import pikepdf  # requirements-dev.txt, which `make bench` installs

    with pikepdf.open(BytesIO(data)) as pdf:
        return len(pdf.pages)


def one_leader(write: Write, repeats: int, warmup: int) -> None:
    from evidence.pack_pdf import render_pack_pdf

    person = _richest_leader()
    pack = _pack("leader", person)
    for _ in range(max(1, warmup)):
        data = render_pack_pdf(pack)
    times = []
    for _ in range(max(1, repeats)):
        started = time.perf_counter()
        data = render_pack_pdf(pack)
        times.append(time.perf_counter() - started)
    pack.refresh_from_db()
    median = statistics.median(times)
    verdict = "ok" if median <= GOAL_ONE_LEADER else "OVER"
    write(f"one leader's pack ({person}): {_pages(data)} pages, {len(data) / 1024:.0f} KB, "
          f"{len(pack.manifest['records'])} records; median of {len(times)}: {median:.2f} s "
          f"(min {min(times):.2f}, max {max(times):.2f}; goal <= {GOAL_ONE_LEADER:g} s: {verdict})")


def _render_on_worker(env: dict[str, str], logdir: Path, packs: list, concurrency: int) -> tuple[float, int, int]:
    """Sends one render task per pack to a fresh worker; (seconds until all done, done, failed)."""
    from documents.models import ACTIVE_STATUSES, Document, DocumentStatus
    from documents.registry import get_kind

    kind = get_kind("pack")
    hr = _hr()
    queue = f"bench-evidence-{os.getpid()}-{concurrency}"
    with celery_worker(env, logdir / f"evidence-worker-{concurrency}.log", queue=queue,
                       node=f"{queue}@{os.uname().nodename}", what="evidence worker",
                       options=["--concurrency", str(concurrency), "--max-tasks-per-child", "50",
                                "--loglevel", "WARNING"]) as worker:
        process, client = worker.process, worker.client
        documents = [Document.objects.create(kind="pack", object_id=pack.pk, source_sha256=kind.source_sha256(pack),
                                             requested_by=hr) for pack in packs]
        started = time.perf_counter()
        for document in documents:
            client.send_task("documents.tasks.render_document", args=[document.pk], queue=queue)
        ids = [document.pk for document in documents]
        deadline = time.monotonic() + WORKER_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            if not Document.objects.filter(pk__in=ids, status__in=ACTIVE_STATUSES).exists():
                break
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        done = Document.objects.filter(pk__in=ids, status=DocumentStatus.DONE).count()
        failed = Document.objects.filter(pk__in=ids, status=DocumentStatus.FAILED).count()
        if failed:
            error = Document.objects.filter(pk__in=ids, status=DocumentStatus.FAILED).values_list("error", flat=True)[0]
            raise CommandError(f"{failed} pack render(s) failed: {error}")
    return seconds, done, failed


def organisation(write: Write, env: dict[str, str], logdir: Path) -> None:
    from documents.models import Document

    from evidence.packs import people_in_scope

    pack = _pack("organisation")
    people = people_in_scope(pack).count()
    seconds, done, _failed = _render_on_worker(env, logdir, [pack], concurrency=1)
    document = Document.objects.filter(kind="pack", object_id=pack.pk).get()
    pack.refresh_from_db()
    verdict = "ok" if seconds <= GOAL_ORGANISATION else "OVER"
    write(f"organisation pack, one task on a pdf worker: {people} people, {len(pack.manifest['records'])} records, "
          f"{document.size / 1024 / 1024:.1f} MB; {seconds:.1f} s from send to done "
          f"(goal <= {GOAL_ORGANISATION:g} s: {verdict})")


def leaders_throughput(write: Write, env: dict[str, str], logdir: Path) -> None:
    from profiles.models import Person

    people = list(Person.objects.filter(active=True, role_profile__isnull=False).order_by("pk")[:LEADERS])
    packs = [_pack("leader", person) for person in people]
    seconds, done, _failed = _render_on_worker(env, logdir, packs, concurrency=2)
    write(f"{len(packs)} leaders' own packs on a worker with --concurrency 2: {done} done in {seconds:.1f} s "
          f"({seconds / max(1, done):.2f} s a pack of wall time; goal <= {GOAL_ORGANISATION:g} s in all: "
          f"{'ok' if seconds <= GOAL_ORGANISATION else 'OVER'})")


def run_evidence_bench(write: Write, warmup: int, repeats: int, *, leaders: int = LEADERS) -> None:
    bench_started = time.perf_counter()
    with bench_run(write, "evidence") as bench:
        private = bench.private_media()
        storages = {**settings.STORAGES, "private": {**settings.STORAGES["private"],
                                                     "OPTIONS": {"location": private, "base_url": None}}}
        with override_settings(PRIVATE_MEDIA_ROOT=private, STORAGES=storages):
            bench.seed(leaders)
            run_manage(bench.env, "ensure_pack_certificate")
            one_leader(write, min(repeats, 5), min(warmup, 1))
            if "REDIS_URL" in bench.served:
                organisation(write, bench.served, bench.workdir)
                leaders_throughput(write, bench.served, bench.workdir)
            else:
                write("worker figures: skipped (no Redis answers; a worker needs Redis and PostgreSQL).")
        write(f"\nEvidence bench: {time.perf_counter() - bench_started:.0f} s in all")
        bench.failed = False
