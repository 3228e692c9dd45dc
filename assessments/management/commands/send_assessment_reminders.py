"""The daily run of the assessments, for installs without Redis (and so without Celery beat)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from assessments.services import emails


class Command(BaseCommand):
    help = ("Closes the 360° cycles whose close day has passed and sends the reminders due today to raters "
            "who have not submitted. Run it once a day (e.g. from cron at 07:00) where no Celery beat runs; "
            "running it twice sends no reminder twice.")

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Send the reminders due on this day (YYYY-MM-DD) instead of today, "
                                           "e.g. to catch up a day the command did not run.")

    def handle(self, *args, date: str | None = None, **options):
        day = _parse(date) if date else timezone.localdate()
        count = emails.send_due_reminders(day)
        how = "sent" if settings.CELERY_TASK_ALWAYS_EAGER else "queued for the Celery worker"
        self.stdout.write(f"{count} reminder{'s' if count != 1 else ''} due on {day:%d %b %Y}: {how}.")


def _parse(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date {value!r}: give the day as YYYY-MM-DD.") from None
