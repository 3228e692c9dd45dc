"""Access-matrix rows of the training app's reviews pages (joined into tests/access.py): the review list,
recording a review (the person's manager, HR or quality; the leader reads their own record but may
not judge it; outside the audience 404), the training matrix and its export (everyone with a record
or a reading role; each sees the rows of their own audience)."""

from __future__ import annotations

from tests.access import Row, expect, obj

_BAD_REVIEW = lambda world: {"level_before": "9", "level_after": "", "method_used": "test", "evidence": ""}  # noqa: E731

ROWS: list = [
    Row("training:review_list", get=expect(200)),
    Row("training:review_list", get=expect(200), query=lambda w: {"state": "overdue"}, label="overdue"),
    Row("training:review_record", kwargs=obj("effectiveness_review"), label="the leader's review",
        get=expect(200, leader=403, auditor=403), post=expect(400, leader=403, auditor=403), data=_BAD_REVIEW),
    Row("training:review_record", kwargs=obj("review_colleague"), label="a stranger's review",
        get=expect(200, leader=404, manager=404, auditor=403), post=expect(400, leader=404, manager=404, auditor=403),
        data=_BAD_REVIEW),
    Row("training:matrix", get=expect(200)),
    Row("training:matrix", get=expect(200), query=lambda w: {"org_unit": w.objects["plant"].pk}, label="one unit"),
    Row("training:matrix_export", kwargs=lambda w: {"fmt": "csv"}, get=expect(200), label="csv"),
    Row("training:matrix_export", kwargs=lambda w: {"fmt": "xlsx"}, get=expect(200), label="xlsx"),
]
