"""`make run` on a fresh copy of the project, with no settings, serves Proficio to a real browser."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import fresh_environment
from tests.e2e.conftest import sign_in

REPO = Path(__file__).resolve().parents[2]
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", "db.sqlite3*", "media", "staticfiles", "__pycache__", ".dev-secret-key", "test-artifacts"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.browser
def test_make_run_serves_the_login_page_and_the_demo_hr_user_reaches_the_dashboard(browser, tmp_path):
    checkout = tmp_path / "proficio"
    shutil.copytree(REPO, checkout, ignore=NOT_COPIED)
    # The virtual environment is the only thing reused (installing it again would only cost time).
    (checkout / ".venv").symlink_to(REPO / ".venv")
    env = fresh_environment()  # `make run` must work with no settings at all
    port = free_port()
    log_path = tmp_path / "make-run.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            ["make", "run", f"HOST_PORT=127.0.0.1:{port}"], cwd=checkout, env=env,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{base}/accounts/login/", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert server.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.5)
        output = log_path.read_text()
        assert "hr@demo.proficio.example" in output and "proficio-demo" in output
        assert (checkout / "db.sqlite3").exists()

        context = browser.new_context()
        page = context.new_page()
        page.goto(base)
        expect(page.get_by_role("heading", name="Sign in to Proficio")).to_be_visible()
        sign_in(page, base, "hr@demo.proficio.example", "proficio-demo")
        expect(page.get_by_role("heading", level=1)).to_have_text("Good to see you, Hannah")
        expect(page.get_by_test_id("stat-people")).to_have_text("30")
        context.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
