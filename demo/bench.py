"""Benchmarks for `make bench`, in two parts, each on its own throwaway database.

Part 1, scenarios: the heavy write paths that issues name (seed_demo with 10,000 leaders, its
idempotent repetition, a 10,000-row people import and its repetition), run in this process on
Django's test database (`test_<name>`, created and dropped by Django's test set-up). Each prints
wall time, SQL queries and this process's peak memory so far.

Part 2, pages: every list page timed through gunicorn, as people reach it. A database of its own
(`<name>_bench` beside DATABASE_URL's database on its server, a temporary SQLite file otherwise) is
migrated and seeded with 30 leaders by `manage.py` in subprocesses, gunicorn serves it with one
worker, and the bench signs in as the demo HR user through the login form. The pages are requested
round-robin (so machine noise hits all of them alike) after a few warm-up rounds, and the server
time of each request is read from gunicorn's access log (`%(D)s`: the time gunicorn measured, in
microseconds, without the client's share). The same database then grows to 10,000 leaders and is
measured again. After each seeding the tables are vacuumed and analysed (as autovacuum would soon
do), and each size gets a fresh gunicorn, whose worker's peak memory is reported. The table gives
median and p95 at both sizes and the two ratios of the goals: a page at 10,000 within 1.5 times the
same page at 30, and within 5 times the anonymous login page. Query counts come from the same pages
requested in this process (django.test.Client, this process's connection pointed at the bench
database); at 10,000 leaders on PostgreSQL every SELECT of each page is run again under
EXPLAIN (ANALYZE, BUFFERS), because a constant query count says nothing about what each query costs.
gunicorn is always stopped and the database dropped at the end, whatever happens; the logs are kept
(and their folder printed) only when a page failed.

Part 3, the 360° assessments (opening, release, progress and results pages, saving answers under
load), lives in demo/bench_assessments.py and uses the tools of part 2.

Every part after the first (pages, assessments, gaps, training, pdf, evidence, evidence-landing, load)
runs inside `bench_run` here: its throwaway database and folder, the environments of manage.py and
of gunicorn, this process pointed at the database, and the clean-up (logs kept when it failed). Pages
are timed with `BenchRun.time_pages` (a fresh gunicorn, the requests, the queries in this process),
and Celery workers start with `celery_worker`.

`manage.py bench --part scenarios|pages|assessments` runs one part; `--repeats` and `--warmup` set the
number of measured and unmeasured rounds of requests.
"""

from __future__ import annotations

import http.cookiejar
import math
import os
import re
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

Write = Callable[[str], None]

# --- part 1: scenarios on the test database ------------------------------------------------------


@dataclass
class Measurement:
    name: str
    seconds: float
    queries: int
    peak_rss_mb: float
    note: str = ""


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def measure(name: str, action: Callable[[], str | None]) -> Measurement:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        note = action() or ""
        elapsed = time.perf_counter() - started
    return Measurement(name, elapsed, len(queries), peak_rss_mb(), note)


SCENARIOS: list[tuple[str, Callable[[], str | None]]] = []


def scenario(name: str):
    def register(action: Callable[[], str | None]):
        SCENARIOS.append((name, action))
        return action

    return register


LEADERS = 10_000


@scenario(f"seed_demo --leaders {LEADERS:,}")
def _seed_demo() -> str:
    from demo.seed import seed_demo_organisation

    report = seed_demo_organisation(leaders=LEADERS)
    return f"{report.created_people:,} people, {report.updated_managers:,} managers"


@scenario(f"seed_demo --leaders {LEADERS:,} again (idempotent)")
def _seed_demo_again() -> str:
    from demo.seed import seed_demo_organisation

    report = seed_demo_organisation(leaders=LEADERS)
    return f"{report.created_people} created, {report.updated_managers} changed"


def _people_csv(rows: int) -> bytes:
    """A people file in the demo organisation's units and roles, managers in a tree of five."""
    from demo.seed import ORG_UNITS

    units = [code for code, _name, _parent in ORG_UNITS]
    lines = ["employee_id,first_name,last_name,email,org_unit,role_profile,manager_email"]
    for i in range(rows):
        manager = "" if i == 0 else f"bench{(i - 1) // 5}@bench.example"
        role = "department-manager" if i * 5 + 1 < rows else "production-team-leader"
        lines.append(f"B{i:06d},Bench{i},Person{i % 97},bench{i}@bench.example,{units[i % len(units)]},{role},{manager}")
    return ("\n".join(lines) + "\n").encode()


IMPORT_ROWS = 10_000
_bench_file: dict[str, bytes] = {}


@scenario(f"people import: {IMPORT_ROWS:,} new rows (read, check, write)")
def _people_import_new() -> str:
    from accounts.models import User
    from profiles.importers import apply_people_plan, plan_people_import, read_table

    _bench_file["csv"] = _people_csv(IMPORT_ROWS)
    plan = plan_people_import(read_table(_bench_file["csv"], "bench.csv"))
    result = apply_people_plan(plan, actor=User.objects.get(email=HR_EMAIL))
    return f"{result.created:,} created, {len(result.invited_user_ids):,} invitations to send"


@scenario(f"people import: the same {IMPORT_ROWS:,} rows again")
def _people_import_again() -> str:
    from accounts.models import User
    from profiles.importers import apply_people_plan, plan_people_import, read_table

    plan = plan_people_import(read_table(_bench_file["csv"], "bench.csv"))
    result = apply_people_plan(plan, actor=User.objects.get(email=HR_EMAIL))
    return f"{result.created} created, {result.updated} updated, {result.unchanged:,} unchanged"


def run_scenarios(write: Write) -> None:
    write(f"{'scenario':<58} {'seconds':>8} {'queries':>8} {'peak MB':>8}  note")
    # Scenarios run in order: each builds on the data of those before it.
    for name, action in SCENARIOS:
        result = measure(name, action)
        write(f"{result.name:<58} {result.seconds:>8.2f} {result.queries:>8} {result.peak_rss_mb:>8.0f}  {result.note}")


# --- part 2: list pages through gunicorn ---------------------------------------------------------

HR_EMAIL = "hr@demo.proficio.example"
#: The bench database sits beside the configured one: proficio_bench beside proficio, <name>_bench beside
#: any other, so that two checkouts sharing a server do not drop each other's bench database.
BENCH_DATABASE_SUFFIX = "_bench"
SIZES = (30, 10_000)
PEOPLE_PER_PAGE = 50  # as profiles.views shows them; only a fallback when the page itself cannot say
SEARCH_WORD = "jensen"  # the first of the demo surnames: about one leader in forty has it
GOAL_VS_SMALL = 1.5
GOAL_VS_LOGIN = 5.0
LOGIN_PAGE = "/accounts/login/"
LOGIN_PAGE_LABEL = "login page (anonymous)"


@dataclass(frozen=True)
class Page:
    label: str
    target: str  # path and query string, as gunicorn's access log writes them
    anonymous: bool = False


@dataclass
class PageTiming:
    server_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)

    @property
    def failed(self) -> bool:
        return set(self.statuses) != {200}


@dataclass
class QueryCost:
    sql: str
    execution_ms: float
    planning_ms: float
    plan: list[str]


@dataclass
class PageQueries:
    status: int
    sqls: list[str]
    explained: list[QueryCost] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.sqls)


@dataclass
class SizeResult:
    pages: list[Page]
    timings: dict[str, PageTiming]
    queries: dict[str, PageQueries]
    worker_peak_mb: float | None
    seconds: float = 0.0  # the measured rounds through gunicorn

# --- the throwaway database


@dataclass
class BenchDatabase:
    vendor: str
    name: str  # the PostgreSQL database, or the SQLite file
    url: str  # DATABASE_URL for the subprocesses


def _maintenance_connection():
    """A connection to the server's `postgres` database, where databases are created and dropped."""
    import psycopg

    options = connection.settings_dict
    params = {key: options[name] for key, name in
              (("host", "HOST"), ("port", "PORT"), ("user", "USER"), ("password", "PASSWORD")) if options.get(name)}
    return psycopg.connect(dbname="postgres", autocommit=True, **params)


def create_bench_database(workdir: Path) -> BenchDatabase:
    if connection.vendor != "postgresql":
        path = workdir / "bench.sqlite3"
        return BenchDatabase("sqlite", str(path), f"sqlite:///{path}")
    name = connection.settings_dict["NAME"] + BENCH_DATABASE_SUFFIX
    with _maintenance_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # a run that was killed
        conn.execute(f'CREATE DATABASE "{name}"')
    url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}")
    return BenchDatabase("postgresql", name, urllib.parse.urlunsplit(url))


def existing_database(name: str) -> BenchDatabase:
    """A migrated PostgreSQL database on DATABASE_URL's server (a test's own), to bench on as it is."""
    url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}")
    return BenchDatabase("postgresql", name, urllib.parse.urlunsplit(url))


def drop_bench_database(database: BenchDatabase) -> None:
    if database.vendor == "postgresql":
        with _maintenance_connection() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')
    # The SQLite file goes with the work folder.


@contextmanager
def django_pointed_at(database: BenchDatabase) -> Iterator[None]:
    """This process's own connection reads the bench database, as Django's test set-up does for test_*."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import cache

    original = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = database.name
    ContentType.objects.clear_cache()  # ids cached from part 1's database
    cache.clear()
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original
        ContentType.objects.clear_cache()
        cache.clear()


# --- subprocesses: manage.py and gunicorn


#: The bench's own Redis databases (the queues and, next to it, the cache): far from those of make run and CI.
BENCH_REDIS_DATABASE = 13


def _bench_redis_url() -> str | None:
    """A Redis server to run the production stack against, or None when there is none."""
    import redis

    configured = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    base = configured.rsplit("/", 1)[0] if configured.count("/") > 2 else configured
    url = f"{base}/{BENCH_REDIS_DATABASE}"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return None
    return url


def production_environment(database: BenchDatabase, workdir: Path, write: Write) -> dict[str, str]:
    """What gunicorn (and a bench's Celery worker) runs with: production settings (DEBUG off, persistent
    database connections, WhiteNoise's manifest of static files, the cache in Redis) when Redis answers,
    as in a deployment; development settings otherwise, with a note. Plain HTTP on the loopback: no
    HTTPS redirect, and the bench's own client sends the secure cookies it is given. The queues go to
    Redis database 13 and the cache to 14, or to the databases BENCH_REDIS_URL and BENCH_REDIS_CACHE_URL
    name (for a bench beside others on one Redis); each starts empty."""
    env = server_environment(database, workdir)
    chosen = os.environ.get("BENCH_REDIS_URL")
    redis_url = chosen or _bench_redis_url()
    if redis_url is None:
        write("No Redis answers: gunicorn runs with development settings (DEBUG on, a new database "
              "connection per request), which makes every page slower than in production.")
        return env
    import redis

    emptied = [redis_url] if chosen else [f"{redis_url.rsplit('/', 1)[0]}/{number}"
                                          for number in (BENCH_REDIS_DATABASE, BENCH_REDIS_DATABASE + 1)]
    for url in emptied:
        redis.Redis.from_url(url).flushdb()
    env.update(DEBUG="false", REDIS_URL=redis_url, SITE_URL="http://127.0.0.1", SECURE_SSL_REDIRECT="false",
               SECURE_HSTS_SECONDS="0")
    if chosen and os.environ.get("BENCH_REDIS_CACHE_URL"):
        env["REDIS_CACHE_URL"] = os.environ["BENCH_REDIS_CACHE_URL"]
    run_manage(env, "collectstatic", "--noinput", "-v", "0")
    where = f"{redis_url} (BENCH_REDIS_URL)" if chosen else f"database {BENCH_REDIS_DATABASE}"
    write(f"gunicorn runs with production settings (DEBUG off) on Redis {where} and its static files collected")
    return env


def server_environment(database: BenchDatabase, workdir: Path) -> dict[str, str]:
    """Development mode (no HTTPS redirect, no Redis: tasks in-process) on the bench database: what
    manage.py runs with (seed_demo refuses production settings)."""
    for folder in ("static", "media"):
        (workdir / folder).mkdir(exist_ok=True)
    env = {key: value for key, value in os.environ.items()
           if key not in {"REDIS_URL", "REDIS_CACHE_URL", "EMAIL_HOST", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="true",
        DATABASE_URL=database.url,
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        # Pages link to static files but the bench never fetches them; folders of its own keep
        # WhiteNoise quiet and the project's folders untouched.
        STATIC_ROOT=str(workdir / "static"),
        MEDIA_ROOT=str(workdir / "media"),
        PYTHONUNBUFFERED="1",
    )
    return env


def run_manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env,
                            capture_output=True, text=True)
    if result.returncode:
        raise CommandError(f"manage.py {' '.join(args)} failed:\n{_tail(result.stdout + result.stderr)}")
    return result.stdout.strip()


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """Sync workers (one unless told; with threads, gthread workers), the access log giving path?query, status
    and microseconds per request."""

    def __init__(self, env: dict[str, str], logdir: Path, workers: int = 1, threads: int = 1) -> None:
        logdir.mkdir(parents=True, exist_ok=True)
        self.access_log = logdir / "access.log"
        self.error_log = logdir / "error.log"
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        with self.error_log.open("w") as errors:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{self.port}",
                 "--workers", str(workers), "--threads", str(threads),
                 "--timeout", "120",  # a slow page at 10,000 must be measured, not killed
                 # The control socket lives at one path in $HOME: another gunicorn there would clash.
                 "--no-control-socket",
                 "--access-logfile", str(self.access_log), "--access-logformat", "%(U)s?%(q)s %(s)s %(D)s"],
                cwd=settings.BASE_DIR, env=env, stdout=errors, stderr=subprocess.STDOUT,
            )

    def wait_until_answering(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise CommandError(f"gunicorn exited with {self.process.returncode}:\n{self.error_tail()}")
            try:
                urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
                    self.base_url + LOGIN_PAGE, timeout=5).close()
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise CommandError(f"gunicorn did not answer within {timeout:.0f} s:\n{self.error_tail()}")

    def worker_peak_mb(self) -> float | None:
        """The worker's peak resident memory (VmHWM), read from /proc while it still runs."""
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        except OSError:
            return None
        return proc_status_mb(children[0], "VmHWM") if children else None

    def error_tail(self, lines: int = 40) -> str:
        try:
            return _tail(self.error_log.read_text(errors="replace"), lines)
        except OSError:
            return "(no error log)"

    def __enter__(self) -> Gunicorn:
        try:
            self.wait_until_answering()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()  # its access log is complete once it has stopped

    def stop(self) -> None:
        if self.process.poll() is None:
            stop_process(self.process, timeout=30)  # on SIGTERM the master stops its workers


def stop_process(process: subprocess.Popen, *, timeout: float) -> None:
    """SIGTERM, then SIGKILL if it has not stopped within `timeout` seconds; returns once it has gone."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def proc_status_mb(pid: int | str, key: str) -> float | None:
    """A memory figure of /proc/<pid>/status (VmHWM, VmRSS) in MB; None once the process is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(rf"^{key}:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) / 1024 if match else None


@dataclass
class Worker:
    process: subprocess.Popen
    node: str
    client: object  # a Celery app on the worker's broker, to send tasks and pings with


@contextmanager
def celery_worker(env: dict[str, str], log_path: Path, *, queue: str, node: str, options: list[str],
                  what: str = "Celery worker") -> Iterator[Worker]:
    """A worker of the project as the Procfile runs one (with `env`'s settings and broker, `options` such as
    --concurrency), on `queue` as `node`; yielded once it answers a ping, stopped afterwards whatever happens."""
    from celery import Celery

    log_path.parent.mkdir(parents=True, exist_ok=True)
    client = Celery(f"bench-{queue}", broker=env["REDIS_URL"])
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "--hostname", node, *options,
             "--without-gossip", "--without-mingle"],
            cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not client.control.ping(destination=[node], timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                raise CommandError(f"The {what} did not start:\n{log_path.read_text()[-3000:]}")
        yield Worker(process, node, client)
    finally:
        stop_process(process, timeout=60)
        client.close()


# --- HTTP, with urllib: the project has no HTTP client library and needs none for this


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    """Report a redirect instead of following it: a list page that redirects has failed."""

    def redirect_request(self, *args, **kwargs):
        return None


class _LoopbackCookiePolicy(http.cookiejar.DefaultCookiePolicy):
    def return_ok_secure(self, cookie, request) -> bool:
        return True


class Browser:
    def __init__(self, base_url: str, cookies: bool = True) -> None:
        self.base_url = base_url
        # The production stack marks its cookies secure; on the loopback the bench sends them over HTTP.
        self.cookies = http.cookiejar.CookieJar(policy=_LoopbackCookiePolicy())
        handlers = [urllib.request.ProxyHandler({}), _KeepRedirects()]  # never via an http_proxy
        if cookies:
            handlers.append(urllib.request.HTTPCookieProcessor(self.cookies))
        self.opener = urllib.request.build_opener(*handlers)

    def request(self, target: str, form: dict[str, str] | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, str, dict[str, str]]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.base_url + target, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.read().decode(errors="replace"), dict(response.headers)
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
            with error:
                return error.code, error.read().decode(errors="replace"), dict(error.headers)

    def sign_in(self, email: str, password: str) -> None:
        status, html, _headers = self.request(LOGIN_PAGE)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if status != 200 or not match:
            raise CommandError(f"The login page answered {status} without a form to sign in with.")
        status, _html, headers = self.request(
            LOGIN_PAGE, {"csrfmiddlewaretoken": match.group(1), "username": email, "password": password})
        if status != 302 or LOGIN_PAGE in headers.get("Location", LOGIN_PAGE):
            raise CommandError(f"Signing in as {email} failed: {status} {headers.get('Location', '')}")


# --- the pages and their timing


def bench_pages(people_last_page: int, version_pk: int | None) -> list[Page]:
    pages = [
        Page(LOGIN_PAGE_LABEL, LOGIN_PAGE, anonymous=True),
        Page("people", "/people/"),
        Page(f"people, searched ({SEARCH_WORD})", f"/people/?q={SEARCH_WORD}"),
        Page("people, last page", f"/people/?page={people_last_page}"),
        Page("profiles", "/profiles/"),
        Page("org tree", "/org/"),
        Page("frameworks", "/frameworks/"),
    ]
    if version_pk is not None:
        pages.append(Page("version tree (starter framework)", f"/frameworks/versions/{version_pk}/"))
    return pages


def _log_key(target: str) -> str:
    return target if "?" in target else target + "?"  # `%(U)s?%(q)s` writes the ? even without a query


def time_pages(server: Gunicorn, pages: list[Page], warmup: int, repeats: int) -> dict[str, PageTiming]:
    from demo.seed import DEMO_PASSWORD

    hr = Browser(server.base_url)
    hr.sign_in(HR_EMAIL, DEMO_PASSWORD)
    timings = {page.label: PageTiming() for page in pages}

    def one_round() -> None:
        for page in pages:
            # The anonymous page gets a fresh browser each time: a first visit, no cookies.
            browser = Browser(server.base_url, cookies=False) if page.anonymous else hr
            status, _html, _headers = browser.request(page.target)
            timings[page.label].statuses[status] += 1

    for _ in range(warmup):
        one_round()
    for timing in timings.values():
        timing.statuses.clear()  # warm-up answers are not counted
    offset = server.access_log.stat().st_size
    for _ in range(repeats):
        one_round()
    by_key = {_log_key(page.target): timings[page.label] for page in pages}
    for key, micros in _read_access_log(server.access_log, offset, expected=len(pages) * repeats):
        if key in by_key:
            by_key[key].server_ms.append(micros / 1000)
    return timings


def _read_access_log(path: Path, offset: int, expected: int) -> list[tuple[str, int]]:
    """(path?query, microseconds) of the lines written after offset; gunicorn writes each line
    after its response, so the last may lag behind the client for a moment."""
    deadline = time.monotonic() + 10
    while True:
        with path.open() as log:
            log.seek(offset)
            lines = [line.rsplit(" ", 2) for line in log.read().splitlines() if line.strip()]
        if len(lines) >= expected or time.monotonic() > deadline:
            return [(key, int(micros)) for key, _status, micros in lines]
        time.sleep(0.2)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: a value that was measured, no interpolation."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


# --- in this process: query counts, and what each query costs


def hr_client():
    from django.test import Client

    from accounts.models import User

    client = Client(raise_request_exception=False)  # a broken page is reported, not raised
    client.force_login(User.objects.get(email=HR_EMAIL))
    return client


def people_last_page(client) -> int:
    """The number of the last page of people as HR sees it, from the page itself if it says."""
    response = client.get("/people/")
    try:
        return response.context["page"].paginator.num_pages
    except (TypeError, KeyError, AttributeError):
        from profiles.models import Person

        return max(1, math.ceil(Person.objects.count() / PEOPLE_PER_PAGE))


def starter_version_pk(write: Write) -> int | None:
    """The published version of the starter framework, or None (and a note) when there is none."""
    try:
        from competency.models import FrameworkVersion, VersionStatus
        from competency.starter import STARTER_CODE

        pk = (FrameworkVersion.objects.filter(framework__code=STARTER_CODE, status=VersionStatus.PUBLISHED)
              .values_list("pk", flat=True).first())
    except Exception as error:  # noqa: BLE001 - the models change under the bench; the other pages still count
        write(f"version tree skipped: the starter framework's version could not be found ({error!r})")
        return None
    if pk is None:
        write("version tree skipped: the starter framework has no published version")
    return pk


def page_queries(pages: list[Page], explain: bool) -> dict[str, PageQueries]:
    from django.test import Client

    hr = hr_client()
    results = {}
    for page in pages:
        client = Client(raise_request_exception=False) if page.anonymous else hr
        client.get(page.target)  # warm-up, as for gunicorn
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page.target)
        sqls = [query["sql"] for query in captured.captured_queries]
        costs = [cost for sql in sqls if (cost := explain_analyze(sql)) is not None] if explain else []
        results[page.label] = PageQueries(response.status_code, sqls, costs)
    return results


def explain_analyze(sql: str) -> QueryCost | None:
    """Runs a SELECT again under EXPLAIN ANALYZE; writes and transaction control are left alone."""
    select = _select_of(sql)
    if select is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {select}")  # no params: the SQL came with its values
        plan = [row[0] for row in cursor.fetchall()]
    return QueryCost(sql, _plan_ms(plan, "Execution"), _plan_ms(plan, "Planning"), plan)


def _plan_ms(plan: list[str], what: str) -> float:
    match = next((m for line in plan if (m := re.match(rf"{what} Time: ([\d.]+) ms", line))), None)
    return float(match.group(1)) if match else 0.0


def _select_of(sql: str) -> str | None:
    """The SELECT a query runs: itself, or the one a server-side cursor (`.iterator()`) declares."""
    declared = re.match(r"\s*DECLARE\s+\S+\s.*?\bCURSOR\b.*?\bFOR\s+(SELECT\b.*)", sql, re.IGNORECASE | re.DOTALL)
    if declared:
        return declared.group(1)
    return sql if re.match(r"\s*(SELECT|WITH)\b", sql, re.IGNORECASE) else None


# --- the skeleton every bench of `make bench` shares


@dataclass
class BenchRun:
    """One bench's throwaway database and folder, with what its subprocesses run with."""

    write: Write
    workdir: Path
    database: BenchDatabase
    env: dict[str, str]  # manage.py's: development settings on the bench database (seed_demo refuses production)
    served: dict[str, str]  # gunicorn's and a Celery worker's: production settings when Redis answers
    failed: bool = True  # until the bench says otherwise: the logs of a broken run are kept

    def seed(self, leaders: int, *options: str, note: str = "") -> str:
        """`seed_demo --leaders N [options]` in a subprocess, its time written; returns its output."""
        started = time.perf_counter()
        output = run_manage(self.env, "seed_demo", "--leaders", str(leaders), *options, "--quiet-logins")
        named = "".join(f" {option}" for option in options) + (f" {note}" if note else "")
        self.write(f"seed_demo --leaders {leaders:,}{named}: {time.perf_counter() - started:.1f} s")
        return output

    def private_media(self) -> Path:
        """A private media folder of its own (evidence files, PDFs) for manage.py, gunicorn and workers."""
        private = self.workdir / "private-media"
        private.mkdir(exist_ok=True)
        self.env["PRIVATE_MEDIA_ROOT"] = self.served["PRIVATE_MEDIA_ROOT"] = str(private)
        return private

    def time_pages(self, pages: list[Page], size: int, warmup: int, repeats: int, explain: bool) -> SizeResult:
        """The pages through a fresh gunicorn (its logs in gunicorn-<size>, where the report looks for them),
        then their queries in this process, under EXPLAIN ANALYZE when asked."""
        with Gunicorn(self.served, self.workdir / f"gunicorn-{size}") as server:
            started = time.perf_counter()
            timings = time_pages(server, pages, warmup, repeats)
            peak = server.worker_peak_mb()
        seconds = time.perf_counter() - started
        return SizeResult(pages, timings, page_queries(pages, explain=explain), peak, seconds)


@contextmanager
def bench_run(write: Write, name: str, *, production: bool = True, timed: bool = False,
              database: BenchDatabase | None = None) -> Iterator[BenchRun]:
    """A bench's run: a folder `proficio-bench-<name>-*`, a database of its own migrated (or `database`, already
    migrated, which is left as it is), the environments of manage.py and of gunicorn (production settings unless
    `production=False`), and this process's connection pointed at the database; `timed` writes how long
    migrate and collectstatic took. Afterwards the database is dropped and the folder removed, unless the
    bench left `failed` set: then its logs are kept and named."""
    workdir = Path(tempfile.mkdtemp(prefix=f"proficio-bench-{name}-"))
    created = None
    run = None
    try:
        if database is None:
            database = created = create_bench_database(workdir)
        write(f"Database: {database.vendor} ({database.name}); logs in {workdir}")
        env = server_environment(database, workdir)
        if created is not None:
            started = time.perf_counter()
            run_manage(env, "migrate", "--noinput", "-v", "0")
            if timed:
                write(f"migrate: {time.perf_counter() - started:.1f} s")
        if production:
            started = time.perf_counter()
            served = production_environment(database, workdir, write)
            if timed:
                write(f"  (with collectstatic: {time.perf_counter() - started:.1f} s)")
        else:
            served = dict(env)
            write("gunicorn runs with development settings (DEBUG on, tasks in-process), as asked.")
        run = BenchRun(write, workdir, database, env, served)
        with django_pointed_at(database):
            yield run
    finally:
        if created is not None:
            drop_bench_database(created)
        if run is not None and not run.failed:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            write(f"Logs kept in {workdir}")


# --- the run


def run_page_bench(write: Write, warmup: int, repeats: int) -> None:
    with bench_run(write, "pages", timed=True) as run:
        results = {leaders: measure_size(run, leaders, warmup, repeats) for leaders in SIZES}
        run.failed = print_report(write, results, run.workdir)


def measure_size(run: BenchRun, leaders: int, warmup: int, repeats: int) -> SizeResult:
    from django.core.cache import cache

    run.seed(leaders)
    cache.clear()  # nothing this process cached may outlive the data it came from
    analyze_tables()
    pages = bench_pages(people_last_page(hr_client()), starter_version_pk(run.write))
    result = run.time_pages(pages, leaders, warmup, repeats,
                            explain=run.database.vendor == "postgresql" and leaders == SIZES[-1])
    run.write(f"{len(pages)} pages x {repeats} requests through gunicorn at {leaders:,} leaders: {result.seconds:.1f} s")
    return result


def analyze_tables() -> None:
    """Planner statistics and visibility maps as autovacuum leaves them a minute after the bulk
    inserts. Without this the plans depend on whether it has run yet, and autovacuum running during
    the measurement takes one of the two cores."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def print_report(write: Write, results: dict[int, SizeResult], workdir: Path) -> bool:
    """The table, the failures and the query costs; True when a page failed."""
    small, large = (results[size] for size in SIZES)
    write("")
    write(f"Server time per request (ms, gunicorn's own measure), median and p95 of each sample; goals: "
          f"10k/30 <= {GOAL_VS_SMALL}, 10k/login <= {GOAL_VS_LOGIN}. Queries: in this process, same page.")
    for line in _table(small, large):
        write(line)
    write("The login page does not depend on the data: its 10k / 30 shows how far the machine's noise moved "
          "between the two measurements.")
    failed = _print_failures(write, results, workdir)
    peaks = ", ".join(f"{size:,} leaders {_mb(results[size].worker_peak_mb)}" for size in SIZES)
    write(f"\ngunicorn worker peak memory (VmHWM): {peaks}")
    if any(page.explained for page in large.queries.values()):
        _print_explain(write, large)
    else:
        write("\nEXPLAIN ANALYZE: PostgreSQL only (run with DATABASE_URL=postgres://...).")
    return failed


def _mb(value: float | None) -> str:
    return f"{value:.0f} MB" if value is not None else "n/a"


def _table(small: SizeResult, large: SizeResult) -> list[str]:
    head = (f"{'page':<34} {'queries':>9}  {'30 leaders':>15}  {'10,000 leaders':>15}  "
            f"{'10k / 30':>10}  {'10k / login':>11}  {'30 / login':>10}")
    sub = (f"{'':<34} {'30':>4} {'10k':>4}  {'median':>7} {'p95':>7}  {'median':>7} {'p95':>7}  "
           f"{'goal ' + str(GOAL_VS_SMALL):>10}  {'goal ' + str(GOAL_VS_LOGIN):>11}  {'(no goal)':>10}")
    lines = [head, sub, "-" * len(head)]
    logins = (_median_and_p95(small, LOGIN_PAGE_LABEL)[0], _median_and_p95(large, LOGIN_PAGE_LABEL)[0])
    for page in large.pages:
        lines.append(_row(page, small, large, logins))
    return lines


def _median_and_p95(result: SizeResult, label: str) -> tuple[float, float]:
    samples = result.timings.get(label, PageTiming()).server_ms
    return (statistics.median(samples), percentile(samples, 0.95)) if samples else (math.nan, math.nan)


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan


def _row(page: Page, small: SizeResult, large: SizeResult, logins: tuple[float, float]) -> str:
    def count(result: SizeResult) -> str:
        queries = result.queries.get(page.label)
        return str(queries.count) if queries else "-"

    (small_median, small_p95), (large_median, large_p95) = (_median_and_p95(r, page.label) for r in (small, large))
    growth = _ratio(large_median, small_median)
    versus_login = _ratio(large_median, logins[1])
    login_goal = "" if page.anonymous else _verdict(versus_login, GOAL_VS_LOGIN)
    broken = [f"{size} HTTP {dict(r.timings[page.label].statuses)}" for size, r in (("30", small), ("10k", large))
              if page.label in r.timings and r.timings[page.label].failed]
    return (f"{page.label:<34} {count(small):>4} {count(large):>4}  {small_median:>7.1f} {small_p95:>7.1f}  "
            f"{large_median:>7.1f} {large_p95:>7.1f}  {growth:>5.2f} {_verdict(growth, GOAL_VS_SMALL):<4}  "
            f"{versus_login:>6.2f} {login_goal:<4}  {_ratio(small_median, logins[0]):>10.2f}"
            + (f"  FAILED: {'; '.join(broken)}" if broken else ""))


def _verdict(ratio: float, goal: float) -> str:
    if math.isnan(ratio):
        return "?"
    return "ok" if ratio <= goal else "OVER"


def _print_failures(write: Write, results: dict[int, SizeResult], workdir: Path) -> bool:
    failures = [(size, label, timing.statuses) for size, result in results.items()
                for label, timing in result.timings.items() if timing.failed]
    for size, result in results.items():
        for label, queries in result.queries.items():
            if queries.status != 200:
                write(f"In this process, {label} at {size:,} leaders answered {queries.status}: "
                      "its query count and plans are of that answer.")
    if not failures:
        return False
    write("\nPages that did not answer 200 (the server log is kept in the folder above):")
    for size, label, statuses in failures:
        write(f"  {size:,} leaders, {label}: {dict(statuses)}")
    for size in sorted({size for size, _label, _statuses in failures}):
        log = workdir / f"gunicorn-{size}" / "error.log"
        write(f"\nTail of {log}:\n{_tail(log.read_text(errors='replace'), 60)}")
    return True


def _print_explain(write: Write, result: SizeResult) -> None:
    write(f"\nEXPLAIN (ANALYZE, BUFFERS) at {SIZES[-1]:,} leaders: each SELECT of each page run again in this "
          "process, on a warm connection, as gunicorn's workers keep theirs (CONN_MAX_AGE 60 s with DEBUG off).")
    for page in result.pages:
        costs = result.queries[page.label].explained
        if not costs:
            write(f"\n{page.label} ({page.target}): no SELECT")
            continue
        total = sum(cost.execution_ms for cost in costs)
        planning = sum(cost.planning_ms for cost in costs)
        slowest = max(costs, key=lambda cost: cost.execution_ms)
        server = _median_and_p95(result, page.label)[0]
        write(f"\n{page.label} ({page.target}): server median {server:.1f} ms; {len(costs)} SELECTs, "
              f"{total:.1f} ms execution + {planning:.1f} ms planning in all; slowest {slowest.execution_ms:.1f} ms:")
        write(f"  SQL: {_shorten(slowest.sql)}")
        for line in slowest.plan[:14]:
            write(f"    {line}")
        for finding in sorted({finding for cost in costs for finding in plan_findings(cost.plan)}):
            write(f"  ! {finding}")
        write("  every query, in order:")
        for sql in result.queries[page.label].sqls:
            cost = next((cost for cost in costs if cost.sql == sql), None)
            timing = f"{cost.execution_ms:>7.2f} ms" if cost else "not explained"
            write(f"  {timing:>13}  {_shorten(sql, 160)}")


def _shorten(sql: str, width: int = 400) -> str:
    """The SQL on one line, its column list left out: what it reads and how is in the rest."""
    flat = _without_columns(" ".join(sql.split()))
    return flat if len(flat) <= width else flat[: width - 4] + " ..."


def _without_columns(sql: str) -> str:
    head = re.match(r"(.*?\bSELECT\s+(?:DISTINCT\s+)?)", sql, re.IGNORECASE)
    if not head:
        return sql
    depth = 0
    for position in range(head.end(), len(sql)):
        depth += {"(": 1, ")": -1}.get(sql[position], 0)
        if depth == 0 and sql.startswith(" FROM ", position):
            columns = sql[head.end():position]
            # Short lists (COUNT(*), a few values) say what the query is for: they stay.
            return sql if len(columns) <= 80 else f"{head.group(1)}... {sql[position + 1:]}"
    return sql


def plan_findings(plan: list[str]) -> list[str]:
    """What a plan does that grows with the data: big sequential scans, filters that read and throw
    away many rows, sorts and hashes that spill to disk. Each named by its plan node."""
    findings = []
    node, condition = "", ""
    for line in plan:
        text = line.strip().removeprefix("->").strip()
        if "(cost=" in text:
            node, condition = text.split("  (cost=")[0], ""
            rows = re.search(r"actual time=\S+ rows=(\d+) loops=(\d+)", text)
            if node.startswith("Seq Scan") and rows and int(rows.group(1)) * int(rows.group(2)) >= 1000:
                findings.append(f"{node} reads {int(rows.group(1)) * int(rows.group(2)):,} rows")
        elif text.startswith(("Filter:", "Join Filter:")):
            condition = _shorten(text.split(":", 1)[1], 120)
        elif removed := re.match(r"Rows Removed by (?:Join )?Filter: (\d+)", text):
            if int(removed.group(1)) >= 1000:
                findings.append(f"{node} discards {int(removed.group(1)):,} rows by {condition}")
        elif "Disk:" in text or int((re.search(r"Batches: (\d+)", text) or [0, "1"])[1]) > 1:
            findings.append(f"{node}: {text}")  # work_mem was too small: the sort or hash went to temp files
    return findings
