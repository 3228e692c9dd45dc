"""Fixtures shared by the whole suite: services (Redis, a real Celery worker, Chromium) and people.

With REQUIRE_SERVICES=1 (CI) a missing PostgreSQL, Redis or Chromium stops the run with an error
instead of letting the tests that need them skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import UserFactory  # noqa: F401  (re-exported for tests)

REPO_ROOT = Path(__file__).resolve().parent.parent


def _find_interop() -> Path | None:
    """The shared files from other systems (Moodle, CASE, ISO clause list) are not part of the
    repository: they sit in shared/fixtures/interop beside it (PROFICIO_INTEROP_DIR overrides)."""
    configured = os.environ.get("PROFICIO_INTEROP_DIR")
    candidates = [Path(configured)] if configured else []
    candidates += [parent / "shared" / "fixtures" / "interop" for parent in REPO_ROOT.parents]
    candidates.append(Path("/work/shared/fixtures/interop"))
    return next((path for path in candidates if (path / "README.md").exists()), None)


INTEROP_DIR = _find_interop()


def interop(name: str) -> Path:
    """A shared fixture file; its test skips without the folder (and fails with REQUIRE_SERVICES=1)."""
    if INTEROP_DIR is None:
        skip_or_fail("the shared interop fixtures are not beside the repository (set PROFICIO_INTEROP_DIR)")
    return INTEROP_DIR / name
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


#: Variables that configure Proficio or only this test run; subprocesses that play a fresh start drop them.
SETTINGS_VARIABLES = frozenset({
    "DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "MEDIA_ROOT", "STATIC_ROOT", "DJANGO_SETTINGS_MODULE",
    "ALLOWED_HOSTS", "REQUIRE_SERVICES", "DJANGO_ALLOW_ASYNC_UNSAFE",
})


def fresh_environment(**overrides: str) -> dict[str, str]:
    """This process's environment without Proficio's settings or pytest's variables, plus `overrides`."""
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES and not k.startswith("PYTEST")}
    env.update(overrides)
    return env


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES", "") == "1"


def chromium_path() -> str | None:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured if Path(configured).exists() else None
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


def _redis_reachable() -> tuple[bool, str]:
    url = os.environ.get("REDIS_URL")
    if not url:
        return False, "REDIS_URL is not set"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        return True, ""
    except redis.RedisError as error:
        return False, f"Redis at {url} does not answer ({error})"


def pytest_sessionstart(session: pytest.Session) -> None:
    if not services_required() or hasattr(session.config, "workerinput"):
        return
    problems = []
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        problems.append("DATABASE_URL does not point to PostgreSQL")
    ok, why = _redis_reachable()
    if not ok:
        problems.append(why)
    if chromium_path() is None:
        problems.append("Chromium is not installed (apt-get install chromium)")
    if problems:
        pytest.exit("REQUIRE_SERVICES=1 but: " + "; ".join(problems), returncode=3)


def pytest_unconfigure(config: pytest.Config) -> None:
    """The controller removes the run's media folders (config/settings_test.py made them for all its processes);
    pytest-django has already dropped each process's test database."""
    if hasattr(config, "workerinput"):
        return
    from config import settings_test

    folder = os.environ.get("PROFICIO_TEST_TMP")
    if settings_test.TEST_TMP_CREATED and folder:
        shutil.rmtree(folder, ignore_errors=True)


def stop_process(process: subprocess.Popen, *, timeout: float) -> None:
    """SIGTERM, then SIGKILL if it has not stopped within `timeout` seconds; returns once it has gone."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def skip_or_fail(reason: str) -> None:
    if services_required():
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def redis_url() -> str:
    ok, why = _redis_reachable()
    if not ok:
        skip_or_fail(why)
    return os.environ["REDIS_URL"]


@pytest.fixture(scope="session")
def postgres(django_db_setup) -> None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        skip_or_fail("needs PostgreSQL (set DATABASE_URL)")


def _worker_environment() -> dict[str, str]:
    from django.db import connection

    db = connection.settings_dict
    env = os.environ.copy()
    env["DJANGO_SETTINGS_MODULE"] = "config.settings_test"
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    return env


def worker_log_path() -> Path:
    """The log of this test process's Celery worker: one per queue, since the pytest-xdist processes
    share MEDIA_ROOT (the controller sets it for all of them)."""
    return Path(settings.MEDIA_ROOT) / f"celery-worker-{settings.CELERY_TASK_DEFAULT_QUEUE}.log"


@pytest.fixture(scope="session")
def celery_worker_process(redis_url, postgres, django_db_setup, django_db_blocker):
    """A real Celery worker in its own process, on Redis, reading this process's test database.

    It needs PostgreSQL: SQLite's test database lives in this process's memory, out of the worker's reach.
    """
    from config.celery import app

    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    node = f"{queue}@{os.uname().nodename}"
    log_path = worker_log_path()
    with django_db_blocker.unblock(), open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
             "--queues", f"{queue},{settings.PDF_QUEUE}",
             "--hostname", node, "--loglevel", "INFO", "--without-gossip", "--without-mingle"],
            cwd=REPO_ROOT, env=_worker_environment(), stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[node], timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"The Celery worker did not start:\n{log_path.read_text()[-3000:]}")
        yield {"node": node, "pid": process.pid, "queue": queue}
    finally:
        stop_process(process, timeout=20)


@pytest.fixture
def celery_worker(celery_worker_process, transactional_db):
    """Tasks in this test go through Redis to the worker instead of running in-process.

    The test's writes are committed so the worker sees them; the flush that ends such a test is
    followed by post_migrate, which restores the reference data (see competency/reference_data.py).
    """
    from config.celery import app

    app.conf.task_always_eager = False
    try:
        yield celery_worker_process
    finally:
        app.conf.task_always_eager = True
        _wait_until_idle(app, celery_worker_process["node"])


def _wait_until_idle(app, node: str, timeout: float = 60) -> None:
    """Waits until the worker has finished what this test queued, before the flush that ends the test: a task
    still writing while the tables are truncated deadlocks with the flush. A solo-pool worker answers control
    messages only between tasks, so a reply with nothing reserved means it is idle."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reply = app.control.inspect(destination=[node], timeout=0.5).reserved()
        if reply is not None and not reply.get(node):
            return
        time.sleep(0.1)



@pytest.fixture
def hr(db):
    """An HR manager (most tests act as one)."""
    from accounts.models import Role

    return UserFactory(email="hr@example.com", first_name="Hannah", last_name="Reid", role=Role.HR)


@pytest.fixture
def scale(db):
    """The default scale, Proficio 1-5 (reference data)."""
    from competency.models import ProficiencyScale

    return ProficiencyScale.objects.get(name="Proficio 1-5")


@pytest.fixture
def draft(hr, scale):
    """Draft v1 of an empty framework "Leadership"."""
    from competency import services

    return services.framework_create(name="Leadership", code="leadership", description="", scale=scale, owner=hr)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Throttles and cached health reports live in the cache; each test starts without them."""
    from django.core.cache import cache

    cache.clear()
    yield
