"""The production stack of the Procfile (gunicorn, Celery worker, beat) starts and serves pages."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import fresh_environment

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https", "Host": "127.0.0.1"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.services
def test_the_procfile_stack_serves_the_login_page_and_reaches_its_worker(
    redis_url, postgres, transactional_db, tmp_path
):
    db = connection.settings_dict
    env = fresh_environment(
        DEBUG="false",
        SECRET_KEY="smoke-" + "x7Kp2Qm9Lr4Tz8Wv1Nb6Hc3Jd5Fg0Sa" * 2,
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL="https://proficio.example.com",
        BEHIND_TLS_PROXY="true",
        REDIS_URL=redis_url,
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        STATIC_ROOT=str(tmp_path / "static"),
        CELERY_BEAT_SCHEDULE_FILE=str(tmp_path / "beat-schedule"),
        PATH=f"{BIN}:{os.environ.get('PATH', '')}",
    )
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=REPO, env=env, check=True)
    port = free_port()
    stack = subprocess.Popen(
        [str(BIN / "honcho"), "start", "-p", str(port)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        status, body = 0, b""
        while time.monotonic() < deadline:
            try:
                status, body = fetch(f"{base}/healthz")
                if status == 200 and b'"workers": 0' not in body:
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            time.sleep(0.5)
        assert status == 200, body
        report = json.loads(body)
        assert report["tasks"] == "workers" and report["workers"] >= 1, report
        login_status, login_page = fetch(f"{base}/accounts/login/")
        assert login_status == 200
        assert b"Sign in to Proficio" in login_page
        # Pages name static files by content hash (cacheable for ever), and WhiteNoise serves them.
        line = next(line for line in login_page.decode().splitlines() if "css/proficio." in line)
        css_url = line.split('href="', 1)[1].split('"', 1)[0]
        assert re.fullmatch(r"/static/css/proficio\.[0-9a-f]{12}\.css", css_url)
        assert fetch(base + css_url)[0] == 200
    finally:
        os.killpg(stack.pid, signal.SIGTERM)
        try:
            output = stack.communicate(timeout=30)[0].decode(errors="replace")
        except subprocess.TimeoutExpired:
            os.killpg(stack.pid, signal.SIGKILL)
            output = stack.communicate()[0].decode(errors="replace")
    for process in ("web.1", "worker.1", "beat.1"):
        assert re.search(rf"{re.escape(process)}\s+\|", output), output[-3000:]
