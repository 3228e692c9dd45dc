"""Sends the scheduled management reviews now (what the beat task does), for installs without Redis:
run it daily from cron. Running it twice sends nothing twice."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from awareness.schedule import send_due_reviews


class Command(BaseCommand):
    help = "Emails each subscriber the management review of their last ended period, once per period."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--today", help="Act as on this day (YYYY-MM-DD).")

    def handle(self, *args, today: str | None = None, **options) -> None:
        try:
            day = date.fromisoformat(today) if today else None
        except ValueError:
            raise CommandError("--today takes a date as YYYY-MM-DD.") from None
        sent = send_due_reviews(day)
        self.stdout.write(f"{sent} management review{'s' if sent != 1 else ''} sent.")
