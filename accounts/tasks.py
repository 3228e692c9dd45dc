from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="accounts.tasks.send_invitations", autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def send_invitations(invitation_ids: list[int]) -> int:
    """One batch of invitations; a retry or a second delivery sends only those not sent yet."""
    return services.invitations_send(invitation_ids=invitation_ids)


@shared_task(name="accounts.tasks.send_password_reset", autoretry_for=(OSError,), retry_backoff=30, max_retries=3)
def send_password_reset(email: str) -> int:
    return services.password_reset_send(email=email)
