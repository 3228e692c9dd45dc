"""Asking for a document and rendering it: the one writer of `Document` rows and their files."""

from __future__ import annotations

import hashlib
import logging

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.db import advisory_lock, queue_after_commit

from .models import ACTIVE_STATUSES, Document, DocumentStatus, private_storage
from .registry import Kind, get_kind

log = logging.getLogger(__name__)

MAX_ERROR = 500


def _for(kind: str, obj) -> Document:
    return Document.objects.filter(kind=kind, object_id=obj.pk)


def latest_document(kind: str, obj) -> Document | None:
    """The document a page shows for `obj`: the one asked for last (one query)."""
    return _for(kind, obj).order_by("-requested_at", "-pk").first()


def request_document(kind: str, obj, *, user) -> Document:
    """The document of `kind` about `obj`, rendered from what the object shows now:

    - a finished one of the same source (nothing changed) is reused: no new render;
    - a queued or rendering one is returned as it is (a double click starts nothing twice);
    - otherwise a new one is queued (a task renders it, after the commit).
    The caller has checked that `user` may read the object.
    """
    spec = get_kind(kind)
    source_sha256 = spec.source_sha256(obj)
    now = timezone.now()
    with transaction.atomic():
        advisory_lock(f"document:{kind}:{obj.pk}")  # PostgreSQL; SQLite's transactions already take turns
        active = _for(kind, obj).filter(status__in=ACTIVE_STATUSES).select_for_update().first()
        if active is not None:
            if not active.stalled:
                return active
            _fail(active, "The render did not finish: its worker most likely stopped. It was started again.")
        reusable = (_for(kind, obj).filter(status=DocumentStatus.DONE, source_sha256=source_sha256)
                    .order_by("-finished_at", "-pk").first())
        if reusable is not None:
            Document.objects.filter(pk=reusable.pk).update(requested_at=now)
            reusable.requested_at = now
            return reusable
        try:
            with transaction.atomic():
                document = Document.objects.create(kind=kind, object_id=obj.pk, source_sha256=source_sha256,
                                                   requested_by=user, requested_at=now)
        except IntegrityError:  # another request queued one between our check and the insert
            return _for(kind, obj).get(status__in=ACTIVE_STATUSES)
        queue_after_commit("documents.tasks.render_document", document.pk)
    return document


def _fail(document: Document, reason: str) -> None:
    Document.objects.filter(pk=document.pk).update(status=DocumentStatus.FAILED, error=reason[:MAX_ERROR],
                                                   finished_at=timezone.now())
    document.status, document.error = DocumentStatus.FAILED, reason[:MAX_ERROR]


#: Renders started before a document is given up: a task whose worker dies is handed back to the queue
#: (reject_on_worker_lost), so a document that kills its worker every time (out of memory) would come back
#: for ever without this.
MAX_RENDER_ATTEMPTS = 3


def _start(document_id: int) -> Document | None:
    """Marks the document as rendering; None when there is nothing to do (done, failed, gone, or given up
    after MAX_RENDER_ATTEMPTS renders that never finished)."""
    with transaction.atomic():
        document = Document.objects.select_for_update().filter(pk=document_id).first()
        if document is None or document.status not in ACTIVE_STATUSES:
            return None
        if document.attempts >= MAX_RENDER_ATTEMPTS:
            log.error("Document %s: %s renders stopped their worker; given up", document_id, document.attempts)
            _fail(document, f"The PDF could not be created: its render stopped the worker {document.attempts} "
                            "times (it may need more memory than a worker has). Try again later, or ask your "
                            "administrator to look at the PDF workers.")
            return None
        document.status = DocumentStatus.RENDERING
        document.started_at = timezone.now()
        document.attempts += 1
        document.save(update_fields=["status", "started_at", "attempts"])
        return document


def stored_name(sha256: str) -> str:
    return f"documents/{sha256[:2]}/{sha256}.pdf"


def store(data: bytes) -> tuple[str, str]:
    """Saves the bytes under their SHA-256 (once: the same bytes are never written twice)."""
    sha256 = hashlib.sha256(data).hexdigest()
    name = stored_name(sha256)
    storage = private_storage()
    if not storage.exists(name):
        name = storage.save(name, ContentFile(data))
    return name, sha256


def render_document(document_id: int) -> Document | None:
    """Renders a queued document (the task calls this). A document already done or failed is left as
    it is, so a redelivered task does nothing twice; a render that raises marks it failed with the
    reason, which the page shows beside "Try again"."""
    document = _start(document_id)
    if document is None:
        return None
    spec: Kind = get_kind(document.kind)
    try:
        obj = spec.objects().get(pk=document.object_id)
    except spec.model.DoesNotExist:
        _fail(document, f"The {spec.label} no longer exists.")
        return document
    try:
        source_sha256 = spec.source_sha256(obj)
        data = spec.render(obj)
        filename = spec.filename(obj)
        name, sha256 = store(data)
    except Exception as error:  # noqa: BLE001 - any failure of a render is shown to the reader
        log.exception("Rendering document %s failed", document_id)
        _fail(document, f"The PDF could not be created ({type(error).__name__}: {error}).")
        return document
    done = Document.objects.filter(pk=document.pk, status=DocumentStatus.RENDERING).update(
        status=DocumentStatus.DONE, source_sha256=source_sha256, sha256=sha256, size=len(data), file=name,
        filename=filename[:200], error="", finished_at=timezone.now())
    document.refresh_from_db()
    if not done:
        log.warning("Document %s changed state while it rendered (now %s)", document_id, document.status)
    return document


def download(document: Document, *, user, filename: str = "document.pdf"):
    """A finished document's PDF as a private attachment, its download sent to whoever logs downloads (the
    evidence pack log). 404 when it is not done or its file is missing. The panel's download and the API's."""
    from django.http import FileResponse, Http404

    from .signals import document_downloaded

    if document.status != DocumentStatus.DONE:
        raise Http404("This document is not ready.")
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing from the document store.") from None
    response = FileResponse(handle, as_attachment=True, filename=document.filename or filename,
                            content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    document_downloaded.send(sender=Document, document=document, user=user)
    return response
