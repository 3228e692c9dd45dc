from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from . import services

#: A people file nobody confirmed within this time is deleted: it holds names and emails.
STALE_IMPORT_AGE = timedelta(days=2)


@shared_task(name="profiles.tasks.apply_people_import", acks_late=True)
def apply_people_import(import_id: int) -> dict:
    """Applies a confirmed people import. Running it twice does nothing the second time."""
    return services.people_import_apply(import_id=import_id)


@shared_task(name="profiles.tasks.purge_people_imports")
def purge_people_imports() -> int:
    """Deletes people files that were never confirmed. Safe to run any number of times."""
    return services.people_imports_purge(older_than=timezone.now() - STALE_IMPORT_AGE)
