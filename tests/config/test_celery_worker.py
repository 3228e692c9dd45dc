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
