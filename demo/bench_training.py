"""Benchmarks of the training matrix (`manage.py bench --part training`; part of `make bench`).

On a throwaway database of its own (the tools of demo/bench.py), PostgreSQL for the plans:

1. 30 people (`seed_demo`): the training matrix page (as HR: page 1 and the last page) through gunicorn
   beside the anonymous login page; query counts in this process.
2. 10,000 people (`seed_demo --leaders 10000`, no ratings), then training records the seed does not
   make, added here with bulk_create (the bench's data, never the seed's; no history rows): past
   sessions of the seed's programmes, a completed enrolment for each of TRAINED people, an active
   enrolment in an upcoming session for every other one of them, an effectiveness review per target
   competency of each completed enrolment (every other one recorded, effective or not), and a
   certificate (with its evidence file row, no file) supporting the programme's targets for every
   third one. Then the same pages again, with EXPLAIN (ANALYZE, BUFFERS) of each page's SELECTs, and
   the XLSX export of the whole matrix (as HR, in this process with django.test.Client) timed end to
   end, with its size, its rows and this process's peak resident memory during it.

Redis: as demo/bench.py's production environment (BENCH_REDIS_URL / BENCH_REDIS_CACHE_URL when set).
"""

from __future__ import annotations

import io
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.core.management.base import CommandError
from django.db import connection, transaction

from demo.bench import (
    HR_EMAIL,
    LOGIN_PAGE,
    LOGIN_PAGE_LABEL,
    SIZES,
    Page,
    Write,
    analyze_tables,
    bench_run,
    hr_client,
    peak_rss_mb,
    print_report,
    proc_status_mb,
)

#: People given training records at 10,000, spread over the whole organisation (every n-th by pk).
TRAINED = 4_000
PAST_SESSIONS_PER_PROGRAMME = 4


# --- the training records the seed does not make ---------------------------------------------------


@transaction.atomic
def add_training_records() -> str:
    """Enrolments, reviews and certificates for TRAINED people, spread over the organisation. bulk_create
    throughout (no history rows: the bench reads, it does not audit)."""
    from accounts.models import User
    from profiles.models import Person
    from training.models import (
        Certificate,
        EffectivenessReview,
        Enrolment,
        EnrolmentStatus,
        EvidenceFile,
        Programme,
        Session,
    )
    from django.utils import timezone

    hr = User.objects.get(email=HR_EMAIL)
    today = timezone.localdate()
    now = timezone.now()
    programmes = list(Programme.objects.prefetch_related("targets__competency").order_by("pk"))
    if not programmes:
        raise CommandError("The demo has no training programme to enrol people in.")
    targets = {p.pk: [t.competency for t in p.targets.all()] for p in programmes}

    past = []
    for programme in programmes:
        for n in range(PAST_SESSIONS_PER_PROGRAMME):
            starts = now - timedelta(days=200 + 40 * n)
            past.append(Session(programme=programme, starts_at=starts, ends_at=starts + timedelta(hours=7),
                                place="Bench room", trainer="Bench trainer", capacity=1000, created_by=hr))
    past = Session.objects.bulk_create(past)
    upcoming = list(Session.objects.filter(starts_at__gt=now, cancelled=False).order_by("pk"))

    people = list(Person.objects.filter(active=True, role_profile__isnull=False).order_by("pk")
                  .values_list("pk", flat=True))
    stride = max(1, len(people) // TRAINED)
    trained = people[::stride][:TRAINED]

    enrolments = []
    for i, person_id in enumerate(trained):
        session = past[i % len(past)]
        enrolments.append(Enrolment(session=session, person_id=person_id, status=EnrolmentStatus.COMPLETED,
                                    requested_by=hr, decided_by=hr, attended=True,
                                    completed_on=timezone.localdate(session.ends_at), result="passed"))
        if upcoming and i % 2 == 0:
            status = (EnrolmentStatus.ENROLLED, EnrolmentStatus.REQUESTED, EnrolmentStatus.WAITING)[i % 3]
            enrolments.append(Enrolment(session=upcoming[i % len(upcoming)], person_id=person_id, status=status,
                                        waiting_position=(i // 3 + 1) if status == EnrolmentStatus.WAITING else None,
                                        requested_by=hr))
    enrolments = Enrolment.objects.bulk_create(enrolments)
    completed = [e for e in enrolments if e.status == EnrolmentStatus.COMPLETED]
    sessions = {s.pk: s for s in past}

    reviews = []
    for i, enrolment in enumerate(completed):
        programme = sessions[enrolment.session_id].programme
        for competency in targets[programme.pk]:
            recorded = i % 2 == 0
            reviews.append(EffectivenessReview(
                enrolment=enrolment, competency=competency, due_on=enrolment.completed_on + timedelta(days=90),
                planned_method=programme.review_method,
                level_before=Decimal("2.00") if recorded else None, level_after=Decimal("3.00") if recorded else None,
                method_used=programme.review_method if recorded else "", evidence="Bench review." if recorded else "",
                effective=(i % 4 == 0) if recorded else None, reviewed_by=hr if recorded else None,
                reviewed_on=enrolment.completed_on + timedelta(days=80) if recorded else None))
    EffectivenessReview.objects.bulk_create(reviews, batch_size=5000)

    certified = completed[::3]
    files = EvidenceFile.objects.bulk_create([
        EvidenceFile(file=f"evidence/bench/{e.pk:08d}", filename=f"certificate-{e.pk}.pdf",
                     content_type="application/pdf", size=12345, sha256=f"{e.pk:064d}", uploaded_by=hr)
        for e in certified])
    certificates = Certificate.objects.bulk_create([
        Certificate(person_id=e.person_id, enrolment=e, title=sessions[e.session_id].programme.title,
                    issuer="Bench issuer", issued_on=e.completed_on,
                    expires_on=today + timedelta(days=(-30 if i % 5 == 0 else 365)), file=f,
                    verified_by=hr, verified_at=now)
        for i, (e, f) in enumerate(zip(certified, files))])
    through = Certificate.competencies.through
    links = [through(certificate_id=c.pk, competency_id=competency.pk)
             for c, e in zip(certificates, certified)
             for competency in targets[sessions[e.session_id].programme_id]]
    through.objects.bulk_create(links, batch_size=5000)
    recorded = sum(1 for r in reviews if r.reviewed_on)
    return (f"{len(past)} past sessions, {len(enrolments):,} enrolments ({len(completed):,} completed, "
            f"{len(enrolments) - len(completed):,} active in {len(upcoming)} upcoming sessions) for {len(trained):,} "
            f"people, {len(reviews):,} effectiveness reviews ({recorded:,} recorded), {len(certificates):,} "
            f"certificates with {len(links):,} competency links")


# --- the pages -----------------------------------------------------------------------------------------


def matrix_pages() -> list[Page]:
    from django.urls import reverse

    url = reverse("training:matrix")
    response = hr_client().get(url)
    try:
        last = response.context["page"].paginator.num_pages
    except (TypeError, KeyError, AttributeError):
        last = 1
    return [
        Page(LOGIN_PAGE_LABEL, LOGIN_PAGE, anonymous=True),
        Page("training matrix", url),
        Page("training matrix, last page", f"{url}?page={last}"),
    ]


# --- the export ------------------------------------------------------------------------------------------


def _reset_peak_rss() -> bool:
    """Linux: writing 5 to clear_refs resets this process's VmHWM, so the next reading is the export's peak."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def time_export(write: Write) -> None:
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from openpyxl import load_workbook

    url = reverse("training:matrix_export", args=["xlsx"])
    client = hr_client()
    before = proc_status_mb("self", "VmRSS")
    reset = _reset_peak_rss()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        seconds = time.perf_counter() - started
    peak = proc_status_mb("self", "VmHWM") if reset else None
    if response.status_code != 200:
        write(f"XLSX export {url}: HTTP {response.status_code}")
        return
    size = len(body)
    workbook = load_workbook(io.BytesIO(body), read_only=True)
    sheet = workbook[workbook.sheetnames[0]]
    rows = people = 0
    seen = set()
    for row in sheet.iter_rows(min_row=2, values_only=True):
        rows += 1
        seen.add(row[0])
    people = len(seen)
    workbook.close()
    memory = (f"this process's peak RSS during the export {peak:.0f} MB (RSS {before:.0f} MB before it)"
              if peak is not None else f"this process's peak RSS so far {peak_rss_mb():.0f} MB")
    write(f"XLSX export at {SIZES[-1]:,} people ({url}, as HR, django.test.Client in this process): "
          f"{seconds:.2f} s end to end, {len(queries)} queries")
    write(f"  {size:,} bytes, {rows:,} data rows (+1 header) for {people:,} people; {memory}")
    # Where the time goes: the rows alone (the selector, no spreadsheet), then the whole again minus that.
    from accounts.models import User
    from training import selectors_matrix

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        for _row in selectors_matrix.matrix_export_rows(
                selectors_matrix.matrix_people(User.objects.get(email=HR_EMAIL))):
            pass
        reading = time.perf_counter() - started
    sql_ms = sum(float(query["time"]) for query in queries.captured_queries) * 1000
    write(f"  of which the rows alone (training.selectors_matrix.matrix_export_rows, no spreadsheet): {reading:.2f} s, "
          f"{len(queries)} queries taking {sql_ms:.0f} ms of it; the rest (openpyxl writing, the request) "
          f"about {seconds - reading:.2f} s")


# --- the run ---------------------------------------------------------------------------------------------


def run_training_bench(write: Write, warmup: int, repeats: int) -> None:
    small_size, large_size = SIZES
    bench_started = time.perf_counter()
    with bench_run(write, "training") as bench:
        bench.seed(small_size)
        analyze_tables()
        small = bench.time_pages(matrix_pages(), small_size, warmup, repeats, explain=False)

        bench.seed(large_size)
        started = time.perf_counter()
        added = add_training_records()
        write(f"bench training records (bulk_create): {time.perf_counter() - started:.1f} s: {added}")
        analyze_tables()
        large = bench.time_pages(matrix_pages(), large_size, warmup, repeats,
                                 explain=bench.database.vendor == "postgresql")
        write("")
        time_export(write)

        write("\nThe training matrix as HR (50 people a page), at 30 people and at 10,000 with the bench's "
              "training records.")
        bench.failed = print_report(write, {small_size: small, large_size: large}, bench.workdir)
        write(f"\nTraining bench: {time.perf_counter() - bench_started:.0f} s in all")
