"""The child of a prefork worker (as the Procfile runs them) is killed (SIGKILL: the kernel's OOM killer, an
operator) in the middle of a task. Its main process sees the child lost (WorkerLostError) and, because the
tasks are acks_late with reject_on_worker_lost (config/settings.py), puts the unacknowledged message back on
the queue at once; the fresh child it forks runs the task again. Without reject_on_worker_lost Celery would
acknowledge the message and record the task as failed: the render or the emails would be lost.

The tasks are safe to run twice: there is still one Document and one stored file, and each email reaches its
rater once."""

from __future__ import annotations

import os
import re
import signal
import socket
import socketserver
import threading
from dataclasses import dataclass, field

import pytest

from assessments.models import CycleEmail
from assessments.services import emails
from documents import services
from documents.models import Document, DocumentStatus, private_storage
from tests.assessments.builders import team_cycle
from tests.documents.builders import released
from tests.faults.conftest import wait_for

pytestmark = [pytest.mark.services]

LOST = re.compile(r"WorkerLostError|Worker exited prematurely")


def test_a_render_whose_prefork_child_is_killed_is_rendered_again_by_a_fresh_child(own_redis, workers):
    team = released()
    own_redis.take_tasks()
    worker = workers.start(pool="prefork")
    document = services.request_document("results", team.participant, user=team.hr)  # autocommit: sent at once

    child = workers.child_running(1, "documents.tasks.render_document")
    assert child != worker.pid

    def rendering() -> bool:
        return Document.objects.filter(pk=document.pk, status=DocumentStatus.RENDERING).exists()
    wait_for(rendering, timeout=60, what="the child to start the render", step=0.005)
    os.kill(child, signal.SIGKILL)
    document.refresh_from_db()
    assert document.status == DocumentStatus.RENDERING, "the child finished before it was killed"

    # No second worker and no visibility timeout: the main process requeues the message for its next child.
    def done() -> bool:
        document.refresh_from_db()
        return document.status == DocumentStatus.DONE
    wait_for(done, timeout=90, what="a fresh child to render it again")
    assert worker.poll() is None, "the worker's main process died with its child"
    log = workers.log(1)
    assert LOST.search(log), log[-3000:]
    assert len(re.findall(r"Task documents\.tasks\.render_document\[[^\]]+\] succeeded", log)) == 1
    assert Document.objects.filter(kind="results", object_id=team.participant.pk).count() == 1
    _folders, files = private_storage().listdir(f"documents/{document.sha256[:2]}")
    assert files == [f"{document.sha256}.pdf"]


@dataclass
class MailServer:
    """A minimal SMTP server on a free port that keeps each message it accepts (replies 250 to). It can hold
    the reply to one message (`hold_at`, counted from 0) until `release` is set: the sender is then in the
    middle of its batch. A message whose sender has gone before the reply is not accepted, as with a real
    mail server, which takes responsibility for a message only with its 250."""

    hold_at: int
    accepted: list[tuple[list[str], bytes]] = field(default_factory=list)
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    received: int = 0
    attempts: list[tuple[str, str]] = field(default_factory=list)  # (recipient, Message-ID) of every message sent

    def recipients(self) -> list[str]:
        with self.lock:
            return sorted(address for to, _data in self.accepted for address in to)

    def start(self) -> int:
        server = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")
                self.wfile.flush()

            def handle(self) -> None:
                self.reply("220 fault.test ESMTP")
                to: list[str] = []
                while line := self.rfile.readline():
                    verb = line.decode(errors="replace").strip()
                    upper = verb.upper()
                    if upper.startswith(("EHLO", "HELO")):
                        self.reply("250 fault.test")
                    elif upper.startswith("MAIL FROM"):
                        to = []
                        self.reply("250 OK")
                    elif upper.startswith("RCPT TO"):
                        to.append(verb.split(":", 1)[1].strip().strip("<>"))
                        self.reply("250 OK")
                    elif upper == "DATA":
                        self.reply("354 go ahead")
                        data = b""
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            data += chunk
                        if not server.accept(self.connection, to, data):
                            return
                        self.reply("250 queued")
                    elif upper == "QUIT":
                        self.reply("221 bye")
                        return
                    else:  # RSET, NOOP
                        self.reply("250 OK")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self.server.server_address[1]

    def accept(self, connection: socket.socket, to: list[str], data: bytes) -> bool:
        found = re.search(rb"^Message-ID: *(\S+)", data, re.M | re.I)
        with self.lock:
            number, self.received = self.received, self.received + 1
            self.attempts.append((",".join(to), found.group(1).decode() if found else ""))
        if number == self.hold_at:
            self.holding.set()
            self.release.wait(timeout=60)
            connection.setblocking(False)
            try:
                if connection.recv(1, socket.MSG_PEEK) == b"":
                    return False  # the sender died while we held the reply: nothing was accepted
            except BlockingIOError:
                pass
            except OSError:
                return False
            finally:
                connection.setblocking(True)
        with self.lock:
            self.accepted.append((to, data))
        return True

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def mail_server():
    server = MailServer(hold_at=1)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_a_batch_of_emails_whose_prefork_child_is_killed_mid_way_reaches_each_rater_once(
        own_redis, workers, mail_server):
    team = team_cycle(peers=2, reports=1, externals=1)
    CycleEmail.objects.filter(cycle=team.cycle).delete()  # whatever the build recorded: the batch starts below
    own_redis.take_tasks()
    worker = workers.start(pool="prefork", DJANGO_SETTINGS_MODULE="tests.faults.smtp_worker_settings",
                           FAULT_SMTP_PORT=str(mail_server.server.server_address[1]))
    recorded = emails.send_cycle_emails(team.cycle.pk)  # records the invitations, queues one batch to the worker
    addresses = sorted(CycleEmail.objects.filter(cycle=team.cycle).values_list("to", flat=True))
    assert recorded == len(addresses) >= 3

    # The first email is accepted and marked sent; the child is killed while the server holds the second.
    assert mail_server.holding.wait(timeout=60), workers.log(1)[-3000:]
    child = workers.child_running(1, "assessments.tasks.send_recorded_emails")
    os.kill(child, signal.SIGKILL)
    wait_for(lambda: LOST.search(workers.log(1)), timeout=30, what="the worker to see its child lost")
    mail_server.release.set()
    assert CycleEmail.objects.filter(cycle=team.cycle, sent_at__isnull=False).count() == 1

    # A fresh child runs the batch again and sends only what is still unsent.
    def all_sent() -> bool:
        return not CycleEmail.objects.filter(cycle=team.cycle, sent_at__isnull=True).exists()
    wait_for(all_sent, timeout=90, what="a fresh child to send the rest of the batch")
    assert worker.poll() is None
    assert mail_server.recipients() == addresses  # every rater once: nobody twice, nobody missed
    assert mail_server.received == len(addresses) + 1  # the held one was sent again, since it was never accepted
    # Each email keeps its Message-ID from one attempt to the next: had the kill come after the server's
    # "accepted" but before the row was marked sent, the copy sent again would carry the same id, for mail
    # systems that drop duplicates to drop.
    held_to, held_id = mail_server.attempts[1]
    assert held_id and [mid for to, mid in mail_server.attempts if to == held_to] == [held_id, held_id]
    assert len({mid for _to, mid in mail_server.attempts}) == len(addresses)
