"""A document's panel actions: ask for it, follow its render, download it.

Each view fetches the document's object through the permission engine with the kind's rule: 404
outside the object's audience (or for a forged kind, object or document), 403 inside it without the
right (e.g. results not released yet)."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from accounts.permissions import get_for_user
from core import outbox

from . import services
from .models import Document, DocumentStatus
from .registry import Kind, get_kind
from .templatetags.documents import panel_context


def _object(request: HttpRequest, spec: Kind, object_id: int):
    return get_for_user(request.user, spec.objects(), spec.rule, pk=object_id)


def _document(request: HttpRequest, pk: int) -> tuple[Document, Kind, object]:
    document = get_object_or_404(Document, pk=pk)
    spec = get_kind(document.kind)
    return document, spec, _object(request, spec, document.object_id)


def _back(request: HttpRequest, spec: Kind, obj) -> str:
    """The page the request came from (`next` or the referrer, on this site only), else the object's page."""
    for target in (request.POST.get("next"), request.META.get("HTTP_REFERER")):
        if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                      require_https=request.is_secure()):
            return target
    return spec.page(obj) if spec.page is not None else "/"


def _panel(request: HttpRequest, spec: Kind, obj, document: Document | None) -> HttpResponse:
    return render(request, "documents/_panel.html", panel_context(request, spec, obj, document, script=False))


@require_POST
def document_request(request: HttpRequest, kind: str, object_id: int) -> HttpResponse:
    """Asks for the PDF: reuses the stored one when nothing changed, else queues a render (once)."""
    spec = get_kind(kind)
    obj = _object(request, spec, object_id)
    before = services.latest_document(kind, obj)
    document = services.request_document(kind, obj, user=request.user)
    if request.htmx:
        return _panel(request, spec, obj, document)
    if document.status == DocumentStatus.DONE:
        if before is not None and before.pk == document.pk:
            messages.info(request, f"The {spec.label} PDF is up to date: nothing in it changed since it was created.")
        else:
            messages.success(request, f"The {spec.label} PDF is ready to download.")
    elif document.status == DocumentStatus.FAILED:
        messages.error(request, f"The {spec.label} PDF could not be created: {document.error}")
    elif before is not None and before.pk == document.pk:
        messages.info(request, f"The {spec.label} PDF is already being created.")
    elif outbox.waiting("documents.tasks.render_document", document.pk):
        messages.warning(request, f"The {spec.label} PDF is {outbox.WAITING_MESSAGE}.")
    else:
        messages.success(request, f"The {spec.label} PDF is being created: this page shows when it is ready.")
    return redirect(_back(request, spec, obj))


@require_safe
def document_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The panel, polled every two seconds while the document is queued or rendering."""
    document, spec, obj = _document(request, pk)
    latest = services.latest_document(document.kind, obj)
    return _panel(request, spec, obj, latest or document)


@require_safe
def document_download(request: HttpRequest, pk: int) -> FileResponse:
    document, _spec, _obj = _document(request, pk)
    return services.download(document, user=request.user)
