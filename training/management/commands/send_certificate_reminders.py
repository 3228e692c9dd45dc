"""The daily certificate-expiry reminders, for installs without Redis (and so without Celery beat)."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from training.services import evidence


class Command(BaseCommand):
    help = ("Emails each person whose certificate expires within CERTIFICATE_REMINDER_DAYS (30 by default), with "
            "their manager in copy. Run it once a day (e.g. from cron) where no Celery beat runs; running it twice "
            "sends no reminder twice.")

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Act as if today were this day (YYYY-MM-DD).")

    def handle(self, *args, date: str | None = None, **options):
        day = _parse(date) if date else timezone.localdate()
        count = evidence.send_expiry_reminders(day)
        self.stdout.write(f"{count} certificate reminder{'s' if count != 1 else ''} sent on {day:%d %b %Y}.")


def _parse(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date {value!r}: give the day as YYYY-MM-DD.") from None
