from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .models import FrameworkImport

#: An upload nobody confirmed within this time is deleted (its text may hold an organisation's framework).
STALE_IMPORT_AGE = timedelta(days=2)


@shared_task(name="competency.tasks.purge_stale_imports")
def purge_stale_imports() -> int:
    """Deletes uploads that were never confirmed. Safe to run any number of times."""
    deleted, _ = FrameworkImport.objects.filter(
        framework__isnull=True, created_at__lt=timezone.now() - STALE_IMPORT_AGE
    ).delete()
    return deleted
