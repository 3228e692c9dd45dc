"""Services the fault tests break on purpose, never the shared ones: a Redis server of the test's own, Celery
workers on it that a test may kill, and (test_postgres_restart.py) a PostgreSQL cluster of its own."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import REPO_ROOT, _wait_until_idle, _worker_environment, skip_or_fail, stop_process


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, *, timeout: float, what: str, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(step)
    pytest.fail(f"Waited {timeout:.0f} s for {what}")


class OwnRedis:
    """A redis-server on a free port, started and stopped by the test (no persistence: a stop loses nothing
    Proficio needs to keep, which is what the outbox is for)."""

    def __init__(self, binary: str, workdir: Path):
        self.binary, self.workdir, self.port = binary, workdir, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        import redis

        self.process = subprocess.Popen(
            [self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)

        def answers() -> bool:
            try:
                return client.ping()
            except redis.RedisError:
                return False

        wait_for(answers, timeout=10, what=f"Redis on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def _point_celery_at(app, url: str) -> None:
    """Sends this process's tasks, pings and results through `url`: the cached connection pools and the
    result backend are dropped, so the next use connects there."""
    app.conf.broker_url = url
    app.conf.result_backend = url
    app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


@pytest.fixture
def own_redis(postgres, transactional_db, own_redis_server):
    """`own_redis_server` for a test whose writes are committed, so that workers see them."""
    return own_redis_server


@pytest.fixture
def own_redis_server(tmp_path):
    """A Redis of this test's own, which it may stop and start. Tasks stay in-process (eager) until the test
    calls `own_redis.take_tasks()`, so that its data is built first; from then on they go through this Redis."""
    from config.celery import app

    binary = shutil.which("redis-server")
    if binary is None:
        skip_or_fail("redis-server is not installed (apt-get install redis-server)")
    server = OwnRedis(binary, tmp_path)
    server.start()
    before = (app.conf.broker_url, app.conf.result_backend)

    def take_tasks() -> None:
        app.conf.task_always_eager = False

    server.take_tasks = take_tasks
    _point_celery_at(app, server.url)
    try:
        yield server
    finally:
        app.conf.task_always_eager = True
        server.stop()
        _point_celery_at(app, before[0])
        app.conf.result_backend = before[1]


class Workers:
    """Celery workers on the test's own Redis, on this test process's queues, reading its test database."""

    def __init__(self, redis: OwnRedis, log_dir: Path):
        self.redis, self.log_dir = redis, log_dir
        self.started: list[tuple[subprocess.Popen, str, Path]] = []

    def start(self, *, pool: str = "solo", **env: str) -> subprocess.Popen:
        """A worker with `pool` "solo" (runs tasks in its own process) or "prefork" (as the Procfile runs: a
        main process that forks one child, which runs the tasks and is replaced when it dies)."""
        from config.celery import app

        number = len(self.started) + 1
        node = f"fault{number}-{settings.CELERY_TASK_DEFAULT_QUEUE}@{os.uname().nodename}"
        log_path = self.log_dir / f"worker-{number}.log"
        environment = {**_worker_environment(), "REDIS_URL": self.redis.url, **env}
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", pool, "--concurrency", "1",
                 "--queues", f"{settings.CELERY_TASK_DEFAULT_QUEUE},{settings.PDF_QUEUE}", "--hostname", node,
                 "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
                cwd=REPO_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
        self.started.append((process, node, log_path))
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[node], timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"The Celery worker did not start:\n{log_path.read_text()[-3000:]}")
        return process

    def child_running(self, number: int, task: str) -> int:
        """The pid of the prefork child of worker `number` that is running `task` (its main process answers
        control messages while the child works)."""
        from config.celery import app

        node = self.started[number - 1][1]

        def found() -> int | None:
            active = (app.control.inspect(destination=[node], timeout=1).active() or {}).get(node, [])
            return next((entry["worker_pid"] for entry in active if entry["name"] == task), None)
        return wait_for(found, timeout=30, what=f"{node} to report {task} running", step=0.01)

    def log(self, number: int) -> str:
        return self.started[number - 1][2].read_text(errors="replace")

    def stop_all(self) -> None:
        from config.celery import app

        for process, node, _log in self.started:
            if process.poll() is None:
                _wait_until_idle(app, node, timeout=30)
                stop_process(process, timeout=20)


@pytest.fixture
def workers(own_redis, tmp_path):
    pool = Workers(own_redis, tmp_path)
    try:
        yield pool
    finally:
        pool.stop_all()


def _postgres_bin() -> Path | None:
    """The server programs of the newest PostgreSQL installed (Debian: /usr/lib/postgresql/<version>/bin)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda path: int(path.parts[-3])
                   if path.parts[-3].isdigit() else 0)
    if found:
        return found[-1].parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


class OwnPostgres:
    """A throwaway PostgreSQL cluster on a free port, which the test may restart (never the shared one)."""

    def __init__(self, bindir: Path, root: Path):
        self.bindir, self.root, self.port = bindir, root, free_port()
        self.data = root / "data"

    def run(self, program: str, *args: str) -> subprocess.CompletedProcess:
        command = [str(self.bindir / program), *args]
        if os.geteuid() == 0:  # the server refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)

    def start(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-o",
                 f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def restart(self) -> None:
        """Stops the server (its connections are cut, as in a failover or an upgrade) and starts it again."""
        self.run("pg_ctl", "-D", str(self.data), "-w", "-m", "fast", "stop")
        self.start()

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"


@pytest.fixture
def own_postgres():
    import tempfile

    bindir = _postgres_bin()
    if bindir is None or not (bindir / "initdb").exists():
        skip_or_fail("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    root = Path(tempfile.mkdtemp(prefix="proficio-fault-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    server = OwnPostgres(bindir, root)
    server.run("initdb", "-D", str(server.data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")
    server.start()
    try:
        yield server
    finally:
        try:
            server.run("pg_ctl", "-D", str(server.data), "-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(root, ignore_errors=True)
