"""The controlled statements of the shared world (tests/world.py calls add(world) after the plans):
what the awareness rows of tests/access_awareness.py read."""

from __future__ import annotations

from tests.factories import TEST_PASSWORD


def add(world) -> None:
    from django.utils import timezone

    from awareness import services

    hr, quality = world.user("hr"), world.user("quality")
    words = services.RevisionInput(text="We deliver what we promise.", effective_date=timezone.localdate())
    policy = services.statement_create(kind="policy", title="Quality policy", revision=words, actor=hr)
    revision = policy.revisions.get()
    services.revision_approve(revision=revision, actor=quality, password=TEST_PASSWORD)
    services.revision_publish(revision=revision, actor=hr)
    draft = services.statement_create(kind="other", title="Draft rules", revision=words, actor=hr)
    world.objects.update(policy=policy, policy_revision=revision, draft_statement=draft,
                         draft_revision=draft.revisions.get())
