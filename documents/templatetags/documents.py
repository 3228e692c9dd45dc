"""`{% load documents %}{% document_panel "results" participant %}`: a page's PDF panel ("Create PDF",
the render's progress, "Download PDF (date, size)", or the failure with "Try again")."""

from __future__ import annotations

from django import template

from accounts.models import Role
from accounts.permissions import can

from core import outbox

from ..models import Document, DocumentStatus
from ..registry import Kind, get_kind

register = template.Library()


def panel_context(request, spec: Kind, obj, document: Document | None, *, script: bool) -> dict:
    user = request.user
    return {
        "request": request,
        "spec": spec,
        "obj": obj,
        "document": document,
        "panel_id": f"document-{spec.kind}-{obj.pk}",
        # Auditors read only: they download what exists, the read-only layer refuses their requests.
        "can_request": user.role != Role.AUDITOR and can(user, spec.rule, obj),
        "next": request.get_full_path() if not request.htmx else request.headers.get("HX-Current-URL", ""),
        "script": script,
        # The broker was down when it was queued: the outbox holds the render until the task queue is back.
        "waiting": document is not None and document.status == DocumentStatus.QUEUED
        and outbox.waiting("documents.tasks.render_document", document.pk),
        "waiting_message": outbox.WAITING_MESSAGE,
    }


@register.inclusion_tag("documents/_panel.html", takes_context=True)
def document_panel(context, kind: str, obj) -> dict:
    from ..services import latest_document

    spec = get_kind(kind)
    request = context["request"]
    return panel_context(request, spec, obj, latest_document(kind, obj), script=True)
