from __future__ import annotations

from django.core.management.base import BaseCommand
from django.test.utils import setup_databases, teardown_databases

from demo.bench import SCENARIOS, measure


class Command(BaseCommand):
    help = "Measure the heavy paths (time, SQL queries, memory) on a throwaway test database."

    def add_arguments(self, parser) -> None:
        parser.add_argument("-k", dest="keyword", default="", help="Only scenarios whose name contains this.")

    def handle(self, *args, keyword: str, **options) -> None:
        from django.db import connection

        old_config = setup_databases(verbosity=0, interactive=False, keepdb=False)
        try:
            self.stdout.write(f"Database: {connection.vendor} ({connection.settings_dict['NAME']})\n")
            self.stdout.write(f"{'scenario':<58} {'seconds':>8} {'queries':>8} {'peak MB':>8}  note")
            for name, action in SCENARIOS:
                if keyword and keyword not in name:
                    continue
                result = measure(name, action)
                self.stdout.write(
                    f"{result.name:<58} {result.seconds:>8.2f} {result.queries:>8} {result.peak_rss_mb:>8.0f}  {result.note}"
                )
        finally:
            teardown_databases(old_config, verbosity=0)
