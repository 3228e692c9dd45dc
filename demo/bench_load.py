"""Load: 50 raters saving answers at once for 60 s through gunicorn (`manage.py bench --part load`).

On a throwaway database of its own (the tools of demo/bench.py): `seed_demo` (the demo organisation with
enough leaders for the raters), then a 360° cycle of all its leaders opened as the services open one, so each
leader has a self-assessment still to do. Gunicorn serves it with production settings (when Redis answers) and
WEB_WORKERS x WEB_THREADS gthread workers; each rater signs in through the login form and opens their
questionnaire for its CSRF token (before the clock starts, as in bench_assessments). Then locust runs headless
(demo/locust_raters.py, in a subprocess: it runs on gevent) for the given seconds: every rater saves answers as
the questionnaire page's autosave does, and a few probe users GET the sign-in page (anonymous) beside them in the same run.

Afterwards, in this process: every save locust counted as done (200, "saved") is in the database with the
level and comment of the last one sent for its competency (no lost answer), the questionnaires hold no
answer nobody sent, and no request failed. It prints p50 and p95 of the saves and of the sign-in page as the clients
saw them (locust's figures) and as gunicorn measured them, their ratios, requests per second and the number of
answers.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from demo.bench import (
    Gunicorn,
    Write,
    analyze_tables,
    bench_run,
    existing_database,
    percentile,
    run_manage,
)
from demo.bench_assessments import Rater, _sign_in, tasks_not_run

RATERS = 50
PROBES = 5
SECONDS = 60
#: Two cores: one worker process per core, and threads so that a worker waiting on PostgreSQL or Redis serves
#: another request meanwhile (8 database connections in all, kept open as in production).
WEB_WORKERS = 2
WEB_THREADS = 4
LOAD_CYCLE = "Load test 360"
LOCUSTFILE = Path(__file__).with_name("locust_raters.py")
SAVE_NAME = "save an answer (htmx POST)"  # as demo/locust_raters.py names its requests
PROBE_NAME = "sign-in page (GET)"
PROBE_PATH = "/accounts/login/"
#: Seconds locust gives a user to finish the request in flight when the time is up: a save the server
#: committed is then counted on both sides.
STOP_TIMEOUT = 15


@dataclass
class Figures:
    """One request kind: client-side (locust) and server-side (gunicorn) milliseconds."""

    requests: int = 0
    failures: int = 0
    p50: float = float("nan")
    p95: float = float("nan")
    per_second: float = 0.0
    server_ms: list[float] = field(default_factory=list)

    def server(self, share: float) -> float:
        return percentile(self.server_ms, share) if self.server_ms else float("nan")


@dataclass
class LoadReport:
    raters: int
    probes: int
    seconds: float
    saves: Figures
    probe: Figures
    total_per_second: float
    confirmed_saves: int  # saves the locustfile wrote down (200, "saved")
    cells: int  # distinct (questionnaire, competency) they saved
    stored: int  # answers in those questionnaires afterwards
    lost: list[str]  # cells whose stored answer is not the last one confirmed
    unexpected: int  # stored answers no confirmed save explains
    failures: list[str]  # locust's failure lines and non-2xx statuses in gunicorn's log
    worker_peak_mb: float | None = None

    @property
    def failed(self) -> bool:
        return bool(self.lost or self.unexpected or self.failures or self.saves.failures or self.probe.failures
                    or self.saves.requests == 0 or self.confirmed_saves != self.saves.requests - self.saves.failures)


# --- preparing: a cycle whose leaders each have a self-assessment to do ------------------------------


def open_load_cycle() -> int:
    """A cycle of every leader with a role profile in the demo framework, opened by the services (the opening
    task run here). Returns its id."""
    from django.utils import timezone

    from assessments.models import Cycle
    from assessments.services import cycles
    from demo.bench_assessments import _hr
    from demo.seed_assessments import OPEN_CYCLE
    from profiles.models import Person

    hr = _hr()
    version = Cycle.objects.get(name=OPEN_CYCLE).framework_version
    today = timezone.localdate()
    with tasks_not_run():
        cycle = cycles.create_cycle(actor=hr, name=LOAD_CYCLE, framework_version=version, opens_on=today,
                                    closes_on=today + timedelta(days=21))
        cycles.add_leaders(cycle, Person.objects.filter(role_profile__framework_version=version), actor=hr)
        cycle = cycles.start_opening(cycle, actor=hr)
        cycles.open_cycle(cycle.pk, actor=hr)
    return cycle.pk


def load_raters(cycle_id: int, count: int) -> list[Rater]:
    """The first `count` leaders of the cycle with their self-assessment still to do: each a different person."""
    from assessments.models import Group, Questionnaire, QuestionnaireStatus
    from assessments.selectors import required_ids

    found = list(Questionnaire.objects.filter(participant__cycle_id=cycle_id, group=Group.SELF,
                                              status=QuestionnaireStatus.PENDING, rater__user__isnull=False)
                 .select_related("participant", "rater__user").order_by("pk")[:count])
    if len(found) < count:
        raise CommandError(f"Only {len(found)} leaders have a self-assessment to do; {count} raters were asked for.")
    return [Rater(q.rater.user.email, q.pk, required_ids(q.participant)) for q in found]


def sign_in_all(server: Gunicorn, raters: list[Rater]) -> list[dict]:
    """Each rater signed in through the login form and on their questionnaire page, as locust's users will
    start: their cookies and the page's CSRF token."""
    with ThreadPoolExecutor(max_workers=WEB_WORKERS * WEB_THREADS) as pool:
        list(pool.map(lambda rater: _sign_in(server, rater), raters))  # password hashing dominates: in parallel
    return [{"email": rater.email, "questionnaire": rater.questionnaire, "competencies": rater.competencies,
             "csrf": rater.csrf, "cookies": {cookie.name: cookie.value for cookie in rater.browser.cookies}}
            for rater in raters]


# --- running locust --------------------------------------------------------------------------------


def run_locust(base_url: str, workdir: Path, prepared: list[dict], probes: int, seconds: int) -> Path:
    """Locust headless in a subprocess for `seconds`; returns the folder of what it wrote."""
    out = workdir / "locust"
    out.mkdir()
    (out / "raters.json").write_text(json.dumps(prepared))
    env = {**os.environ, "PROFICIO_LOAD_RATERS": str(out / "raters.json"), "PROFICIO_LOAD_SAVES": str(out / "saves.json"),
           "PROFICIO_LOAD_PROBES": str(probes)}
    users = len(prepared) + probes
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", base_url,
               "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{seconds}s",
               "--stop-timeout", str(STOP_TIMEOUT), "--only-summary",
               "--loglevel", "WARNING"]
    result = subprocess.run(command, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True,
                            timeout=seconds + STOP_TIMEOUT + 120)
    (out / "locust.log").write_text(result.stdout + result.stderr)
    # Exit code 1 means "some requests failed": the report says which. Anything else is locust itself.
    if result.returncode not in (0, 1) or not (out / "saves.json").exists():
        raise CommandError(f"locust exited with {result.returncode}:\n{(result.stdout + result.stderr)[-3000:]}")
    return out


def read_locust(out: Path) -> tuple[list[list], dict[str, Figures], float, list[str]]:
    """The confirmed saves; per request name: count, failures, p50, p95 and requests per second; the total rate;
    the failures (as demo/locust_raters.py wrote them once every user had stopped)."""
    written = json.loads((out / "saves.json").read_text())
    figures = {name: Figures(entry["requests"], entry["failures"], _number(entry["p50"]), _number(entry["p95"]),
                             entry["per_second"]) for name, entry in written["figures"].items()}
    return written["saves"], figures, written["per_second"], written["errors"]


def _number(value: float | None) -> float:
    return float("nan") if value is None else float(value)


def read_server_times(server: Gunicorn, offset: int, figures: dict[str, Figures]) -> list[str]:
    """gunicorn's own milliseconds per request kind from its access log; the non-2xx statuses it wrote."""
    bad = []
    with server.access_log.open() as log:
        log.seek(offset)
        for line in log:
            key, status, micros = line.rsplit(" ", 2)
            name = SAVE_NAME if "/answer/" in key else PROBE_NAME if key.startswith(PROBE_PATH) else None
            if name in figures:
                figures[name].server_ms.append(int(micros) / 1000)
            if not status.startswith("2"):
                bad.append(f"gunicorn: {key} answered {status}")
    return bad


# --- checking the database -------------------------------------------------------------------------


def check_answers(confirmed: list[list], questionnaires: list[int]) -> tuple[int, int, list[str], int]:
    """(cells saved, answers stored, lost cells, unexpected answers): each rater's saves were sequential, so
    the last confirmed save of a cell is what the database must hold."""
    from assessments.models import Answer

    expected = {(q, c): (level, comment) for q, c, level, comment in confirmed}
    stored = {(q, c): (level, comment) for q, c, level, comment in Answer.objects.filter(
        questionnaire_id__in=questionnaires).values_list("questionnaire_id", "competency_id", "level", "comment")}
    lost = [f"questionnaire {q}, competency {c}: sent {expected[q, c]}, stored {stored.get((q, c))}"
            for q, c in sorted(expected) if stored.get((q, c)) != expected[q, c]]
    return len(expected), len(stored), lost, len(set(stored) - set(expected))


# --- the run ---------------------------------------------------------------------------------------


def run_load_bench(write: Write, seconds: int = SECONDS, raters: int = RATERS, probes: int = PROBES,
                   production: bool = True, database: str | None = None) -> LoadReport:
    """The load part. A short test runs gunicorn with development settings (`production=False`: no Redis to
    share with other runs, no collectstatic, which takes a minute) on its own migrated test database
    (`database`, seeded here and emptied by the test), instead of creating, migrating and dropping one."""
    existing = existing_database(database) if database else None
    with bench_run(write, "load", production=production, timed=True, database=existing) as bench:
        # gunicorn imports the project while the data is seeded: it reads the database only when asked.
        server = Gunicorn(bench.served, bench.workdir / "gunicorn-load", workers=WEB_WORKERS, threads=WEB_THREADS)
        try:
            started = time.perf_counter()
            leaders = max(30, raters + 10)
            run_manage(bench.env, "seed_demo", "--leaders", str(leaders), "--quiet-logins")
            cycle_id = open_load_cycle()
            analyze_tables()
            chosen = load_raters(cycle_id, raters)
            write(f"seed_demo --leaders {leaders} and a cycle of them opened: {time.perf_counter() - started:.1f} s")
            with server:
                started = time.perf_counter()
                prepared = sign_in_all(server, chosen)
                write(f"{raters} raters signed in and on their questionnaires: {time.perf_counter() - started:.1f} s")
                offset = server.access_log.stat().st_size
                started = time.perf_counter()
                out = run_locust(server.base_url, bench.workdir, prepared, probes, seconds)
                elapsed = time.perf_counter() - started
                peak = server.worker_peak_mb()
        finally:
            server.stop()  # also when seeding failed
        confirmed, figures, total, failures = read_locust(out)
        failures += read_server_times(server, offset, figures)
        cells, stored, lost, unexpected = check_answers(confirmed, [rater.questionnaire for rater in chosen])
        report = LoadReport(raters, probes, elapsed, figures.get(SAVE_NAME, Figures()),
                            figures.get(PROBE_NAME, Figures()), total, len(confirmed), cells, stored, lost,
                            unexpected, failures, peak)
        print_load_report(write, report, seconds)
        bench.failed = report.failed
    return report


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("nan")


def print_load_report(write: Write, report: LoadReport, seconds: int) -> None:
    write(f"\n{report.raters} raters saving answers (the questionnaire's autosave, htmx POST with CSRF) and "
          f"{report.probes} anonymous users on the sign-in page, in one locust run of {seconds} s (headless; {report.seconds:.0f} s "
          f"with start and stop) against gunicorn with {WEB_WORKERS} workers x {WEB_THREADS} threads on the loopback. "
          "Client times are locust's (including the wait for a free thread), server times gunicorn's own.")
    head = (f"{'request':<28} {'n':>6} {'failed':>6} {'req/s':>6}  {'p50':>6} {'p95':>6}  "
            f"{'server p50':>10} {'server p95':>10}")
    write(head)
    write("-" * len(head))
    for name, figures in ((SAVE_NAME, report.saves), (PROBE_NAME, report.probe)):
        write(f"{name:<28} {figures.requests:>6} {figures.failures:>6} {figures.per_second:>6.1f}  "
              f"{figures.p50:>6.0f} {figures.p95:>6.0f}  {figures.server(0.5):>10.1f} {figures.server(0.95):>10.1f}")
    saves, probe = report.saves, report.probe
    write(f"save / sign-in page: p50 {_ratio(saves.p50, probe.p50):.2f}, p95 {_ratio(saves.p95, probe.p95):.2f} "
          f"(server: p50 {_ratio(saves.server(0.5), probe.server(0.5)):.2f}, "
          f"p95 {_ratio(saves.server(0.95), probe.server(0.95)):.2f})")
    mean_server = statistics.mean(saves.server_ms) if saves.server_ms else float("nan")
    write(f"requests per second: {report.total_per_second:.1f} in all; a save takes {mean_server:.1f} ms of server "
          f"time on average; gunicorn worker peak memory {report.worker_peak_mb or 0:.0f} MB")
    write(f"answers: {report.confirmed_saves} saves confirmed (locust counted {saves.requests - saves.failures} "
          f"successful) over {report.cells} competencies of {report.raters} questionnaires; {report.stored} answers "
          f"stored; lost: {len(report.lost)}; stored without a save: {report.unexpected}; failed requests: "
          f"{len(report.failures)}")
    for line in report.lost[:20] + report.failures[:20]:
        write(f"  ! {line}")
    write("No error, no lost answer." if not report.failed else "FAILED: see the lines marked !")
