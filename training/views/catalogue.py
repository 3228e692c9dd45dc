"""Training pages: the catalogue. Everyone signed in browses programmes and sessions; HR and quality
create and change them (a programme with its target competencies and prerequisites, sessions, their
cancellation). Reads go through `training.selectors_catalogue`, changes through
`training.services.catalogue`."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.permissions import can, get_for_user, permission_required
from core.responses import apply_form_errors, done, invalid, refuse

from .. import selectors_catalogue as read
from ..forms_catalogue import ProgrammeFilterForm, ProgrammeForm, SessionForm, level_formset, published_competencies
from ..models import Programme, Session
from ..services import catalogue as services


def _programme_page(programme: Programme) -> str:
    return reverse("training:programme_detail", args=[programme.pk])


def _session_page(session: Session) -> str:
    return reverse("training:session_detail", args=[session.pk])


# --- programmes ------------------------------------------------------------------------------------------


@require_safe
@permission_required("programme.browse")
def programme_list(request: HttpRequest) -> HttpResponse:
    form = ProgrammeFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {"kind": "", "active": True, "competency": "", "q": ""}
    return render(request, "training/catalogue/programme_list.html", {
        "filter_form": form, "programmes": read.programme_list(**filters),
        "filtered": bool(request.GET), "can_create": can(request.user, "programme.create")})


def _programme_form_page(request: HttpRequest, programme: Programme | None) -> HttpResponse:
    competencies = published_competencies()
    data = request.POST if request.method == "POST" else None
    form = ProgrammeForm(data, instance=programme)
    targets = level_formset(data, prefix="target", competencies=competencies,
                            rows=programme.targets.all() if programme else [])
    prerequisites = level_formset(data, prefix="prereq", competencies=competencies,
                                  rows=programme.prerequisites.all() if programme else [])
    template = "training/catalogue/programme_form.html"
    context = {"programme": programme, "form": form, "targets": targets, "prerequisites": prerequisites}
    if request.method != "POST":
        return render(request, template, context)
    if not (form.is_valid() and targets.is_valid() and prerequisites.is_valid()):
        return invalid(request, template, context)
    fields = {name: form.cleaned_data[name] for name in services.PROGRAMME_FIELDS}
    try:
        if programme is None:
            programme = services.programme_create(actor=request.user, targets=targets.pairs(),
                                                  prerequisites=prerequisites.pairs(), **fields)
            message = f"{programme} is in the catalogue."
        else:
            programme = services.programme_update(programme, actor=request.user, targets=targets.pairs(),
                                                  prerequisites=prerequisites.pairs(), **fields)
            message = f"{programme} saved."
    except ValidationError as error:
        apply_form_errors(form, error)
        return invalid(request, template, context)
    return done(request, message, _programme_page(programme))


@require_http_methods(["GET", "POST"])
@permission_required("programme.create")
def programme_create(request: HttpRequest) -> HttpResponse:
    return _programme_form_page(request, None)


@require_http_methods(["GET", "POST"])
def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_for_user(request.user, Programme, "programme.edit", pk=pk)
    return _programme_form_page(request, programme)


@require_safe
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_for_user(request.user, Programme.objects.select_related("created_by"), "programme.view", pk=pk)
    return render(request, "training/catalogue/programme_detail.html", {
        "programme": programme, **read.programme_sheet(programme),
        "can_edit": can(request.user, "programme.edit", programme),
        "can_plan": can(request.user, "session.create", programme)})


# --- sessions --------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def session_create(request: HttpRequest, programme_pk: int) -> HttpResponse:
    programme = get_for_user(request.user, Programme, "session.create", pk=programme_pk)
    form = SessionForm(request.POST if request.method == "POST" else None)
    template = "training/catalogue/session_form.html"
    context = {"programme": programme, "form": form, "session": None}
    if request.method == "POST":
        if form.is_valid():
            try:
                session = services.session_create(programme, actor=request.user,
                                                  **{f: form.cleaned_data[f] for f in services.SESSION_FIELDS})
            except ValidationError as error:
                apply_form_errors(form, error)
            else:
                return done(request, f"Session of {programme} planned.", _session_page(session))
        return invalid(request, template, context)
    return render(request, template, context)


def _session(request: HttpRequest, pk: int, action: str = "session.view") -> Session:
    return get_for_user(request.user, Session.objects.select_related("programme"), action, pk=pk)


@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk, "session.edit")
    if session.cancelled:
        return refuse(request, ValidationError("This session is cancelled: it can no longer change."),
                      _session_page(session))
    form = SessionForm(request.POST if request.method == "POST" else None, instance=session)
    template = "training/catalogue/session_form.html"
    context = {"programme": session.programme, "form": form, "session": session}
    if request.method == "POST":
        if form.is_valid():
            try:
                services.session_update(session, actor=request.user,
                                        **{f: form.cleaned_data[f] for f in services.SESSION_FIELDS})
            except ValidationError as error:
                apply_form_errors(form, error)
            else:
                return done(request, "Session saved.", _session_page(session))
        return invalid(request, template, context)
    return render(request, template, context)


@require_POST
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk, "session.cancel")
    try:
        services.session_cancel(session, actor=request.user)
    except ValidationError as error:
        return refuse(request, error, _session_page(session))
    return done(request, "Session cancelled. It stays on record; those who had a place, a waiting place or a "
                         "request are told by email.", _session_page(session))


@require_safe
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_for_user(request.user, read.session_with_places(pk), "session.view", pk=pk)
    return render(request, "training/catalogue/session_detail.html", {
        "session": session, "programme": session.programme,
        "can_edit": can(request.user, "session.edit", session),
        "can_cancel": can(request.user, "session.cancel", session)})


urlpatterns = [
    path("programmes/", programme_list, name="programme_list"),
    path("programmes/new/", programme_create, name="programme_create"),
    path("programmes/<int:pk>/", programme_detail, name="programme_detail"),
    path("programmes/<int:pk>/edit/", programme_edit, name="programme_edit"),
    path("programmes/<int:programme_pk>/sessions/new/", session_create, name="session_create"),
    path("sessions/<int:pk>/", session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", session_edit, name="session_edit"),
    path("sessions/<int:pk>/cancel/", session_cancel, name="session_cancel"),
]
