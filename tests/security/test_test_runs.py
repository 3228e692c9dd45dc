"""Two test runs on one PostgreSQL and one Redis do not collide: each run has its own name
(config/settings_test.py), in its test database, its Celery queues and its media folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.conf import settings

from tests.conftest import REPO_ROOT, fresh_environment

SCRIPT = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'db': s.DATABASES['default'].get('TEST', {}).get('NAME'), 'queue': s.CELERY_TASK_DEFAULT_QUEUE, "
    "'pdf': s.PDF_QUEUE, 'media': str(s.MEDIA_ROOT), 'private': str(s.PRIVATE_MEDIA_ROOT)}))"
)


def _names_of_a_fresh_run() -> dict:
    """What a new `pytest` would use, started with the same DATABASE_URL and REDIS_URL as this one."""
    env = {k: v for k, v in fresh_environment(DJANGO_SETTINGS_MODULE="config.settings_test").items()
           if not k.startswith("PROFICIO_TEST_") and k != "PRIVATE_MEDIA_ROOT"}
    env.update(DATABASE_URL="postgres://postgres@127.0.0.1:5432/proficio", PYTEST_XDIST_WORKER="gw0")
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=60, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_two_runs_started_with_the_same_settings_use_different_databases_queues_and_folders():
    first, second = _names_of_a_fresh_run(), _names_of_a_fresh_run()
    for key in ("db", "queue", "pdf", "media", "private"):
        assert first[key] != second[key], key
    assert first["db"].startswith("test_proficio_r")
    assert first["queue"].startswith("proficio-test-r") and first["queue"].endswith("-gw0")
    for run in (first, second):
        # The run's folders were made by that short-lived process; they are empty, removed here.
        for key in ("media", "private"):
            os.rmdir(run[key])
        os.rmdir(os.path.dirname(run["media"]))


def test_this_run_and_its_processes_share_one_run_name():
    """pytest-xdist processes inherit the controller's PROFICIO_TEST_RUN, so a process's queue and its worker's
    queue are named alike, and its database carries the run's name."""
    run = os.environ["PROFICIO_TEST_RUN"]
    process = os.environ.get("PYTEST_XDIST_WORKER", "main")
    assert settings.CELERY_TASK_DEFAULT_QUEUE == f"proficio-test-{run}-{process}"
    assert settings.PDF_QUEUE == f"pdf-test-{run}-{process}"
    if os.environ.get("PROFICIO_TEST_TMP"):  # unless MEDIA_ROOT and PRIVATE_MEDIA_ROOT were given
        assert run in str(settings.MEDIA_ROOT) and run in str(settings.PRIVATE_MEDIA_ROOT)
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and "--reuse-db" not in sys.argv \
            and os.environ.get("PROFICIO_TEST_REUSE_DB") != "1":
        assert run in settings.DATABASES["default"]["TEST"]["NAME"]
