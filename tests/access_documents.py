"""Access-matrix rows of the documents app (joined into tests/access.py).

A document is read by whoever may read its object under the kind's rule: for the 360° report
("participant.results") the leader, their manager, HR, quality and auditors; anyone else gets 404
(the leader for their manager's report). Asking for one is a POST: auditors are refused (403) by the
read-only layer; results not yet released give 403 with the reason.
"""

from __future__ import annotations

from tests.access import Row, expect, obj


def _results(name: str):
    return lambda world: {"kind": "results", "object_id": world.objects[name].pk}


def _forged(world) -> dict:
    return {"kind": "payslips", "object_id": world.objects["released_leader"].pk}


ROWS: list = [
    Row("documents:request", kwargs=_results("released_leader"), get=expect(405),
        post=expect(302, auditor=403), label="released: reused, back to the page"),
    Row("documents:request", kwargs=_results("released_manager"), get=expect(405),
        post=expect(302, leader=404, auditor=403), label="the manager's: not the leader's"),
    Row("documents:request", kwargs=_results("open_leader"), get=expect(405),
        post=expect(403), label="not released yet: 403 with the reason"),
    Row("documents:request", kwargs=_forged, get=expect(405), post=expect(404, auditor=403),
        label="an unknown kind"),
    Row("documents:status", kwargs=obj("results_document"), get=expect(200), post=expect(405, auditor=403)),
    Row("documents:status", kwargs=obj("manager_results_document"), get=expect(200, leader=404),
        label="the manager's, queued"),
    Row("documents:download", kwargs=obj("results_document"), get=expect(200), post=expect(405, auditor=403)),
    Row("documents:download", kwargs=obj("manager_results_document"), get=expect(404),
        label="not rendered yet: nothing to download; the leader is outside its audience"),
]
