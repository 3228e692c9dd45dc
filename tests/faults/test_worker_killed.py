"""A worker is killed (SIGKILL) in the middle of a PDF render: the task was not acknowledged (acks_late), so a
second worker takes it again once the broker's visibility timeout has passed, and there is still one Document
and one stored file."""

from __future__ import annotations

import os
import re
import signal

import pytest

from documents import services
from documents.models import Document, DocumentStatus, private_storage
from tests.documents.builders import released
from tests.faults.conftest import wait_for

pytestmark = [pytest.mark.services]


def test_a_render_whose_worker_is_killed_is_rendered_once_by_the_next_worker(own_redis, workers):
    team = released()
    own_redis.take_tasks()
    first = workers.start()
    document = services.request_document("results", team.participant, user=team.hr)  # autocommit: sent at once

    def rendering() -> bool:
        return Document.objects.filter(pk=document.pk, status=DocumentStatus.RENDERING).exists()
    wait_for(rendering, timeout=60, what="the first worker to start the render", step=0.005)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    document.refresh_from_db()
    assert document.status == DocumentStatus.RENDERING, "the worker was not killed mid-task"

    # The task is unacknowledged in Redis; a worker that starts after its visibility timeout takes it again.
    workers.start(CELERY_VISIBILITY_TIMEOUT="1")

    def done() -> bool:
        document.refresh_from_db()
        return document.status == DocumentStatus.DONE
    wait_for(done, timeout=60, what="the second worker to render it again")
    assert Document.objects.filter(kind="results", object_id=team.participant.pk).count() == 1
    _folders, files = private_storage().listdir(f"documents/{document.sha256[:2]}")
    assert files == [f"{document.sha256}.pdf"]
    assert len(re.findall(r"Task documents\.tasks\.render_document\[[^\]]+\] succeeded", workers.log(2))) == 1
