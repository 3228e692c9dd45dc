"""Benchmarks for `make bench`: the heavy paths that issues name, measured on a throwaway database.

Each scenario prints wall time, SQL queries and the process's peak memory so far.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.test.utils import CaptureQueriesContext


@dataclass
class Measurement:
    name: str
    seconds: float
    queries: int
    peak_rss_mb: float
    note: str = ""


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def measure(name: str, action: Callable[[], str | None]) -> Measurement:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        note = action() or ""
        elapsed = time.perf_counter() - started
    return Measurement(name, elapsed, len(queries), peak_rss_mb(), note)


SCENARIOS: list[tuple[str, Callable[[], str | None]]] = []


def scenario(name: str):
    def register(action: Callable[[], str | None]):
        SCENARIOS.append((name, action))
        return action

    return register


LEADERS = 10_000


@scenario(f"seed_demo --leaders {LEADERS:,}")
def _seed_demo() -> str:
    from demo.seed import seed_demo_organisation

    report = seed_demo_organisation(leaders=LEADERS)
    return f"{report.created_people:,} people, {report.updated_managers:,} managers"


@scenario(f"seed_demo --leaders {LEADERS:,} again (idempotent)")
def _seed_demo_again() -> str:
    from demo.seed import seed_demo_organisation

    report = seed_demo_organisation(leaders=LEADERS)
    return f"{report.created_people} created, {report.updated_managers} changed"
