"""Redis stops while the web runs: pages still work, the actions that queue work say that it waits, the
outbox keeps the tasks, and once Redis is back `send_outbox` hands them over and a worker does each once."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.models import OutboxMessage
from documents.models import Document, DocumentStatus
from documents.registry import get_kind
from profiles.models import ImportStatus, PeopleImport, Person
from tests.documents.builders import released
from tests.factories import OrgUnitFactory
from tests.faults.conftest import wait_for
from tests.helpers import visible_text

pytestmark = [pytest.mark.services]

WAITS = "queued; it will start as soon as the task queue is back"
PEOPLE = ("employee_id,first_name,last_name,email,org_unit,role_profile,manager_email\n"
          "E1,Maria,Jensen,maria@example.com,HQ,,\n")


def upload_people(client) -> PeopleImport:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.post("/people/import/", {"file": SimpleUploadedFile("people.csv", PEOPLE.encode()), "encoding": "utf-8"})
    return PeopleImport.objects.get()


def send_outbox_twice_at_once() -> list[str]:
    import io
    import threading

    from django.db import connection

    outputs: list[str] = []

    def send() -> None:
        out = io.StringIO()
        try:
            call_command("send_outbox", stdout=out)
        finally:
            outputs.append(out.getvalue())
            connection.close()

    senders = [threading.Thread(target=send) for _ in range(2)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(timeout=60)
    return outputs


def test_with_redis_down_pages_work_queued_work_waits_and_is_done_once_when_redis_is_back(
        client, own_redis, workers, capsys):
    team = released()
    OrgUnitFactory(name="Head office", code="HQ")
    report_page = get_kind("results").page(team.participant)
    client.force_login(team.hr)
    own_redis.take_tasks()

    own_redis.stop()
    assert client.get(report_page).status_code == 200
    assert client.get(reverse("profiles:person_list")).status_code == 200

    # The PDF: the page says it waits for the task queue, not that it is being created.
    asked = client.post(reverse("documents:request", args=["results", team.participant.pk]),
                        {"next": report_page}, follow=True)
    assert asked.status_code == 200
    assert f"The 360° report PDF is {WAITS}." in visible_text(asked)
    document = Document.objects.get()
    assert document.status == DocumentStatus.QUEUED
    panel = client.get(reverse("documents:status", args=[document.pk]))
    assert f"The 360° report PDF is {WAITS}." in visible_text(panel)

    # A people import: confirmed, and its page says it waits.
    job = upload_people(client)
    confirmed = client.post(f"/people/imports/{job.pk}/confirm/", follow=True)
    assert confirmed.status_code == 200
    assert f"The import is {WAITS}." in visible_text(confirmed)
    job.refresh_from_db()
    assert job.status == ImportStatus.QUEUED

    waiting = OutboxMessage.objects.filter(sent_at__isnull=True)
    assert sorted(waiting.values_list("task", "args")) == [
        ("documents.tasks.render_document", [document.pk]), ("profiles.tasks.apply_people_import", [job.pk])]
    assert all(message.attempts == 1 and "OperationalError" in message.last_error for message in waiting)

    # While Redis is still down, send_outbox says so and keeps the rows.
    with pytest.raises(Exception, match="is Redis running"):
        call_command("send_outbox")
    assert "Sent 0 queued task(s) to the task queue; 2 still waiting." in capsys.readouterr().out
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 2

    own_redis.start()
    workers.start()
    # Two senders at once (beat's task and the command, say) over the two rows and eight more: each row is sent
    # by one of them, once.
    OutboxMessage.objects.bulk_create([OutboxMessage(task="core.tasks.send_outbox") for _ in range(8)])
    outputs = send_outbox_twice_at_once()
    assert sum(int(re.search(r"Sent (\d+) queued", out).group(1)) for out in outputs) == 10, outputs
    assert all(out.endswith("0 still waiting.\n") for out in outputs), outputs
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()

    def finished():
        document.refresh_from_db()
        job.refresh_from_db()
        return document.status == DocumentStatus.DONE and job.status == ImportStatus.DONE
    wait_for(finished, timeout=60, what="the worker to render the PDF and apply the import")
    assert Person.objects.filter(employee_id="E1").count() == 1
    assert Document.objects.count() == 1

    # A second run finds nothing left: each task went to the broker once, and the worker ran each once.
    call_command("send_outbox")
    assert capsys.readouterr().out == "Sent 0 queued task(s) to the task queue; 0 still waiting.\n"
    log = workers.log(1)
    assert len(re.findall(r"Task documents\.tasks\.render_document\[[^\]]+\] received", log)) == 1, log
    assert len(re.findall(r"Task profiles\.tasks\.apply_people_import\[[^\]]+\] received", log)) == 1, log
    wait_for(lambda: len(re.findall(r"Task core\.tasks\.send_outbox\[[^\]]+\] succeeded", workers.log(1))) == 8,
             timeout=30, what="the eight other tasks, each run once")
    page = client.get(report_page)
    assert "Download PDF" in visible_text(page)


@pytest.mark.django_db
def test_a_send_that_succeeds_also_sends_the_tasks_left_behind(own_redis_server, django_capture_on_commit_callbacks):
    from core.db import queue_after_commit

    own_redis_server.take_tasks()
    gone = OutboxMessage.objects.create(task="core.tasks.renamed_since")  # e.g. left from before an upgrade
    own_redis_server.stop()
    with django_capture_on_commit_callbacks(execute=True):
        queue_after_commit("core.tasks.send_outbox")
    left = OutboxMessage.objects.exclude(pk=gone.pk).get()
    assert left.sent_at is None and left.attempts == 1
    own_redis_server.start()
    with django_capture_on_commit_callbacks(execute=True):
        queue_after_commit("core.tasks.send_outbox")
    # The new one and the one left behind are sent; the row whose task is gone does not hold them up.
    assert list(OutboxMessage.objects.filter(sent_at__isnull=True)) == [gone]
    gone.refresh_from_db()
    assert gone.last_error.startswith("AttributeError")
    assert OutboxMessage.objects.count() == 3
