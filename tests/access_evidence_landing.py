"""Access-matrix rows of the auditor's landing page (joined into tests/access.py): the landing page, its
random draw (a GET that logs the sample and redirects to it), the sampling log and one sample are for
auditors, HR and quality (leaders and managers: 403 on the pages, 404 on a sample, which is outside
their audience); the log of what auditors opened is HR's (403 for everyone else). Every page answers
GET only: a POST is 405, or 403 for an auditor (the read-only layer refuses it first)."""

from __future__ import annotations

from tests.access import Row, expect

_readers = expect(200, leader=403, manager=403)
_no_post = expect(405, auditor=403)


def _sample(world) -> dict:
    """A sample drawn by the auditor, made on first use (each matrix test rolls it back)."""
    from evidence.models import SamplingLog

    log = SamplingLog.objects.create(created_by=world.user("auditor"), seed="matrix", size=1, population=1,
                                     person_ids=[world.people["leader"].pk])
    return {"pk": log.pk}


ROWS: list = [
    Row("evidence:landing", get=_readers, post=expect(400, leader=403, manager=403), label="an empty sample form"),
    Row("evidence:landing", post=expect(302, leader=403, manager=403), data=lambda w: {"sample-size": "2"},
        label="draw a sample"),
    Row("evidence:landing", post=expect(400, leader=403, manager=403), data=lambda w: {"sample-size": "0"},
        label="a sample of none"),
    Row("evidence:landing", get=_readers, query=lambda w: {"org_unit": w.objects["head_office"].pk},
        label="people of a unit"),
    Row("evidence:sample_list", get=_readers, post=_no_post),
    Row("evidence:sample", kwargs=_sample, get=expect(200, leader=404, manager=404), post=_no_post),
    Row("evidence:access_log", get=expect(403, hr=200), post=_no_post),
]
