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


def _people_csv(rows: int) -> bytes:
    """A people file in the demo organisation's units and roles, managers in a tree of five."""
    from demo.seed import ORG_UNITS

    units = [code for code, _name, _parent in ORG_UNITS]
    lines = ["employee_id,first_name,last_name,email,org_unit,role_profile,manager_email"]
    for i in range(rows):
        manager = "" if i == 0 else f"bench{(i - 1) // 5}@bench.example"
        role = "department-manager" if i * 5 + 1 < rows else "production-team-leader"
        lines.append(f"B{i:06d},Bench{i},Person{i % 97},bench{i}@bench.example,{units[i % len(units)]},{role},{manager}")
    return ("\n".join(lines) + "\n").encode()


IMPORT_ROWS = 10_000
_bench_file: dict[str, bytes] = {}


@scenario(f"people import: {IMPORT_ROWS:,} new rows (read, check, write)")
def _people_import_new() -> str:
    from accounts.models import User
    from profiles.importers import apply_people_plan, plan_people_import, read_table

    _bench_file["csv"] = _people_csv(IMPORT_ROWS)
    plan = plan_people_import(read_table(_bench_file["csv"], "bench.csv"))
    result = apply_people_plan(plan, actor=User.objects.get(email="hr@demo.proficio.example"))
    return f"{result.created:,} created, {len(result.invited_user_ids):,} invitations to send"


@scenario(f"people import: the same {IMPORT_ROWS:,} rows again")
def _people_import_again() -> str:
    from accounts.models import User
    from profiles.importers import apply_people_plan, plan_people_import, read_table

    plan = plan_people_import(read_table(_bench_file["csv"], "bench.csv"))
    result = apply_people_plan(plan, actor=User.objects.get(email="hr@demo.proficio.example"))
    return f"{result.created} created, {result.updated} updated, {result.unchanged:,} unchanged"


def _page(path: str) -> str:
    from django.test import Client

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email="hr@demo.proficio.example"))
    client.get(path)  # warm up: the first request of a process loads templates and URL patterns
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.status_code
    return f"the request alone: {elapsed * 1000:.0f} ms, {len(queries)} queries, {len(response.content) // 1024} KiB"


@scenario("people list, first page, as HR (all people)")
def _people_list() -> str:
    from profiles.models import Person

    return _page("/people/") + f", {Person.objects.count():,} people"


@scenario("people list, search and filter, page 20")
def _people_list_filtered() -> str:
    return _page("/people/?q=bench&active=yes&page=20")


@scenario("org unit tree")
def _org_tree() -> str:
    return _page("/org/")
