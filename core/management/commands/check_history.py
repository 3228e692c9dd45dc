from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from core.history import history_mismatches, tracked_models


class Command(BaseCommand):
    help = "Check that the newest audit-history row of every tracked record equals the record."

    def handle(self, *args, **options) -> None:
        models = tracked_models()
        mismatches = history_mismatches(models)
        for mismatch in mismatches[:200]:
            self.stdout.write(str(mismatch))
        if mismatches:
            raise CommandError(f"{len(mismatches)} record(s) whose audit history does not match them.")
        self.stdout.write(self.style.SUCCESS(f"The audit history of {len(models)} kinds of record matches every record."))
