from __future__ import annotations

from django.core.management.base import BaseCommand
from django.test.utils import setup_databases, setup_test_environment, teardown_databases, teardown_test_environment

from demo.bench import SCENARIOS, measure


class Command(BaseCommand):
    help = "Measure the heavy paths (time, SQL queries, memory) on a throwaway test database."

    def handle(self, *args, **options) -> None:
        from django.db import connection

        setup_test_environment()
        old_config = setup_databases(verbosity=0, interactive=False, keepdb=False)
        try:
            self.stdout.write(f"Database: {connection.vendor} ({connection.settings_dict['NAME']})")
            self.stdout.write("Each row: the whole scenario (for pages: sign-in, a warm-up request and the measured one);")
            self.stdout.write("the note gives the measured request alone.\n")
            self.stdout.write(f"{'scenario':<58} {'seconds':>8} {'queries':>8} {'peak MB':>8}  note")
            # Scenarios run in order: each builds on the data of those before it.
            for name, action in SCENARIOS:
                result = measure(name, action)
                self.stdout.write(
                    f"{result.name:<58} {result.seconds:>8.2f} {result.queries:>8} {result.peak_rss_mb:>8.0f}  {result.note}"
                )
        finally:
            teardown_databases(old_config, verbosity=0)
            teardown_test_environment()
