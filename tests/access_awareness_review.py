"""Access-matrix rows of the management review (joined into tests/access.py): the page (HR, quality and
auditors read it; leaders and managers 403; a bad period 400 for those who may read) and the quality
manager's scheduled-report choice (quality only; auditors' writes refused; a bad frequency 400)."""

from __future__ import annotations

from tests.access import Row, expect

READERS = dict(hr=200, quality=200, auditor=200)

ROWS: list = [
    Row("awareness:review", get=expect(403, **READERS)),
    Row("awareness:review", get=expect(403, **READERS), query=lambda w: {"period": "2026-Q3"}, label="a quarter"),
    Row("awareness:review", get=expect(403, hr=400, quality=400, auditor=400), query=lambda w: {"period": "2026-Q5"},
        label="a bad period"),
    Row("awareness:review_schedule", get=expect(403, quality=200), post=expect(403, quality=400),
        data=lambda w: {"frequency": "daily"}),
]
