"""Access-matrix rows of the training app's evidence pages (joined into tests/access.py).

A record is read by whoever may open the person (the person, their managers, HR, quality, auditors);
anyone else gets 404. Evidence is added by the person's manager, HR or quality (the person themself
403); certificates are verified by HR or quality; auditors are refused every POST.
"""

from __future__ import annotations

from tests.access import Row, expect, obj, person

READERS = {"hr": 200, "quality": 200, "auditor": 200}
#: Adding to `leader`'s record: their manager, HR and quality; the leader themself may not (403).
ADD_GET = expect(200, leader=403, auditor=403)
ADD_POST = expect(400, leader=403, auditor=403)  # an empty form

ROWS: list = [
    Row("training:record", kwargs=person("leader"), get=expect(200), label="own record, a report of manager"),
    Row("training:record", kwargs=person("manager"), get=expect(200, leader=404), label="the manager's record"),
    Row("training:record", kwargs=person("colleague"), get=expect(200, leader=404, manager=404),
        label="a stranger's record"),
    Row("training:certificate_add", kwargs=person("leader"), get=ADD_GET, post=ADD_POST, label="a report's record"),
    Row("training:certificate_add", kwargs=person("colleague"), label="a stranger's record",
        get=expect(200, leader=404, manager=404, auditor=403), post=expect(400, leader=404, manager=404, auditor=403)),
    Row("training:qualification_add", kwargs=person("leader"), get=ADD_GET, post=ADD_POST),
    Row("training:experience_add", kwargs=person("leader"), get=ADD_GET, post=ADD_POST),
    Row("training:signoff_add", kwargs=person("leader"), get=ADD_GET, post=ADD_POST),
    Row("training:signoff_add", kwargs=person("manager"), label="one's own manager: not theirs to sign",
        get=expect(200, leader=404, manager=403, auditor=403), post=expect(400, leader=404, manager=403, auditor=403)),
    # Verified already: HR and quality are sent back with the reason (302).
    Row("training:certificate_verify", kwargs=obj("certificate"),
        post=expect(302, leader=403, manager=403, auditor=403)),
    Row("training:certificate_verify", kwargs=obj("expired_certificate"), label="the manager's certificate",
        post=expect(302, leader=404, manager=403, auditor=403)),
    Row("training:certificate_download", kwargs=obj("certificate"), get=expect(200),
        label="leader's own; their manager's report"),
    Row("training:certificate_download", kwargs=obj("expired_certificate"), get=expect(200, leader=404),
        label="the manager's: not the leader's to read"),
]
