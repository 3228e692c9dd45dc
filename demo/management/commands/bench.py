from __future__ import annotations

from django.core.management.base import BaseCommand
from django.test.utils import setup_databases, setup_test_environment, teardown_databases, teardown_test_environment

from demo.bench import run_page_bench, run_scenarios
from demo.bench_assessments import run_assessment_bench
from demo.bench_evidence import run_evidence_bench
from demo.bench_evidence_landing import run as run_evidence_landing_bench
from demo.bench_gaps import run_gap_bench
from demo.bench_load import run_load_bench
from demo.bench_pdf import run_pdf_bench
from demo.bench_training import run_training_bench


class Command(BaseCommand):
    help = ("Measure the heavy paths (time, SQL queries, memory) on a throwaway test database, then every "
            "list page through gunicorn at 30 and 10,000 leaders on a throwaway database of its own, then the "
            "360° assessments (opening, release, progress and results pages, saving answers under load), then the "
            "gap analysis of 10,000 leaders (the task against its one-statement floor, a Celery worker's memory, "
            "the heatmap pages), then the training matrix page at 30 and 10,000 people and its 10,000-person XLSX "
            "export, then the PDFs (render time against plain WeasyPrint, a pdf worker's memory over 200 renders), "
            "then the evidence packs (one leader's, the organisation's of 100 leaders on a worker, 100 leaders' "
            "packs on two worker processes).")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--part", choices=["all", "scenarios", "pages", "assessments", "gaps", "training", "pdf",
                                                     "evidence", "evidence-landing", "load"],
                            default="all",
                            help="Run only the scenarios, the page timings, the 360° assessments, the gap analysis "
                                 "the training matrix, the PDFs, the evidence packs or the load test (default: all).")
        parser.add_argument("--repeats", type=int, default=30, help="Measured requests per page and size (default 30).")
        parser.add_argument("--warmup", type=int, default=3, help="Unmeasured rounds first (default 3).")
        parser.add_argument("--seconds", type=int, default=60,
                            help="How long the load part's locust run lasts (default 60; 5 for a quick check).")

    def handle(self, *args, part: str, repeats: int, warmup: int, seconds: int, **options) -> None:
        # The test environment lets django.test.Client reach the app in this process (both parts use it).
        setup_test_environment()
        try:
            if part in {"all", "scenarios"}:
                self._scenarios()
            if part in {"all", "pages"}:
                self.stdout.write("\nList pages through gunicorn")
                run_page_bench(self.stdout.write, warmup=warmup, repeats=max(1, repeats))
            if part in {"all", "assessments"}:
                self.stdout.write("\n360° assessments at 30 and 10,000 leaders")
                run_assessment_bench(self.stdout.write, warmup=warmup, repeats=max(1, repeats))
            if part in {"all", "gaps"}:
                self.stdout.write("\nGap analysis at 10,000 leaders, and its heatmap at 30 and 10,000")
                run_gap_bench(self.stdout.write, warmup=warmup, repeats=max(1, repeats))
            if part in {"all", "training"}:
                self.stdout.write("\nTraining matrix at 30 and 10,000 people, and its XLSX export at 10,000")
                run_training_bench(self.stdout.write, warmup=warmup, repeats=max(1, repeats))
            if part in {"all", "pdf"}:
                self.stdout.write("\nPDFs: render time against plain WeasyPrint, and a pdf worker's memory over 200 renders")
                run_pdf_bench(self.stdout.write, warmup=warmup, repeats=max(1, repeats))
            if part in {"all", "evidence"}:
                self.stdout.write("\nEvidence packs: one leader's, the organisation's of 100 leaders, 100 leaders' packs")
                run_evidence_bench(self.stdout.write, warmup=warmup, repeats=max(1, repeats))
            if part in {"all", "evidence-landing"}:
                self.stdout.write("\nThe auditor's landing page at 30 and 10,000 people, beside the login page")
                run_evidence_landing_bench(self.stdout.write, warmup=warmup, repeats=max(1, repeats))
            if part in {"all", "load"}:
                self.stdout.write("\nLoad: 50 raters saving answers at once through gunicorn (locust), beside the sign-in page")
                run_load_bench(self.stdout.write, seconds=max(1, seconds))
        finally:
            teardown_test_environment()

    def _scenarios(self) -> None:
        from django.db import connection

        old_config = setup_databases(verbosity=0, interactive=False, keepdb=False)
        try:
            self.stdout.write(f"Scenarios. Database: {connection.vendor} ({connection.settings_dict['NAME']})")
            run_scenarios(self.stdout.write)
        finally:
            teardown_databases(old_config, verbosity=0)
