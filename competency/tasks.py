from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from . import services
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


@shared_task(name="competency.tasks.send_review_invitations", autoretry_for=(OSError,), retry_backoff=60,
             max_retries=5)
def send_review_invitations(invitation_ids: list[int]) -> int:
    """Sends the review invitations not sent yet; a mail server that is down is tried again with
    growing pauses, and a retry or redelivery sends only what is still unsent."""
    return services.review_invitations_send(invitation_ids=invitation_ids)
