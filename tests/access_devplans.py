"""Access-matrix rows of the development plans (joined into tests/access.py).

A plan's audience is its person's: the leader, their managers up the line, HR, quality, auditors (404 for
anyone else). Inside it the leader works on the content and submits; the manager line, HR and quality
approve (by signature), return and complete; the leader, the manager line, HR and quality record
progress; auditors read only (their POSTs are refused by the read-only layer, 403). A refusal because of
the plan's state returns to the plan with the reason (302).
"""

from __future__ import annotations

from tests.access import Row, expect, obj
from tests.factories import TEST_PASSWORD

_post_only = expect(405)
_no_one_else = {"hr": 403, "quality": 403, "auditor": 403}

ROWS: list = [
    Row("devplans:plan_list", get=expect(200), label="each sees the plans of their audience"),
    Row("devplans:plan_list", get=expect(400), query=lambda w: {"status": "nonsense"}, label="an unknown status"),
    Row("devplans:mine", get=expect(200, leader=302, manager=302), label="an open plan: straight to it"),
    Row("devplans:draft", get=_post_only, post=expect(302, **_no_one_else),
        label="leaders with an open plan are shown it; accounts without a person cannot draft"),
    Row("devplans:plan_detail", kwargs=obj("plan"), get=expect(200), label="the leader's plan"),
    Row("devplans:plan_detail", kwargs=obj("manager_plan"), get=expect(200, leader=404),
        label="the manager's own plan"),
    Row("devplans:plan_detail", kwargs=obj("colleague_plan"), get=expect(200, leader=404, manager=404),
        label="outside the manager's line"),
    Row("devplans:plan_detail", kwargs=lambda w: {"pk": 987654}, get=expect(404), label="a forged plan id"),
    Row("devplans:submit", kwargs=obj("plan"), get=_post_only, post=expect(403, leader=302),
        label="submitted already: the leader is told so"),
    Row("devplans:submit", kwargs=obj("manager_plan"), get=_post_only, post=expect(403, leader=404, manager=302),
        label="the manager submits their own draft"),
    Row("devplans:approve", kwargs=obj("plan"), get=expect(200, leader=403, auditor=403),
        post=expect(400, leader=403, auditor=403), data=lambda w: {"meaning": "approved", "password": "wrong"},
        label="a wrong password signs nothing"),
    Row("devplans:approve", kwargs=obj("plan"), post=expect(302, leader=403, auditor=403),
        data=lambda w: {"meaning": "approved", "password": TEST_PASSWORD}, label="signed with the password"),
    Row("devplans:approve", kwargs=obj("manager_plan"), get=expect(302, leader=404, manager=403, auditor=403),
        label="a draft: back with the reason; never one's own"),
    Row("devplans:return", kwargs=obj("plan"), get=_post_only, post=expect(400, leader=403, auditor=403),
        label="without a comment"),
    Row("devplans:return", kwargs=obj("plan"), post=expect(302, leader=403, auditor=403),
        data=lambda w: {"comment": "Add a date"}, label="with a comment"),
    Row("devplans:reopen", kwargs=obj("plan"), get=_post_only, post=expect(403, leader=302),
        label="the leader takes it back"),
    Row("devplans:complete", kwargs=obj("plan"), get=expect(302, leader=403, auditor=403),
        label="submitted, not approved: back with the reason"),
    Row("devplans:complete", kwargs=obj("colleague_plan"), get=expect(200, leader=404, manager=404, auditor=403),
        post=expect(400, leader=404, manager=404, auditor=403), label="approved; no note"),
    Row("devplans:objective_edit", kwargs=obj("manager_objective"), get=expect(403, leader=404, manager=200),
        post=expect(403, leader=404, manager=400), data=lambda w: {"target_level": "99"},
        label="the manager's draft; out-of-range level"),
    Row("devplans:objective_edit", kwargs=obj("plan_objective"), get=expect(403, leader=302),
        label="submitted: back with the reason"),
    Row("devplans:objective_edit", kwargs=lambda w: {"pk": 987654}, get=expect(404), label="a forged objective id"),
    Row("devplans:action_add", kwargs=obj("manager_objective"), get=expect(403, leader=404, manager=200),
        post=expect(403, leader=404, manager=400), data=lambda w: {"kind": "other", "title": ""},
        label="the manager's draft; no title"),
    Row("devplans:action_edit", kwargs=obj("manager_action"), get=expect(403, leader=404, manager=200),
        post=expect(403, leader=404, manager=400), data=lambda w: {"kind": "other", "title": "X", "hours": "-1",
                                                                   "budget": "0"},
        label="the manager's draft; negative hours"),
    Row("devplans:action_remove", kwargs=obj("manager_action"), get=_post_only,
        post=expect(403, leader=404, manager=302),
        label="the manager's draft"),
    Row("devplans:action_remove", kwargs=lambda w: {"pk": 987654}, get=_post_only, post=expect(404, auditor=403),
        label="a forged action id"),
    Row("devplans:action_progress", kwargs=obj("colleague_action"),
        get=expect(200, leader=404, manager=404, auditor=403),
        post=expect(400, leader=404, manager=404, auditor=403), label="approved; neither status nor note"),
    Row("devplans:action_progress", kwargs=obj("plan_action"), get=expect(302, auditor=403),
        label="not approved yet: back with the reason"),
    Row("devplans:action_request_place", kwargs=obj("plan_action"), get=_post_only, post=expect(403, leader=302),
        label="not approved yet: the leader is told so"),
]
