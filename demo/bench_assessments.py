"""Benchmarks of the 360° assessments (`manage.py bench --part assessments`; part of `make bench`).

On a throwaway database of its own (as demo/bench.py's page part, whose tools it uses), PostgreSQL for
the figures that matter:

1. 30 leaders (`seed_demo`: the demo's released and open cycles): the progress page of each cycle and
   one leader's results page, through gunicorn beside the login page; query counts in this process.
2. 10,000 leaders with ratings (`seed_demo --leaders 10000 --with-ratings`: a 40-competency framework
   and a closed cycle with about 84,000 questionnaires and 3.2 million answers), then in this process:
   - opening a new cycle of the 10,000 leaders: `start_opening` (the request) and `open_cycle` (the
     task) — goal 30 s together — and, beside them, recording its invitations (the email task);
   - releasing the rated cycle over its 3.2 million answers — goal 60 s;
   - the same pages as at 30 leaders, with EXPLAIN ANALYZE of every query;
   - saving an answer (the htmx POST of the questionnaire page) from 16 concurrent raters against
     gunicorn with the Procfile's two workers, beside the login page under the same 16 clients in
     the same run (rounds of only one, only the other, and both alternating): median and p95 seen
     by the clients — goal: p95 within 3 times the login page's.
Each step prints wall time, SQL queries and this process's peak memory; gunicorn's worker peak is
printed as for the list pages. The tasks the services queue after commit do not run in this process
(a worker would run them): each is timed as its own step.
"""

from __future__ import annotations

import math
import re
import statistics
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

from django.core.management.base import CommandError
from django.db import connection, transaction

from demo.bench import (
    LOGIN_PAGE,
    LOGIN_PAGE_LABEL,
    SIZES,
    Browser,
    Gunicorn,
    Page,
    Write,
    _read_access_log,
    analyze_tables,
    bench_run,
    peak_rss_mb,
    percentile,
    print_report,
)

GOAL_OPENING_SECONDS = 30
GOAL_RELEASE_SECONDS = 60
GOAL_SAVE_VS_TRIVIAL = 3.0
CLIENTS = 16
#: The Procfile's default (WEB_CONCURRENCY).
WEB_WORKERS = 2
#: Requests per client in each round (see ROUND_KINDS).
REQUESTS_PER_ROUND = 16
ROUNDS = 2
OPENING_CYCLE = "Benchmark 360 — opening"
#: The leader whose results page is timed: one with direct reports and peers at both sizes.
RESULTS_LEADER_INDEX = {30: 3, 10_000: 1500}


@dataclass
class Step:
    name: str
    seconds: float
    queries: int
    peak_mb: float
    note: str = ""
    goal: float | None = None


def timed(name: str, action: Callable[[], str | None], goal: float | None = None) -> Step:
    """Wall time and queries of `action` (counted, not kept: the bulk writes' SQL is large)."""
    count = [0]

    def counting(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counting):
        started = time.perf_counter()
        note = action() or ""
        seconds = time.perf_counter() - started
    return Step(name, seconds, count[0], peak_rss_mb(), note, goal)


@contextmanager
def tasks_not_run():
    """What the services queue after commit is left to the worker, which is not part of the step."""
    with mock.patch.object(transaction, "on_commit", lambda func, using=None, robust=False: None):
        yield


def _hr():
    from accounts.models import User
    from demo.seed import DEMO_DOMAIN

    return User.objects.get(email=f"hr@{DEMO_DOMAIN}")


# --- opening and releasing -----------------------------------------------------------------------


def opening_steps(write: Write) -> list[Step]:
    from assessments.models import Cycle
    from assessments.services import cycles, emails
    from demo.seed_ratings import RATED_CYCLE
    from profiles.models import Person

    hr = _hr()
    version = Cycle.objects.get(name=RATED_CYCLE).framework_version
    state: dict = {}

    def create() -> str:
        from datetime import timedelta

        from django.utils import timezone

        today = timezone.localdate()
        cycle = cycles.create_cycle(actor=hr, name=OPENING_CYCLE, framework_version=version, opens_on=today,
                                    closes_on=today + timedelta(days=21))
        added = cycles.add_leaders(cycle, Person.objects.filter(role_profile__framework_version=version), actor=hr)
        state["cycle"] = cycle
        return f"{added:,} leaders"

    def start() -> str:
        with tasks_not_run():
            state["cycle"] = cycles.start_opening(state["cycle"], actor=hr)
        return "checks every leader's profile; the opening task is queued"

    def open_() -> str:
        with tasks_not_run():
            cycle = cycles.open_cycle(state["cycle"].pk, actor=hr)
        count = cycle.participants.aggregate(n=_count("questionnaires"))["n"]
        return f"{cycle.get_status_display().lower()}: {count:,} questionnaires (self, manager, direct reports)"

    def invitations() -> str:
        with tasks_not_run():
            recorded = emails.send_cycle_emails(state["cycle"].pk)
        return f"{recorded:,} invitations recorded (sending them is the send tasks', in batches)"

    steps = [timed("cycle of 10,000 leaders: create, add leaders", create),
             timed("  start_opening (the request)", start),
             timed("  open_cycle (the task)", open_)]
    steps.append(Step("  opening: start_opening + open_cycle", steps[1].seconds + steps[2].seconds,
                      steps[1].queries + steps[2].queries, steps[2].peak_mb, goal=GOAL_OPENING_SECONDS))
    steps.append(timed("  send_cycle_emails (the task after opening)", invitations))
    return steps


def _count(relation: str):
    from django.db.models import Count

    return Count(relation)


def release_step() -> Step:
    from assessments.models import Answer, Cycle
    from assessments.release import release_cycle
    from demo.seed_ratings import RATED_CYCLE

    cycle = Cycle.objects.get(name=RATED_CYCLE)
    answers = Answer.objects.filter(questionnaire__participant__cycle=cycle).count()

    def release() -> str:
        from assessments.models import ResultCell, ResultComment

        with tasks_not_run():
            done = release_cycle(cycle, actor=_hr())
        cells = ResultCell.objects.filter(participant__cycle=cycle)
        return (f"{answers:,} answers: release {done.number}, {cells.count():,} cells "
                f"({cells.filter(suppressed=True).count():,} suppressed), "
                f"{ResultComment.objects.filter(participant__cycle=cycle).count():,} comments")

    return timed("release_cycle over the rated cycle", release, goal=GOAL_RELEASE_SECONDS)


def print_steps(write: Write, steps: list[Step]) -> None:
    write(f"{'step':<52} {'seconds':>8} {'queries':>8} {'peak MB':>8}  {'goal':>9}  note")
    for step in steps:
        goal = ""
        if step.goal is not None:
            goal = f"<= {step.goal:.0f} {'ok' if step.seconds <= step.goal else 'OVER'}"
        write(f"{step.name:<52} {step.seconds:>8.2f} {step.queries:>8} {step.peak_mb:>8.0f}  {goal:>9}  {step.note}")


# --- pages -----------------------------------------------------------------------------------------


def assessment_pages(leaders: int) -> list[Page]:
    """The login page, the progress page of an open and of a released cycle, and one leader's results."""
    from django.urls import reverse

    from assessments.models import Cycle, CycleStatus, Participant
    from demo.seed import employee_id
    from demo.seed_assessments import OPEN_CYCLE, RELEASED_CYCLE
    from demo.seed_ratings import RATED_CYCLE

    names = (OPEN_CYCLE, RELEASED_CYCLE) if leaders < 1000 else (OPENING_CYCLE, RATED_CYCLE)
    open_cycle, released = (Cycle.objects.get(name=name) for name in names)
    assert released.status == CycleStatus.RELEASED, f"{released} is {released.status}, not released"
    leader = employee_id(RESULTS_LEADER_INDEX[leaders])
    participant = Participant.objects.get(cycle=released, person__employee_id=leader)
    return [
        Page(LOGIN_PAGE_LABEL, LOGIN_PAGE, anonymous=True),
        Page("progress, open cycle", reverse("assessments:cycle_detail", args=[open_cycle.pk])),
        Page("progress, released cycle", reverse("assessments:cycle_detail", args=[released.pk])),
        Page("results of one leader", reverse("assessments:participant_results", args=[participant.pk])),
    ]


# --- saving answers under load ---------------------------------------------------------------------


#: Rounds, in order: each client sends only login-page requests, only saves, or alternates the two.
ROUND_KINDS = ("trivial", "save", "mixed")
KINDS = {"trivial": LOGIN_PAGE_LABEL, "save": "save an answer (htmx POST)"}


@dataclass
class LoadResult:
    """Client-side and server-side milliseconds per (round, request kind)."""

    latencies: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    server_ms: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    seconds: float = 0.0
    worker_peak_mb: float | None = None

    @property
    def failed(self) -> bool:
        return any(set(counter) != {200} for counter in self.statuses.values())


@dataclass
class Rater:
    email: str
    questionnaire: int
    competencies: list[int]
    browser: Browser | None = None
    csrf: str = ""
    sent: int = 0


def load_raters(count: int) -> list[Rater]:
    """Leaders whose self-assessment in the freshly opened cycle is still to do, spread over the
    organisation."""
    from assessments.models import Group, Questionnaire, QuestionnaireStatus
    from assessments.services.answering import required_ids

    found = list(Questionnaire.objects.filter(participant__cycle__name=OPENING_CYCLE, group=Group.SELF,
                                              status=QuestionnaireStatus.PENDING)
                 .select_related("participant", "rater__user").order_by("pk"))
    step = max(1, len(found) // count)
    return [Rater(q.rater.user.email, q.pk, required_ids(q.participant)) for q in found[::step][:count]]


def _sign_in(server: Gunicorn, rater: Rater) -> None:
    from demo.seed import DEMO_PASSWORD

    rater.browser = Browser(server.base_url)
    rater.browser.sign_in(rater.email, DEMO_PASSWORD)
    status, html, _headers = rater.browser.request(f"/assessments/q/{rater.questionnaire}/")
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if status != 200 or not match:
        raise CommandError(f"{rater.email}'s questionnaire answered {status} without a form to answer.")
    rater.csrf = match.group(1)


def _one_request(server: Gunicorn, rater: Rater, kind: str) -> tuple[int, float]:
    """A save (the next competency, another level each time) or an anonymous first visit of the login page."""
    if kind == "trivial":
        browser, target, form, headers = Browser(server.base_url, cookies=False), LOGIN_PAGE, None, {}
    else:
        competency = rater.competencies[rater.sent % len(rater.competencies)]
        level = 1 + (rater.sent // len(rater.competencies) + rater.sent) % 5
        rater.sent += 1
        browser, target = rater.browser, f"/assessments/q/{rater.questionnaire}/answer/{competency}/"
        form = {"csrfmiddlewaretoken": rater.csrf, f"c{competency}-level": str(level), f"c{competency}-comment": ""}
        headers = {"HX-Request": "true", "HX-Current-URL": f"{server.base_url}/assessments/q/{rater.questionnaire}/",
                   "X-CSRFToken": rater.csrf}
    started = time.perf_counter()
    status, _body, _headers = browser.request(target, form, headers)
    return status, (time.perf_counter() - started) * 1000


def saving_under_load(served: dict[str, str], workdir: Path, clients: int) -> LoadResult:
    raters = load_raters(clients)
    server = Gunicorn(served, workdir / "gunicorn-load", workers=WEB_WORKERS)
    result = LoadResult()
    lock = threading.Lock()

    def run_round(round_kind: str, measured: bool) -> None:
        barrier = threading.Barrier(len(raters))

        def client(rater: Rater) -> None:
            barrier.wait()  # all start together
            for number in range(REQUESTS_PER_ROUND):
                kind = ("save", "trivial")[number % 2] if round_kind == "mixed" else round_kind
                status, elapsed = _one_request(server, rater, kind)
                if measured:
                    with lock:
                        result.latencies[round_kind, kind].append(elapsed)
                        result.statuses[kind][status] += 1

        threads = [threading.Thread(target=client, args=(rater,)) for rater in raters]
        offset = server.access_log.stat().st_size
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if measured:
            expected = len(raters) * REQUESTS_PER_ROUND
            for key, micros in _read_access_log(server.access_log, offset, expected):
                kind = "save" if "/answer/" in key else "trivial" if key.startswith(LOGIN_PAGE) else None
                if kind:
                    result.server_ms[round_kind, kind].append(micros / 1000)

    try:
        server.wait_until_answering()
        for rater in raters:
            _sign_in(server, rater)
        for round_kind in ROUND_KINDS:  # warm-up: both workers import, connect and fill their caches
            run_round(round_kind, measured=False)
        started = time.perf_counter()
        for _ in range(ROUNDS):
            for round_kind in ROUND_KINDS:
                run_round(round_kind, measured=True)
        result.seconds = time.perf_counter() - started
        result.worker_peak_mb = server.worker_peak_mb()
    finally:
        server.stop()
    return result


def _median_p95(samples: list[float]) -> tuple[float, float]:
    return (statistics.median(samples), percentile(samples, 0.95)) if samples else (math.nan, math.nan)


def print_load(write: Write, result: LoadResult, clients: int) -> None:
    write(f"\nSaving an answer (the questionnaire's htmx POST) under {clients} concurrent clients against gunicorn "
          f"with {WEB_WORKERS} sync workers (the Procfile's default), beside the login page (GET, anonymous) in "
          f"the same run: rounds of only login-page requests, only saves, and both alternating, {ROUNDS} of "
          f"each in turn, {REQUESTS_PER_ROUND} requests per client and round ({result.seconds:.1f} s). Client "
          f"times include the wait for a free worker; server times are gunicorn's own.")
    head = f"{'round':<9} {'request':<28} {'n':>5} {'median':>8} {'p95':>8}  {'server median':>13} {'server p95':>10}"
    write(head)
    write("-" * len(head))
    p95 = {}
    for round_kind in ROUND_KINDS:
        for kind, label in KINDS.items():
            samples = result.latencies.get((round_kind, kind))
            if not samples:
                continue
            median, p95[round_kind, kind] = _median_p95(samples)
            server_median, server_p95 = _median_p95(result.server_ms.get((round_kind, kind), []))
            write(f"{round_kind:<9} {label:<28} {len(samples):>5} {median:>8.1f} {p95[round_kind, kind]:>8.1f}  "
                  f"{server_median:>13.1f} {server_p95:>10.1f}")
    for what, save, trivial in (("saves alone / login page alone", ("save", "save"), ("trivial", "trivial")),
                                ("saves / login page, alternating", ("mixed", "save"), ("mixed", "trivial"))):
        ratio = p95[save] / p95[trivial] if p95.get(trivial) else math.nan
        verdict = "ok" if ratio <= GOAL_SAVE_VS_TRIVIAL else "OVER"
        write(f"p95 {what}: {ratio:.2f} (goal <= {GOAL_SAVE_VS_TRIVIAL:.0f}: {verdict})")
    write(f"HTTP statuses: {', '.join(f'{KINDS[k]} {dict(c)}' for k, c in result.statuses.items())}; "
          f"gunicorn worker peak memory {result.worker_peak_mb or 0:.0f} MB")


# --- the run ---------------------------------------------------------------------------------------


def run_assessment_bench(write: Write, warmup: int, repeats: int, clients: int = CLIENTS) -> None:
    small_size, large_size = SIZES
    with bench_run(write, "assessments") as bench:
        postgresql = bench.database.vendor == "postgresql"
        if not postgresql:
            write("The 10,000-leader figures are PostgreSQL's (COPY, EXPLAIN): run with DATABASE_URL=postgres://...")
        bench.seed(small_size, note="(the demo's released and open cycles)")
        analyze_tables()
        small = bench.time_pages(assessment_pages(small_size), small_size, warmup, repeats, explain=False)

        output = bench.seed(large_size, "--with-ratings")
        for line in output.splitlines():
            if line.startswith("Rated cycle"):
                write(f"  {line}")
        started = time.perf_counter()
        analyze_tables()
        write(f"VACUUM ANALYZE: {time.perf_counter() - started:.1f} s")
        steps = opening_steps(write)
        steps.append(release_step())
        analyze_tables()
        write("")
        print_steps(write, steps)
        large = bench.time_pages(assessment_pages(large_size), large_size, warmup, repeats, explain=postgresql)
        load = saving_under_load(bench.served, bench.workdir, clients)
        bench.failed = print_report(write, {small_size: small, large_size: large}, bench.workdir)
        print_load(write, load, clients)
        bench.failed = bench.failed or load.failed
