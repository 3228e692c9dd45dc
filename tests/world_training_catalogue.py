"""The training world's catalogue objects (tests/world.py calls add(world) in order: catalogue, enrolments,
evidence, reviews).

    programme           "Direction workshop": active, targets the published competency SV-01 at level 4,
                        reviewed 90 days after completion by re-assessment
    session             a session of it in ten days, capacity 2
    past_session        a session of it that ended yesterday, capacity 5
    inactive_programme  "Retired coaching": inactive, no targets, no sessions
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal


def add(world) -> None:
    from django.utils import timezone

    from training.models import ProgrammeKind, ReviewMethod
    from training.services import catalogue

    hr = world.user("hr")
    now = timezone.now().replace(second=0, microsecond=0)
    programme = catalogue.programme_create(
        actor=hr, title="Direction workshop", kind=ProgrammeKind.WORKSHOP, provider="Acme Training",
        duration_hours=Decimal("7.5"), cost=Decimal("450.00"), description="Setting and sharing direction.",
        review_after_days=90, review_method=ReviewMethod.REASSESSMENT,
        targets=[(world.objects["published_competency"], 4)], prerequisites=[])
    start = now + timedelta(days=10)
    session = catalogue.session_create(programme, actor=hr, starts_at=start, ends_at=start + timedelta(hours=8),
                                       place="Plant, room 2", link="", trainer="Tess Trainer", capacity=2)
    past_session = catalogue.session_create(programme, actor=hr, starts_at=now - timedelta(days=1, hours=8),
                                            ends_at=now - timedelta(days=1), place="Head office", link="",
                                            trainer="Tess Trainer", capacity=5)
    inactive = catalogue.programme_create(actor=hr, title="Retired coaching", kind=ProgrammeKind.COACHING,
                                          duration_hours=Decimal(2), active=False)
    world.objects.update(programme=programme, session=session, past_session=past_session,
                         inactive_programme=inactive)
