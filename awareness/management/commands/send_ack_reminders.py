"""The acknowledgement reminders, for installs without Redis (and so without Celery beat)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from awareness import services


class Command(BaseCommand):
    help = ("Emails each person who has not acknowledged a current statement revision or their role profile's "
            "revision ACK_REMINDER_DAYS (14 by default) after it was published or approved. Run it once a day "
            "where no Celery beat runs; running it twice reminds nobody twice.")

    def handle(self, *args, **options):
        count = services.send_reminders()
        self.stdout.write(f"{count} acknowledgement reminder{'s' if count != 1 else ''} sent.")
