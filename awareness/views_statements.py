"""Pages of controlled statements and acknowledgements: HR and quality's statement list, create, revise,
approve (by signature) and publish; coverage per statement and org unit; a leader's "Waiting for your
acknowledgement" page and the acknowledgements they sign there.

Thin: permission, form or service, response. Statements' audience is HR, quality and auditors (`statement.view`:
404 for anyone else); a refusal because of a revision's state comes back with the reason."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.permissions import get_for_user, permission_required, require, visible
from core.responses import apply_form_errors, done, form_page, invalid, refuse
from profiles.models import ProfileStatus
from profiles.rules import person_of
from signatures.services import signatures_for

from . import selectors, services
from .forms import AcknowledgeForm, ApproveForm, StatementForm
from .models import RevisionStatus, Statement, StatementRevision

T = "awareness/"


def _statement_url(statement) -> str:
    return reverse("awareness:statement_detail", args=[statement.pk])


def _revision(request: HttpRequest, pk: int, action: str) -> StatementRevision:
    revision = get_for_user(request.user, StatementRevision.objects.select_related("statement", "created_by"),
                            "statement.view", pk=pk)
    require(request.user, action, revision.statement)
    return revision


@require_safe
@permission_required("statement.browse")
def statement_list(request: HttpRequest) -> HttpResponse:
    statements = visible(request.user, "statement", selectors.statements())
    return render(request, T + "statement_list.html", {"statements": statements})


@require_http_methods(["GET", "POST"])
@permission_required("statement.create")
def statement_create(request: HttpRequest) -> HttpResponse:
    form = StatementForm(request.POST or None)

    def save():
        data = form.cleaned_data
        statement = services.statement_create(kind=data["kind"], title=data["title"], measure=data["measure"],
                                              target=data["target"], revision=form.revision_input(),
                                              actor=request.user)
        return done(request, f"“{statement}” saved as a draft revision 1: another HR or quality manager approves it.",
                    _statement_url(statement))

    return form_page(request, form, T + "statement_form.html", {"statement": None}, save)


@require_safe
def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_for_user(request.user, Statement.objects.prefetch_related(
        Prefetch("revisions", StatementRevision.objects.prefetch_related("org_units", "role_profiles")
                 .select_related("created_by", "approved_by"))), "statement.view", pk=pk)
    revisions = list(statement.revisions.all())
    open_revision = next((r for r in revisions if r.status in (RevisionStatus.DRAFT, RevisionStatus.APPROVED)), None)
    return render(request, T + "statement_detail.html", {
        "statement": statement, "revisions": revisions, "open_revision": open_revision,
        "signatures": signatures_for(open_revision) if open_revision else []})


@require_http_methods(["GET", "POST"])
def statement_revise(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_for_user(request.user, Statement, "statement.revise", pk=pk)
    current = selectors.open_revision(statement) or statement.current_revision
    form = StatementForm(request.POST or None, statement=statement,
                         initial=StatementForm.initial_for(statement, current))

    def save():
        data = form.cleaned_data
        revision = services.statement_revise(statement=statement, title=data["title"], measure=data["measure"],
                                             target=data["target"], revision=form.revision_input(),
                                             actor=request.user)
        return done(request, f"Revision {revision.number} saved as a draft.", _statement_url(statement))

    return form_page(request, form, T + "statement_form.html", {"statement": statement}, save)


@require_http_methods(["GET", "POST"])
def revision_approve(request: HttpRequest, pk: int) -> HttpResponse:
    revision = _revision(request, pk, "statement.approve")
    if revision.status != RevisionStatus.DRAFT:
        return refuse(request, ValidationError(f"Revision {revision.number} is not a draft: nothing to approve."),
                      _statement_url(revision.statement))
    form = ApproveForm(request.POST or None)

    def save():
        services.revision_approve(revision=revision, actor=request.user, password=form.cleaned_data["password"])
        return done(request, f"Revision {revision.number} approved. Publish it to make it current.",
                    _statement_url(revision.statement))

    return form_page(request, form, T + "statement_approve.html",
                     {"revision": revision, "statement": revision.statement}, save)


@require_POST
def revision_publish(request: HttpRequest, pk: int) -> HttpResponse:
    revision = _revision(request, pk, "statement.publish")
    try:
        services.revision_publish(revision=revision, actor=request.user)
    except ValidationError as error:
        return refuse(request, error, _statement_url(revision.statement))
    return done(request, f"Revision {revision.number} is current: everyone it applies to is asked to acknowledge it.",
                _statement_url(revision.statement))


@require_safe
@permission_required("statement.coverage")
def coverage(request: HttpRequest) -> HttpResponse:
    rows = selectors.coverage()
    return render(request, T + "coverage.html", {"rows": rows, "totals": selectors.coverage_totals(rows)})


# --- a leader's acknowledgements ------------------------------------------------------------------------


def _ack_form(key: str, data=None) -> AcknowledgeForm:
    """The form of one acknowledgement on the page. Each has ids of its own (`key`), so that each "Your password"
    label names its own field and a refused password is shown beside the thing it was to sign."""
    return AcknowledgeForm(data, auto_id=f"id_{key}_%s")


def _mine_context(person, failed: tuple[str, AcknowledgeForm] | None = None) -> dict:
    """The leader's page; `failed` is the (key, bound form) of a refused acknowledgement, shown with its errors."""
    profile = selectors.profile_to_acknowledge(person)
    revisions = list(selectors.current_revisions_for(person))
    forms = {key: _ack_form(key) for key in ["profile", *(f"revision_{r.pk}" for r in revisions)]}
    if failed:
        forms[failed[0]] = failed[1]
    for revision in revisions:
        revision.form = forms[f"revision_{revision.pk}"]
    profile_acknowledged = profile is not None and selectors.profile_acknowledged(person)
    profile_waits = profile is not None and not profile_acknowledged and profile.status == ProfileStatus.APPROVED
    return {"person": person, "revisions": revisions, "profile": profile, "profile_acknowledged": profile_acknowledged,
            "waiting": sum(not revision.acknowledged for revision in revisions) + profile_waits,
            "history": list(selectors.acknowledgements_of(person)), "profile_form": forms["profile"],
            "form": failed[1] if failed else None}


@require_safe
@permission_required("statement.acknowledge")
def mine(request: HttpRequest) -> HttpResponse:
    person = person_of(request.user)
    return render(request, T + "ack_mine.html", _mine_context(person))


def _acknowledged(request: HttpRequest, key: str, form: AcknowledgeForm, person, acknowledge) -> HttpResponse:
    if form.is_valid():
        try:
            _ack, created = acknowledge()
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                apply_form_errors(form, error)
            else:
                return refuse(request, error, reverse("awareness:mine"))
        else:
            if created:
                return done(request, "Acknowledged. Thank you.", reverse("awareness:mine"))
            messages.info(request, "You had acknowledged this already.")
            return redirect("awareness:mine")
    return invalid(request, T + "ack_mine.html", _mine_context(person, failed=(key, form)))


@require_POST
@permission_required("statement.acknowledge")
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_of(request.user)
    revision = _published_revision(pk)
    key = f"revision_{revision.pk}"
    form = _ack_form(key, request.POST)
    return _acknowledged(request, key, form, person, lambda: services.acknowledge_revision(
        person=person, revision=revision, password=form.cleaned_data["password"]))


def _published_revision(pk: int) -> StatementRevision:
    """A revision that was published (404 for a forged id or a draft, which nobody acknowledges); whether it is
    current and applies to the leader, the service says."""
    revision = StatementRevision.objects.select_related("statement").filter(
        pk=pk, status__in=[RevisionStatus.PUBLISHED, RevisionStatus.SUPERSEDED]).first()
    if revision is None:
        raise Http404("No such revision.")
    return revision


@require_POST
@permission_required("statement.acknowledge")
def acknowledge_profile(request: HttpRequest) -> HttpResponse:
    person = person_of(request.user)
    form = _ack_form("profile", request.POST)
    return _acknowledged(request, "profile", form, person, lambda: services.acknowledge_profile(
        person=person, password=form.cleaned_data["password"]))


urlpatterns = [
    path("statements/", statement_list, name="statement_list"),
    path("statements/new/", statement_create, name="statement_create"),
    path("statements/<int:pk>/", statement_detail, name="statement_detail"),
    path("statements/<int:pk>/revise/", statement_revise, name="statement_revise"),
    path("revisions/<int:pk>/approve/", revision_approve, name="revision_approve"),
    path("revisions/<int:pk>/publish/", revision_publish, name="revision_publish"),
    path("coverage/", coverage, name="coverage"),
    path("mine/", mine, name="mine"),
    path("revisions/<int:pk>/acknowledge/", acknowledge, name="acknowledge"),
    path("role-profile/acknowledge/", acknowledge_profile, name="acknowledge_profile"),
]
