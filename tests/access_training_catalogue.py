"""Access-matrix rows of the training app's catalogue pages (joined into tests/access.py).

Everyone signed in reads programmes and sessions; only HR and quality change them (leaders and managers
get 403 from the rules, auditors 403 from the read-only layer on every POST and from the rules on forms)."""

from __future__ import annotations

from tests.access import Row, expect, managers_only, obj

ROWS: list = [
    Row("training:index", get=expect(302), label="to the catalogue"),
    Row("training:programme_list", get=expect(200)),
    Row("training:programme_list", get=expect(200), query=lambda w: {"kind": "coaching", "active": "all"},
        label="filtered"),
    Row("training:programme_create", get=managers_only(200), post=managers_only(400), label="empty form"),
    Row("training:programme_detail", kwargs=obj("programme"), get=expect(200)),
    Row("training:programme_detail", kwargs=obj("inactive_programme"), get=expect(200), label="inactive"),
    Row("training:programme_detail", kwargs=lambda w: {"pk": 987654}, get=expect(404), label="forged id"),
    Row("training:programme_edit", kwargs=obj("programme"), get=managers_only(200), post=managers_only(400),
        label="empty form"),
    Row("training:session_create", kwargs=obj("programme", "programme_pk"), get=managers_only(200),
        post=managers_only(400), label="empty form"),
    Row("training:session_create", kwargs=lambda w: {"programme_pk": 987654}, get=expect(404),
        post=expect(404, auditor=403), label="forged programme id"),
    Row("training:session_detail", kwargs=obj("session"), get=expect(200)),
    Row("training:session_detail", kwargs=obj("past_session"), get=expect(200), label="past"),
    Row("training:session_edit", kwargs=obj("session"), get=managers_only(200), post=managers_only(400),
        label="empty form"),
    Row("training:session_cancel", kwargs=obj("session"), get=expect(405), post=managers_only(302)),
    Row("training:session_cancel", kwargs=obj("past_session"), post=managers_only(302),
        label="past: refused, back with the reason"),
]
