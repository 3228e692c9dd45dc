"""Access-matrix rows for the cycle pages (helper C), with the one world object they need beyond
`tests.world.add_assessments` (open_cycle, open_leader, open_manager, nomination, released_cycle).

For tests/access.py and tests/world.py: call `add_draft_cycle(world)` in `build_world()` and append
`CYCLE_ROWS` to `MATRIX`.

    cycle_draft   "Draft 360", a draft rating `leader` and `colleague` (whose profile is a draft, so
                  opening is refused with her name)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from tests.world import World


def add_draft_cycle(world: World) -> None:
    from django.utils import timezone

    from assessments.services import cycles
    from profiles.models import Person

    hr, people = world.user("hr"), world.people
    today = timezone.localdate()
    draft = cycles.create_cycle(actor=hr, name="Draft 360", framework_version=world.objects["published"],
                                opens_on=today, closes_on=today + timedelta(days=21))
    cycles.add_leaders(draft, Person.objects.filter(pk__in=[people["leader"].pk, people["colleague"].pk]), actor=hr)
    world.objects["cycle_draft"] = draft


def _rows():
    from tests.access import Row, expect, managers_only

    def obj(name: str) -> Callable[[World], dict]:
        return lambda world: {"pk": world.objects[name].pk}

    # Cycles are HR's, quality's and auditors' (the audience): leaders and managers get 404 for a cycle,
    # 403 for the list and the create form; auditors 403 for every change.
    outside = {"leader": 404, "manager": 404}
    change = dict(outside, auditor=403)
    return [
        Row("assessments:cycle_list", get=expect(200, leader=403, manager=403)),
        Row("assessments:cycle_create", get=managers_only(200), post=managers_only(400)),
        Row("assessments:cycle_detail", kwargs=obj("cycle_draft"), get=expect(200, **outside), label="draft"),
        Row("assessments:cycle_detail", kwargs=obj("open_cycle"), get=expect(200, **outside), label="open"),
        Row("assessments:cycle_detail", kwargs=obj("released_cycle"), get=expect(200, **outside), label="released"),
        Row("assessments:cycle_edit", kwargs=obj("cycle_draft"), get=expect(200, **change), post=expect(400, **change),
            label="draft"),
        Row("assessments:cycle_edit", kwargs=obj("open_cycle"), get=expect(302, **change), label="open: refused, back"),
        Row("assessments:cycle_leaders", kwargs=obj("cycle_draft"), get=expect(200, **change),
            post=expect(400, **change), label="draft"),
        Row("assessments:cycle_leaders", kwargs=obj("open_cycle"), get=expect(302, **change),
            label="open: refused, back"),
        Row("assessments:cycle_open", kwargs=obj("cycle_draft"), post=expect(302, **change),
            label="refused with the leader named, back to the cycle"),
        Row("assessments:cycle_opening", kwargs=obj("cycle_draft"), get=expect(200, **outside)),
        Row("assessments:cycle_close", kwargs=obj("open_cycle"), post=expect(302, **change)),
        Row("assessments:cycle_extend", kwargs=obj("open_cycle"), get=expect(200, **change), post=expect(400, **change),
            label="open"),
        Row("assessments:cycle_extend", kwargs=obj("released_cycle"), get=expect(302, **change),
            label="released: refused, back"),
        Row("assessments:cycle_remind", kwargs=obj("open_cycle"), post=expect(302, **change)),
        Row("assessments:participant_detail", kwargs=obj("open_leader"), get=expect(200),
            label="the leader's own; the manager's report"),
        Row("assessments:participant_detail", kwargs=obj("open_manager"), get=expect(200, leader=404),
            label="rated by the leader as a direct report"),
        Row("assessments:participant_detail", kwargs=obj("released_leader"), get=expect(200), label="released"),
        Row("assessments:participant_remind", kwargs=obj("open_leader"),
            post=expect(302, leader=403, manager=403, auditor=403)),
        Row("assessments:nominate", kwargs=obj("open_leader"), post=expect(403, leader=400),
            label="only the leader; nothing chosen"),
        Row("assessments:nominations_submit", kwargs=obj("open_leader"), post=expect(403, leader=302),
            label="too few peers: refused, back"),
        Row("assessments:nominations_approve", kwargs=obj("open_leader"),
            post=expect(302, leader=403, auditor=403)),
        Row("assessments:nomination_decide", kwargs=obj("nomination"), post=expect(400, leader=403, auditor=403),
            label="no decision given"),
        Row("assessments:nomination_withdraw", kwargs=obj("nomination"), post=expect(302, manager=403, auditor=403)),
    ]


def __getattr__(name: str):
    if name == "CYCLE_ROWS":  # built on first use: tests.access imports the world, which imports this lazily
        return _rows()
    raise AttributeError(name)
