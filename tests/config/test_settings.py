"""Settings come from the environment, strictly; production refuses to start half-configured."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import fresh_environment

REPO = Path(__file__).resolve().parents[2]
STRONG_KEY = "k8Qz-3vN7pL1xR9tW4yB6mC2dF5gH0jK8sA1eU3iO7pQ2wZ4xV6bN9mL0kJ3hG5fD"


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=fresh_environment(**env),
        capture_output=True, text=True, timeout=120,
    )


@pytest.mark.parametrize(
    "variable, value, message",
    [
        ("DEBUG", "maybe", "DEBUG='maybe' is not a boolean"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL must be a URL starting with"),
        ("TIME_ZONE", "Mars/Olympus", "TIME_ZONE='Mars/Olympus' is not a known time zone"),
        ("LOGIN_FAILURE_LIMIT", "five", "LOGIN_FAILURE_LIMIT='five' is not a whole number"),
        ("DATABASE_URL", "mysql://root@localhost/proficio", "DATABASE_URL must point to PostgreSQL"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(variable, value, message):
    env = {"DEBUG": "true", variable: value}
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_refuses_to_start_without_its_secrets():
    result = run_manage("check", DEBUG="false")
    assert result.returncode != 0
    assert "Production mode (DEBUG is off) needs SECRET_KEY, REDIS_URL, ALLOWED_HOSTS, SITE_URL" in result.stderr


def test_production_settings_pass_the_deployment_checklist_without_a_warning():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DEBUG="false", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="proficio.example.com", REDIS_URL="redis://127.0.0.1:6379/0",
        SITE_URL="https://proficio.example.com",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_development_mode_needs_no_settings_at_all():
    result = run_manage("check", DEBUG="true")
    assert result.returncode == 0, result.stderr


def test_the_cache_never_shares_the_redis_database_of_the_task_queues():
    script = "from django.conf import settings; print(settings.CELERY_BROKER_URL, settings.CACHES['default']['LOCATION'])"
    result = run_manage("shell", "-c", script, DEBUG="true", REDIS_URL="redis://127.0.0.1:6379/0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/1"]
    same = run_manage("check", DEBUG="true", REDIS_URL="redis://127.0.0.1:6379/2", REDIS_CACHE_URL="redis://127.0.0.1:6379/2")
    assert same.returncode != 0 and "REDIS_CACHE_URL must name another Redis database" in same.stderr
