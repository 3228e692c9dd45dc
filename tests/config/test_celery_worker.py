"""Proof that with REDIS_URL set, tasks leave this process, run in a worker and come back through Redis."""

from __future__ import annotations

import os

import pytest

from config.celery import app, ping
from tests.factories import UserFactory


@pytest.mark.services
def test_a_task_runs_in_a_separate_worker_and_its_result_comes_back_through_redis(celery_worker):
    UserFactory.create_batch(3)  # committed: the worker reads the same test database
    result = ping.delay()
    answer = result.get(timeout=30)
    assert answer["pid"] != os.getpid()
    assert answer["pid"] == celery_worker["pid"]
    assert answer["users"] == 3
    assert app.backend.__class__.__name__ == "RedisBackend"
    assert app.conf.broker_url.startswith("redis://")


def test_every_beat_entry_names_a_task_a_fresh_worker_registers():
    """Beat sends tasks by name: a worker that has not imported the module defining one refuses it as
    unregistered. A fresh process loads what a worker loads (each app's `tasks` module) and nothing else."""
    import json
    import subprocess
    import sys

    from django.conf import settings

    script = ("import django, json; django.setup(); from config.celery import app; "
              "app.loader.import_default_modules(); print(json.dumps(sorted(app.tasks)))")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test"}
    found = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True,
                           cwd=settings.BASE_DIR)
    registered = set(json.loads(found.stdout.strip().splitlines()[-1]))
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in registered, f"beat's {name} sends {entry['task']}, which no worker registers"
