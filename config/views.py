"""Operational endpoints that belong to the deployment rather than to one app."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import __version__
from .celery import app as celery_app

WORKER_PING_SECONDS = 0.5


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as error:  # noqa: BLE001 - any failure is reported, not raised
        return f"error: {error.__class__.__name__}"


def _broker_status() -> tuple[str, int | None]:
    """(broker status, number of workers that answered a ping)."""
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        replies = celery_app.control.ping(timeout=WORKER_PING_SECONDS)
        return "ok", len(replies)
    except Exception as error:  # noqa: BLE001
        return f"error: {error.__class__.__name__}", None


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and broker status, and whether tasks run in-process or on workers."""
    in_process = celery_app.conf.task_always_eager
    report: dict[str, object] = {
        "version": __version__,
        "database": _database_status(),
        "database_engine": connection.vendor,
        "tasks": "in-process" if in_process else "workers",
    }
    if in_process:
        report["broker"] = "not used: tasks run in-process (set REDIS_URL to use workers)"
        healthy = report["database"] == "ok"
    else:
        report["broker"], report["workers"] = _broker_status()
        healthy = report["database"] == "ok" and report["broker"] == "ok"
    report["status"] = "ok" if healthy else "error"
    return JsonResponse(report, status=200 if healthy else 503)
