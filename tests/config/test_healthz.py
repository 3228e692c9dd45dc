from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_it_reports_the_database_and_in_process_tasks_without_signing_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "ok"
    assert report["database"] == "ok"
    assert report["tasks"] == "in-process"
    assert "not used" in report["broker"]


def test_it_reports_the_broker_and_workers_when_tasks_run_on_workers(client, celery_worker):
    from django.core.cache import cache

    cache.clear()
    report = client.get("/healthz").json()
    assert report["tasks"] == "workers"
    assert report["broker"] == "ok"
    assert report["workers"] >= 1
    assert report["status"] == "ok"


def test_it_answers_head_requests_from_load_balancers(client):
    assert client.head("/healthz").status_code == 200


def test_it_says_degraded_when_no_worker_answers(client, monkeypatch):
    from config import views
    from config.celery import app

    monkeypatch.setattr(views, "_broker_status", lambda: ("ok", 0))
    app.conf.task_always_eager = False
    try:
        response = client.get("/healthz")
    finally:
        app.conf.task_always_eager = True
    assert response.status_code == 200
    assert response.json()["status"].startswith("degraded")


def test_it_answers_503_when_the_broker_is_unreachable(client, settings):
    from config.celery import app

    from django.core.cache import cache

    cache.clear()
    app.conf.task_always_eager = False
    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = original
        app.conf.task_always_eager = True
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")


def test_a_cache_that_is_down_gives_the_report_not_a_server_error(client, monkeypatch):
    """In production the cache is Redis too: when Redis stops, the probe still says what is wrong (503)."""
    from django.core.cache import cache

    from config.celery import app

    def down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    app.conf.task_always_eager = False
    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = original
        app.conf.task_always_eager = True
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error") and response.json()["database"] == "ok"
