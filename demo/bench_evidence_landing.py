"""Benchmark of the auditor's landing page (`run(write)`; the lead wires it into `manage.py bench`).

On a throwaway database of its own (the tools of demo/bench.py), PostgreSQL for the plans, at 30 people
and at 10,000 (`seed_demo --leaders N`): as HR through gunicorn, beside the anonymous login page in the
same run,

- the landing page alone (the organisation's flag, the sampling log),
- a sample of 25 drawn at random (its page: the 25 people with their 7.2 status),
- the people of the role most people hold, page 1 (25 a page) with their status,

with each page's query count in this process, and at 10,000 EXPLAIN (ANALYZE, BUFFERS) of every SELECT,
among them status_rows' one query (the people with every column as a correlated subquery).
"""

from __future__ import annotations

import time

from django.db.models import Count

from demo.bench import (
    HR_EMAIL,
    LOGIN_PAGE,
    LOGIN_PAGE_LABEL,
    SIZES,
    Page,
    Write,
    analyze_tables,
    bench_run,
    print_report,
)

SAMPLE_SIZE = 25


def landing_pages() -> list[Page]:
    """The pages, with a sample of 25 drawn (and logged) as HR first, so its page is a plain read."""
    from django.urls import reverse

    from accounts.models import User
    from evidence.sampling import sample_draw
    from profiles.models import RoleProfile

    hr = User.objects.get(email=HR_EMAIL)
    log = sample_draw(actor=hr, size=SAMPLE_SIZE, seed="bench")
    role = (RoleProfile.objects.annotate(holders=Count("people")).order_by("-holders", "pk").first())
    landing = reverse("evidence:landing")
    return [
        Page(LOGIN_PAGE_LABEL, LOGIN_PAGE, anonymous=True),
        Page("evidence landing", landing),
        Page(f"evidence sample of {SAMPLE_SIZE}", reverse("evidence:sample", args=[log.pk])),
        Page("evidence people of a role", f"{landing}?role_profile={role.pk if role else ''}"),
    ]


def run(write: Write, warmup: int = 3, repeats: int = 20) -> None:
    small_size, large_size = SIZES
    started_all = time.perf_counter()
    with bench_run(write, "evidence") as bench:
        explain = bench.database.vendor == "postgresql"
        results = {}
        for size in (small_size, large_size):
            bench.seed(size)
            analyze_tables()
            results[size] = bench.time_pages(landing_pages(), size, warmup, repeats,
                                             explain=explain and size == large_size)
        write(f"\nThe auditor's landing page as HR: alone, a sample of {SAMPLE_SIZE}, and the people of the "
              "most held role (25 a page), at 30 people and at 10,000.")
        bench.failed = print_report(write, results, bench.workdir)
        write(f"\nEvidence landing bench: {time.perf_counter() - started_all:.0f} s in all")
