"""Operational endpoints that belong to the deployment rather than to one app."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import __version__
from .celery import app as celery_app

WORKER_PING_SECONDS = 0.5
#: Probes come every few seconds; the broker and worker check is shared between them for this long.
BROKER_STATUS_CACHE_SECONDS = 10


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as error:  # noqa: BLE001 - any failure is reported, not raised
        return f"error: {error.__class__.__name__}"


def _broker_status() -> tuple[str, int | None]:
    """(broker status, number of workers that answered a ping), cached briefly."""
    key = f"healthz:broker:{celery_app.conf.broker_url}"
    try:
        cached = cache.get(key)
    except Exception:  # noqa: BLE001 - the cache is Redis too: when it is down, check the broker itself
        cached = None
    if cached is not None:
        return tuple(cached)
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        status = ("ok", len(celery_app.control.ping(timeout=WORKER_PING_SECONDS)))
    except Exception as error:  # noqa: BLE001
        status = (f"error: {error.__class__.__name__}", None)
    try:
        cache.set(key, list(status), BROKER_STATUS_CACHE_SECONDS)
    except Exception:  # noqa: BLE001 - the cache is Redis too; a broken one must not break the report
        pass
    return status


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and broker status, and whether tasks run in-process or on workers.

    503 when the database or the broker is down. With no worker answering, the site still serves
    pages (200) but background work waits: the status says "degraded".
    """
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
    if healthy and report.get("workers") == 0:
        report["status"] = "degraded: no worker answered, background tasks wait"
    return JsonResponse(report, status=200 if healthy else 503)
