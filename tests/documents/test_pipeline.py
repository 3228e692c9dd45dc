"""The documents pipeline: reuse of an unchanged PDF, a new render when its source changed, one render
for a double request, failures with their reason and a retry, redelivered tasks, the real worker."""

from __future__ import annotations

import time

import pytest
from django.core.files.storage import storages
from django.urls import reverse

from assessments.models import ResultComment
from assessments.services.results import withhold_comment
from documents import services
from documents.models import Document, DocumentStatus
from documents.tasks import render_document
from tests.documents.builders import released, watch_results_renders
from tests.documents.pdfcheck import check_pdf, pdf_text
from tests.helpers import text

pytestmark = pytest.mark.django_db


def ask(team, django_capture_on_commit_callbacks, *, user=None) -> Document:
    with django_capture_on_commit_callbacks(execute=True):
        document = services.request_document("results", team.participant, user=user or team.hr)
    document.refresh_from_db()
    return document


def test_a_request_renders_once_and_stores_the_file_under_its_sha256(django_capture_on_commit_callbacks, monkeypatch):
    team = released()
    renders = watch_results_renders(monkeypatch)
    document = ask(team, django_capture_on_commit_callbacks)
    assert document.status == DocumentStatus.DONE and renders.calls == 1
    data = document.file.read()
    import hashlib

    assert hashlib.sha256(data).hexdigest() == document.sha256 and document.size == len(data)
    assert document.file.name == f"documents/{document.sha256[:2]}/{document.sha256}.pdf"
    assert storages["private"].exists(document.file.name)
    assert document.filename == f"360-results-lena-leader-cycle-leadership-r{team.cycle.release_number}.pdf"
    assert document.started_at <= document.finished_at
    check_pdf(data)


def test_an_unchanged_source_reuses_the_stored_pdf(django_capture_on_commit_callbacks, monkeypatch):
    team = released()
    renders = watch_results_renders(monkeypatch)
    first = ask(team, django_capture_on_commit_callbacks)
    again = ask(team, django_capture_on_commit_callbacks, user=team.manager.user)
    assert again.pk == first.pk and renders.calls == 1
    assert Document.objects.count() == 1


def test_a_changed_source_renders_a_new_pdf(django_capture_on_commit_callbacks, monkeypatch):
    team = released()
    renders = watch_results_renders(monkeypatch)
    first = ask(team, django_capture_on_commit_callbacks)
    comment = ResultComment.objects.get(participant=team.participant)
    withhold_comment(comment, "Names a colleague", actor=team.hr)
    second = ask(team, django_capture_on_commit_callbacks)
    assert second.pk != first.pk and renders.calls == 2
    assert second.source_sha256 != first.source_sha256 and second.sha256 != first.sha256
    assert services.latest_document("results", team.participant) == second
    assert "Keeps the team on course" in pdf_text(first.file.read())
    assert "Keeps the team on course" not in pdf_text(second.file.read())


def test_a_double_request_starts_one_render(django_capture_on_commit_callbacks, monkeypatch):
    team = released()
    renders = watch_results_renders(monkeypatch)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        one = services.request_document("results", team.participant, user=team.hr)
        two = services.request_document("results", team.participant, user=team.hr)
    assert one.pk == two.pk and one.status == DocumentStatus.QUEUED
    assert len(queued) == 1 and renders.calls == 0
    queued[0]()
    assert renders.calls == 1
    assert Document.objects.get().status == DocumentStatus.DONE


def test_the_database_refuses_a_second_render_in_progress_for_one_object():
    from django.db import IntegrityError, transaction

    team = released()
    Document.objects.create(kind="results", object_id=team.participant.pk, source_sha256="a", requested_by=team.hr)
    with pytest.raises(IntegrityError), transaction.atomic():
        Document.objects.create(kind="results", object_id=team.participant.pk, source_sha256="b",
                                requested_by=team.hr, status=DocumentStatus.RENDERING)


def test_a_failed_render_shows_its_reason_and_a_retry_renders_it(client, django_capture_on_commit_callbacks,
                                                                 monkeypatch):
    team = released()
    renders = watch_results_renders(monkeypatch)
    renders.failing = "the font cache is unreadable"
    client.force_login(team.leader.user)
    url = reverse("documents:request", args=["results", team.participant.pk])
    page = reverse("assessments:participant_results", args=[team.participant.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"next": page})
    assert response.status_code == 302 and response["Location"] == page
    failed = Document.objects.get()
    assert failed.status == DocumentStatus.FAILED
    assert failed.error == "The PDF could not be created (RuntimeError: the font cache is unreadable)."
    shown = text(client.get(page))
    assert "the font cache is unreadable" in shown and "Try again" in shown
    renders.failing = None
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"next": page})
    retried = services.latest_document("results", team.participant)
    assert retried.pk != failed.pk and retried.status == DocumentStatus.DONE and renders.calls == 2
    shown = text(client.get(page))
    assert "Download PDF" in shown and "font cache" not in shown


def test_a_redelivered_task_does_nothing_twice(django_capture_on_commit_callbacks, monkeypatch):
    team = released()
    renders = watch_results_renders(monkeypatch)
    document = ask(team, django_capture_on_commit_callbacks)
    render_document.apply(args=[document.pk])  # the broker delivers it again
    render_document.apply(args=[document.pk + 999])  # or a task for a document that is gone
    assert renders.calls == 1
    assert Document.objects.get().finished_at == document.finished_at


def test_a_render_whose_worker_died_is_rendered_again_on_redelivery(django_capture_on_commit_callbacks,
                                                                  monkeypatch):
    team = released()
    renders = watch_results_renders(monkeypatch)
    with django_capture_on_commit_callbacks(execute=False):
        document = services.request_document("results", team.participant, user=team.hr)
    Document.objects.filter(pk=document.pk).update(status=DocumentStatus.RENDERING)  # died half-way
    render_document.apply(args=[document.pk])
    document.refresh_from_db()
    assert document.status == DocumentStatus.DONE and renders.calls == 1


def test_a_render_that_stopped_its_worker_three_times_is_given_up_with_the_reason(client,
                                                                              django_capture_on_commit_callbacks,
                                                                              monkeypatch):
    team = released()
    renders = watch_results_renders(monkeypatch)
    with django_capture_on_commit_callbacks(execute=False):
        document = services.request_document("results", team.participant, user=team.hr)
    for attempt in (1, 2):  # the worker dies each time: the task comes back (reject_on_worker_lost)
        services._start(document.pk)
        document.refresh_from_db()
        assert document.status == DocumentStatus.RENDERING and document.attempts == attempt
    render_document.apply(args=[document.pk])  # the third delivery renders it
    document.refresh_from_db()
    assert document.status == DocumentStatus.DONE and document.attempts == 3 and renders.calls == 1

    # A later render whose worker died at each of its three starts: the fourth delivery gives it up.
    poisoned = Document.objects.create(kind="results", object_id=team.participant.pk, source_sha256="x",
                                       requested_by=team.hr, status=DocumentStatus.RENDERING,
                                       attempts=services.MAX_RENDER_ATTEMPTS)
    render_document.apply(args=[poisoned.pk])
    poisoned.refresh_from_db()
    assert poisoned.status == DocumentStatus.FAILED and renders.calls == 1
    assert "stopped the worker 3 times" in poisoned.error
    client.force_login(team.leader.user)
    shown = text(client.get(reverse("assessments:participant_results", args=[team.participant.pk])))
    assert "stopped the worker 3 times" in shown and "Try again" in shown


def test_a_stalled_render_is_failed_and_started_again_on_request(django_capture_on_commit_callbacks, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    team = released()
    watch_results_renders(monkeypatch)
    with django_capture_on_commit_callbacks(execute=False):
        stuck = services.request_document("results", team.participant, user=team.hr)
    Document.objects.filter(pk=stuck.pk).update(status=DocumentStatus.RENDERING,
                                                 started_at=timezone.now() - timedelta(hours=1))
    fresh = ask(team, django_capture_on_commit_callbacks)
    stuck.refresh_from_db()
    assert stuck.status == DocumentStatus.FAILED and "worker most likely stopped" in stuck.error
    assert fresh.pk != stuck.pk and fresh.status == DocumentStatus.DONE


def test_a_document_whose_object_is_gone_fails_with_the_reason(django_capture_on_commit_callbacks):
    team = released()
    stray = Document.objects.create(kind="results", object_id=team.participant.pk + 10_000, source_sha256="x",
                                    requested_by=team.hr)
    services.render_document(stray.pk)
    stray.refresh_from_db()
    assert stray.status == DocumentStatus.FAILED and stray.error == "The 360° report no longer exists."


@pytest.mark.services
def test_the_pdf_is_rendered_by_a_real_worker_on_the_pdf_queue(celery_worker, client):
    from django.conf import settings

    team = released()
    client.force_login(team.leader.user)
    response = client.post(reverse("documents:request", args=["results", team.participant.pk]))
    assert response.status_code == 302
    document = Document.objects.get()
    deadline = time.monotonic() + 90
    while document.status in (DocumentStatus.QUEUED, DocumentStatus.RENDERING) and time.monotonic() < deadline:
        time.sleep(0.3)
        document.refresh_from_db()
    assert document.status == DocumentStatus.DONE, document.error
    assert settings.CELERY_TASK_ROUTES["documents.tasks.*"]["queue"] == settings.PDF_QUEUE
    download = client.get(reverse("documents:download", args=[document.pk]))
    assert download.status_code == 200
    check_pdf(b"".join(download.streaming_content))
