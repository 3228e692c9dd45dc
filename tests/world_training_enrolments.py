"""The training world's enrolments objects (tests/world.py calls add(world) in order: catalogue, enrolments,
evidence, reviews).

    enrolment            `leader` enrolled (by HR) in `session` (future, capacity 2): one place taken
    request_session      a second future session of `programme`, capacity 5
    request              `leader` requested a place in `request_session`: awaits `manager` (or HR, quality)
    attended_enrolment   `manager` enrolled in `past_session` (it ended yesterday), completion not recorded yet
    completed_enrolment  `leader` completed `past_session` yesterday (recorded by HR): its reviews are open
    effectiveness_review the first effectiveness review of `completed_enrolment` (not `review`: that name
                         is the competency version in review, set by tests/world.py add_frameworks)

`programme`, `session` and `past_session` come from the catalogue part; should it not have added them,
they are made here the way it describes them. The programme aims at the published competency (a target
is added when it has none), so that a completion opens one review.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal


def _catalogue(world) -> None:
    from django.utils import timezone

    from training.models import Programme, ProgrammeKind, ProgrammeTarget, Session

    hr = world.user("hr")
    now = timezone.now()
    if "programme" not in world.objects:
        world.objects["programme"] = Programme.objects.create(
            title="ISO 9001 compliance workshop", kind=ProgrammeKind.WORKSHOP, duration_hours=Decimal(7),
            created_by=hr)
    programme = world.objects["programme"]
    if not programme.targets.exists():
        ProgrammeTarget.objects.create(programme=programme, competency=world.objects["published_competency"], level=4)
    if "session" not in world.objects:
        world.objects["session"] = Session.objects.create(
            programme=programme, starts_at=now + timedelta(days=30), ends_at=now + timedelta(days=30, hours=7),
            capacity=2, place="Room 1", created_by=hr)
    if "past_session" not in world.objects:
        world.objects["past_session"] = Session.objects.create(
            programme=programme, starts_at=now - timedelta(days=1, hours=8), ends_at=now - timedelta(days=1),
            capacity=10, place="Room 1", created_by=hr)


def add(world) -> None:
    from django.utils import timezone

    from training.models import Enrolment, EnrolmentStatus, Session
    from training.services import enrolments

    _catalogue(world)
    hr = world.user("hr")
    leader, manager = world.people["leader"], world.people["manager"]
    programme, past = world.objects["programme"], world.objects["past_session"]
    now = timezone.now()
    request_session = Session.objects.create(
        programme=programme, starts_at=now + timedelta(days=60), ends_at=now + timedelta(days=60, hours=7),
        capacity=5, place="Room 2", created_by=hr)
    enrolment = enrolments.enrol(world.objects["session"], leader, actor=hr)
    request = enrolments.request_place(request_session, leader, actor=world.user("leader"))

    def in_past(person):
        # The past session has started, so the services take no new place in it: the place was taken
        # before it began.
        row = Enrolment(session=past, person=person, status=EnrolmentStatus.ENROLLED, requested_by=hr)
        row._history_user = hr
        row.save()
        return row

    attended = in_past(manager)
    completed = enrolments.record_completion(in_past(leader), attended=True, completed_on=timezone.localdate(past.starts_at),
                                             result="passed", actor=hr)
    world.objects.update(enrolment=enrolment, request_session=request_session, request=request,
                         attended_enrolment=attended, completed_enrolment=completed,
                         effectiveness_review=completed.reviews.order_by("due_on", "pk").first())
