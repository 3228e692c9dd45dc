"""Access-matrix rows of the training app's enrolments pages (joined into tests/access.py).

A session is open to everyone signed in; an enrolment's audience is its person's record (the person,
their managers, HR, quality, auditors: 404 for anyone else), and inside it each action's rule answers.
Auditors are refused every POST by the read-only layer (403).
"""

from __future__ import annotations

from tests.access import Row, expect, obj

_post_only = expect(405)


def _person(name: str):
    return lambda world: {"person": world.people[name].pk}


ROWS: list = [
    Row("training:my_training", get=expect(200)),
    Row("training:enrol", kwargs=obj("session"), data=_person("leader"), get=_post_only,
        post=expect(302, leader=403, auditor=403), label="the leader, already enrolled: refused, back"),
    Row("training:enrol", kwargs=obj("session"), data=_person("colleague"), get=_post_only,
        post=expect(302, leader=403, manager=403, auditor=403), label="a person outside the manager's line"),
    Row("training:enrol", kwargs=obj("session"), data=lambda w: {"person": "0"}, get=_post_only,
        post=expect(400, leader=403, auditor=403), label="no such person"),
    Row("training:enrol", kwargs=lambda w: {"pk": 987654}, get=_post_only, data=_person("leader"),
        post=expect(404, auditor=403), label="a forged session id"),
    Row("training:request_place", kwargs=obj("session"), get=_post_only,
        post=expect(302, hr=403, quality=403, auditor=403),
        label="the manager gets a request in; the leader, enrolled already, is refused"),
    Row("training:enrolment_decide", kwargs=obj("request"), data=lambda w: {"decision": "approve"}, get=_post_only,
        post=expect(302, leader=403, auditor=403), label="the leader's request"),
    Row("training:enrolment_decide", kwargs=obj("request"), get=_post_only,
        post=expect(400, leader=403, auditor=403), label="no decision given"),
    Row("training:enrolment_decide", kwargs=obj("attended_enrolment"), data=lambda w: {"decision": "approve"},
        get=_post_only, post=expect(302, leader=404, manager=403, auditor=403),
        label="the manager's own enrolment, not a request: refused, back"),
    Row("training:enrolment_withdraw", kwargs=obj("enrolment"), get=_post_only, post=expect(302, auditor=403),
        label="the leader's place"),
    Row("training:enrolment_withdraw", kwargs=obj("completed_enrolment"), get=_post_only,
        post=expect(302, auditor=403), label="completed: refused, back"),
    Row("training:enrolment_withdraw", kwargs=lambda w: {"pk": 987654}, get=_post_only,
        post=expect(404, auditor=403), label="a forged enrolment id"),
    Row("training:enrolment_complete", kwargs=obj("attended_enrolment"), data=lambda w: {"attended": "maybe"},
        get=expect(200, leader=404, manager=403, auditor=403), post=expect(400, leader=404, manager=403, auditor=403),
        label="the manager's enrolment in the past session; invalid attendance"),
    Row("training:enrolment_complete", kwargs=obj("enrolment"), get=expect(302, leader=403, manager=403, auditor=403),
        label="a session that has not started: refused, back"),
]
