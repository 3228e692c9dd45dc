"""Access-matrix rows of the evidence dossier and the as-at training matrix (joined into tests/access.py
by the lead): readers only (HR, quality, auditors); leaders and managers are refused with the reason
(403), whoever the person is; a forged person id is 404 for readers; a bad or future day is 400."""

from __future__ import annotations

from tests.access import Row, expect

_READERS = expect(200, leader=403, manager=403)


def _person(name: str):
    return lambda world: {"pk": world.people[name].pk}


ROWS: list = [
    Row("evidence:dossier", kwargs=_person("leader"), get=_READERS, label="a leader"),
    Row("evidence:dossier", kwargs=_person("leader"), get=_READERS, label="a leader as at a past day",
        query=lambda w: {"as_at": "2024-01-31"}),
    Row("evidence:dossier", kwargs=_person("leader"), get=expect(400, leader=403, manager=403),
        label="a bad day", query=lambda w: {"as_at": "31/01/2024"}),
    Row("evidence:dossier", kwargs=_person("leader"), get=expect(400, leader=403, manager=403),
        label="a future day", query=lambda w: {"as_at": "2999-01-01"}),
    Row("evidence:dossier", kwargs=_person("manager"), get=_READERS, label="a manager"),
    Row("evidence:dossier", kwargs=lambda w: {"pk": 987654}, get=expect(404, leader=403, manager=403),
        label="a forged id"),
    Row("evidence:matrix", get=_READERS),
    Row("evidence:matrix", get=_READERS, query=lambda w: {"as_at": "2024-01-31"}, label="as at a past day"),
    Row("evidence:matrix", get=expect(400, leader=403, manager=403), query=lambda w: {"as_at": "2999-01-01"},
        label="a future day"),
]
