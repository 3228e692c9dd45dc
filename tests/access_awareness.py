"""Access-matrix rows of controlled statements and acknowledgements (joined into tests/access.py), and the
objects they need (`add(world)`, called by tests/world.py after the development plans).

Statements' back office is HR and quality's (auditors read it; leaders and managers get 404 for a statement and
403 for the lists); another HR or quality manager approves a revision by signature; a refusal because of a
revision's state comes back with the reason (302). Leaders and managers (accounts with a person) acknowledge
on /awareness/mine/ with their password; HR and quality accounts without a person get 403; auditors' POSTs are
refused by the read-only layer (403).

    policy            a statement written by `hr`, approved by `quality`, published: applies to everyone
    policy_revision   its current revision (1)
    draft_statement   a statement by `hr` whose revision 1 (`draft_revision`) is a draft
"""

from __future__ import annotations

from tests.access import Row, expect, obj


_post_only = expect(405)
_readers = expect(200, leader=403, manager=403)
_back_office = {"leader": 404, "manager": 404, "auditor": 403}
_leaders = {"hr": 403, "quality": 403, "auditor": 403}
_wrong_password = lambda w: {"meaning": "acknowledged", "password": "wrong"}  # noqa: E731


ROWS: list = [
    Row("awareness:statement_list", get=_readers),
    Row("awareness:statement_create", get=expect(200, leader=403, manager=403, auditor=403),
        post=expect(400, leader=403, manager=403, auditor=403), data=lambda w: {"kind": "policy", "title": ""},
        label="no title, no text"),
    Row("awareness:statement_detail", kwargs=obj("policy"), get=expect(200, leader=404, manager=404)),
    Row("awareness:statement_detail", kwargs=lambda w: {"pk": 987654}, get=expect(404), label="a forged id"),
    Row("awareness:statement_revise", kwargs=obj("policy"), get=expect(200, **_back_office),
        post=expect(400, **_back_office), data=lambda w: {"title": "Quality policy", "effective_date": "not a day"},
        label="no text, a bad date"),
    Row("awareness:revision_approve", kwargs=obj("draft_revision"), get=expect(200, **_back_office),
        post=expect(400, **_back_office), data=lambda w: {"meaning": "approved", "password": "wrong"},
        label="a wrong password signs nothing"),
    Row("awareness:revision_approve", kwargs=obj("policy_revision"), get=expect(302, **_back_office),
        label="published already: back with the reason"),
    Row("awareness:revision_publish", kwargs=obj("draft_revision"), get=_post_only,
        post=expect(302, **_back_office), label="a draft: back with the reason"),
    Row("awareness:coverage", get=_readers),
    Row("awareness:mine", get=expect(200, **_leaders)),
    Row("awareness:acknowledge", kwargs=obj("policy_revision"), get=_post_only, post=expect(400, **_leaders),
        data=_wrong_password, label="a wrong password stores nothing"),
    Row("awareness:acknowledge", kwargs=obj("draft_revision"), get=_post_only, post=expect(404, **_leaders),
        label="a draft is nobody's to acknowledge"),
    Row("awareness:acknowledge", kwargs=lambda w: {"pk": 987654}, get=_post_only, post=expect(404, **_leaders),
        label="a forged id"),
    Row("awareness:acknowledge_profile", get=_post_only, post=expect(400, **_leaders), data=_wrong_password,
        label="a wrong password stores nothing"),
]
