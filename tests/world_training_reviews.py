"""The training world's reviews objects (tests/world.py calls add(world) in order: catalogue, enrolments,
evidence, reviews).

- `effectiveness_review`: the leader's completed enrolment's first effectiveness review (set by the
  enrolments part; built here, on a programme of its own, when that part has not set it). Not `review`:
  that name is the competency version in review (tests/world.py).
- `review_colleague`: a review of `colleague`'s completed training, outside the leader's and the
  manager's audience."""

from __future__ import annotations


def _completed_review(world, person, title: str):
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from training.models import (EffectivenessReview, Enrolment, EnrolmentStatus, Programme, ProgrammeKind,
                                 ProgrammeTarget, Session)

    hr = world.user("hr")
    competency = world.objects["published_competency"]
    programme = Programme.objects.create(title=title, kind=ProgrammeKind.WORKSHOP, duration_hours=Decimal(7),
                                         created_by=hr, review_after_days=90)
    ProgrammeTarget.objects.create(programme=programme, competency=competency, level=4)
    starts = timezone.now() - timedelta(days=30)
    session = Session.objects.create(programme=programme, starts_at=starts, ends_at=starts + timedelta(hours=7),
                                     capacity=10, created_by=hr, place="Room 1")
    completed = timezone.localdate() - timedelta(days=29)
    enrolment = Enrolment.objects.create(session=session, person=person, status=EnrolmentStatus.COMPLETED,
                                         requested_by=hr, attended=True, completed_on=completed)
    return EffectivenessReview.objects.create(enrolment=enrolment, competency=competency,
                                              due_on=completed + timedelta(days=programme.review_after_days),
                                              planned_method=programme.review_method)


def add(world) -> None:
    if "effectiveness_review" not in world.objects:
        world.objects["effectiveness_review"] = _completed_review(world, world.people["leader"], "Reviews: direction workshop")
    world.objects["review_colleague"] = _completed_review(world, world.people["colleague"],
                                                          "Reviews: direction workshop for head office")
