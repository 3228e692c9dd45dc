from __future__ import annotations

from celery import shared_task

from . import services

#: Invitations go out in batches so that one slow mail server cannot hold a worker for an hour.
INVITATION_BATCH = 100


@shared_task(name="profiles.tasks.apply_people_import", acks_late=True)
def apply_people_import(import_id: int) -> dict:
    """Applies a confirmed people import. Running it twice does nothing the second time."""
    return services.people_import_apply(import_id=import_id)


@shared_task(name="profiles.tasks.send_invitations", acks_late=True)
def send_invitations(user_ids: list[int]) -> int:
    sent = 0
    for start in range(0, len(user_ids), INVITATION_BATCH):
        sent += services.invitations_send(user_ids=user_ids[start:start + INVITATION_BATCH])
    return sent
