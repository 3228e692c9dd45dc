"""`manage.py send_outbox`: sends the tasks left in the outbox while the task queue (Redis) was down."""

from django.core.management.base import BaseCommand, CommandError

from core import outbox


class Command(BaseCommand):
    help = "Sends the Celery tasks left in the outbox while the task queue was down (each exactly once)."

    def handle(self, *args, **options) -> None:
        sent = outbox.send_pending()
        left = outbox.left_behind()
        self.stdout.write(f"Sent {sent} queued task(s) to the task queue; {left} still waiting.")
        if left:
            raise CommandError("The task queue did not take the rest: is Redis running? Run this again once it is "
                               "(a row's last_error says why it waits).")
