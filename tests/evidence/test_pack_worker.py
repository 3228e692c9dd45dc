"""A pack rendered by a real Celery worker on Redis (the pdf queue), through the request page's path:
the progress ends at every person, the file is signed and verify confirms it."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from config.celery import app
from documents.models import Document, DocumentStatus
from evidence.models import EvidencePack, PackEvent
from evidence.verify import verify_pack
from tests.conftest import worker_log_path
from tests.evidence.builders import build_evidence_org

pytestmark = pytest.mark.services
TIMEOUT = 120


def test_the_worker_renders_the_pack_and_verify_confirms_it(client, celery_worker):
    app.conf.task_always_eager = True  # the organisation's own set-up tasks run here
    try:
        org = build_evidence_org()
    finally:
        app.conf.task_always_eager = False
    client.force_login(org.hr)
    response = client.post(reverse("evidence:pack_new"), {"scope": "unit", "org_unit": org.unit.pk})
    assert response.status_code == 302
    deadline = time.monotonic() + TIMEOUT
    document = None
    while time.monotonic() < deadline:
        document = Document.objects.filter(kind="pack").first()
        if document is not None and document.status in (DocumentStatus.DONE, DocumentStatus.FAILED):
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"The pack was not rendered within {TIMEOUT} s:\n{worker_log_path().read_text()[-3000:]}")
    assert document.status == DocumentStatus.DONE, document.error
    pack = EvidencePack.objects.get()
    assert pack.progress_done == pack.progress_total == 4
    with document.file.open("rb") as handle:
        report = verify_pack(handle.read())
    assert report.ok, report.problems()
    assert PackEvent.objects.filter(kind="generated", sha256=document.sha256, user=org.hr).exists()
