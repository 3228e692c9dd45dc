"""Development plan pages: My plan (and "Draft my plan"), a plan with its objectives, actions and timeline,
the forms that edit a draft, progress on actions, submit, approve by signature, return, reopen and
complete; the list of plans with its filters and budget totals per org unit.

Thin: permission, form or service, response. A plan's audience is its person's (`plan.view`: 404
outside it); inside it the action's rule answers (403 with the reason); a refusal because of the plan's
state comes back to the plan with the reason.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.permissions import can, get_for_user, permission_required
from core.responses import apply_form_errors, done, form_page, invalid, refuse
from profiles.rules import person_of
from signatures.services import signatures_for

from . import selectors
from .filters import PlanFilter
from .forms import ActionForm, ApproveForm, CompleteForm, ObjectiveForm, ProgressForm, ReturnForm
from .models import Action, Objective, Plan
from .services import content, drafting, flow, progress
from .services.content import top_level

TEMPLATES = "devplans/"
#: Plans per page of the list.
PLANS_PER_PAGE = 50
NOT_A_DRAFT = ValidationError("The plan is no longer a draft: reopen it to change it.")


def plan_url(plan: Plan) -> str:
    return reverse("devplans:plan_detail", args=[plan.pk])


def _plan(request: HttpRequest, pk: int, action: str = "plan.view") -> Plan:
    return get_for_user(request.user, selectors.plan_queryset(), action, pk=pk)


def _objective(request: HttpRequest, pk: int, action: str) -> Objective:
    objective = get_object_or_404(Objective.objects.select_related("competency", "plan"), pk=pk)
    objective.plan = _plan(request, objective.plan_id, action)
    return objective


def _action(request: HttpRequest, pk: int, action: str) -> Action:
    found = get_object_or_404(Action.objects.select_related("objective__competency", "programme"), pk=pk)
    found.objective.plan = _plan(request, found.objective.plan_id, action)
    return found


def _permissions(user, plan: Plan) -> dict[str, bool]:
    return {name: can(user, f"plan.{name}", plan)
            for name in ("edit", "submit", "reopen", "approve", "return", "complete", "progress", "request")}


# --- my plan and the plan page ------------------------------------------------------------------------


@require_safe
def my_plan(request: HttpRequest) -> HttpResponse:
    """The signed-in leader's open plan (or their newest completed one), or the button to draft one."""
    person = person_of(request.user)
    plan = selectors.latest_plan(person) if person is not None else None
    if plan is not None and plan.status != "completed":
        return redirect(plan_url(plan))
    return render(request, TEMPLATES + "my_plan.html", {"person": person, "plan": plan})


@require_POST
@permission_required("plan.draft")
def draft(request: HttpRequest) -> HttpResponse:
    person = person_of(request.user)
    try:
        plan, created = drafting.plan_draft(person=person, actor=request.user)
    except ValidationError as error:
        return refuse(request, error, reverse("devplans:mine"))
    if not created:
        return done(request, "You have an open plan already: here it is.", plan_url(plan))
    count = plan.objectives.count()
    return done(request, f"Your plan is drafted with {count} objective{'s' if count != 1 else ''} from your gaps. "
                         "Edit it as you see fit, then submit it to your manager.", plan_url(plan))


@require_safe
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    page = selectors.plan_page(plan)
    return render(request, TEMPLATES + "plan_detail.html", {
        "plan": plan, "page": page, "may": _permissions(request.user, plan), "signatures": signatures_for(plan),
        "own": plan.person.user_id == request.user.pk})


# --- the content of a draft ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def objective_edit(request: HttpRequest, pk: int) -> HttpResponse:
    objective = _objective(request, pk, "plan.edit")
    plan = objective.plan
    if not plan.is_draft:
        return refuse(request, NOT_A_DRAFT, plan_url(plan))
    form = ObjectiveForm(request.POST or None, initial=ObjectiveForm.initial_for(objective),
                         top_level=top_level(objective))

    def save():
        content.objective_update(objective, form.data_for_service(), actor=request.user)
        return done(request, f"Objective {objective.competency.code} saved.", plan_url(plan))

    return form_page(request, form, TEMPLATES + "objective_form.html", {"objective": objective, "plan": plan}, save)


def _action_form_page(request: HttpRequest, form, plan: Plan, objective: Objective, on_valid, action=None):
    return form_page(request, form, TEMPLATES + "action_form.html",
                     {"objective": objective, "plan": plan, "action": action}, on_valid)


@require_http_methods(["GET", "POST"])
def action_add(request: HttpRequest, pk: int) -> HttpResponse:
    objective = _objective(request, pk, "plan.edit")
    plan = objective.plan
    if not plan.is_draft:
        return refuse(request, NOT_A_DRAFT, plan_url(plan))
    form = ActionForm(request.POST or None, owners=selectors.owner_choices(plan.person))

    def save():
        content.action_create(objective, form.data_for_service(), actor=request.user)
        return done(request, "Action added.", plan_url(plan))

    return _action_form_page(request, form, plan, objective, save)


@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    action = _action(request, pk, "plan.edit")
    plan = action.objective.plan
    if not plan.is_draft:
        return refuse(request, NOT_A_DRAFT, plan_url(plan))
    form = ActionForm(request.POST or None, initial=ActionForm.initial_for(action),
                      owners=selectors.owner_choices(plan.person))

    def save():
        content.action_update(action, form.data_for_service(), actor=request.user)
        return done(request, f"“{form.cleaned_data['title']}” saved.", plan_url(plan))

    return _action_form_page(request, form, plan, action.objective, save, action)


@require_POST
def action_remove(request: HttpRequest, pk: int) -> HttpResponse:
    action = _action(request, pk, "plan.edit")
    plan = action.objective.plan
    try:
        content.action_remove(action, actor=request.user)
    except ValidationError as error:
        return refuse(request, error, plan_url(plan))
    return done(request, f"“{action.title}” removed.", plan_url(plan))


# --- progress ---------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def action_progress(request: HttpRequest, pk: int) -> HttpResponse:
    action = _action(request, pk, "plan.progress")
    plan = action.objective.plan
    if not plan.running:
        return refuse(request, ValidationError("Progress is recorded once the plan is approved."), plan_url(plan))
    form = ProgressForm(request.POST or None)

    def save():
        status, note = form.cleaned_data["status"], form.cleaned_data["note"]
        if status:
            progress.action_set_status(action, actor=request.user, status=status, note=note)
        else:
            progress.note_add(action, actor=request.user, text=note)
        return done(request, f"Progress on “{action.title}” recorded.", plan_url(plan))

    return form_page(request, form, TEMPLATES + "progress_form.html",
                     {"action": action, "plan": plan, "notes": action.notes.select_related("author")}, save)


@require_POST
def action_request_place(request: HttpRequest, pk: int) -> HttpResponse:
    action = _action(request, pk, "plan.request")
    plan = action.objective.plan
    try:
        action = flow.action_request_place(action, actor=request.user)
    except ValidationError as error:
        return refuse(request, error, plan_url(plan))
    return done(request, f"Your request for a place in {action.enrolment.session} is sent: your manager decides on it.",
                plan_url(plan))


# --- the status flow ----------------------------------------------------------------------------------------


@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk, "plan.submit")
    try:
        flow.plan_submit(plan, actor=request.user)
    except ValidationError as error:
        return refuse(request, error, plan_url(plan))
    return done(request, "Your plan is submitted: your manager approves it or returns it with comments.",
                plan_url(plan))


@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk, "plan.reopen")
    try:
        flow.plan_reopen(plan, actor=request.user)
    except ValidationError as error:
        return refuse(request, error, plan_url(plan))
    return done(request, "The plan is a draft again: change it and submit it once more. An earlier approval no longer "
                         "covers it.", plan_url(plan))


def _decision_page(request: HttpRequest, plan: Plan, *, approve_form=None, return_form=None, status: int = 200):
    page = selectors.plan_page(plan)
    return render(request, TEMPLATES + "approve.html", {
        "plan": plan, "page": page, "approve_form": approve_form or ApproveForm(),
        "return_form": return_form or ReturnForm(), "signatures": signatures_for(plan)}, status=status)


@require_http_methods(["GET", "POST"])
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk, "plan.approve")
    if plan.status != "submitted":
        return refuse(request, ValidationError(f"Only a submitted plan is approved; this one is "
                                               f"{plan.get_status_display().lower()}."), plan_url(plan))
    if request.method == "GET":
        return _decision_page(request, plan)
    form = ApproveForm(request.POST)
    if form.is_valid():
        try:
            _, _, requested = flow.plan_approve(plan, actor=request.user, password=form.cleaned_data["password"],
                                                meaning=form.cleaned_data["meaning"])
        except ValidationError as error:
            apply_form_errors(form, error)
        else:
            message = "The plan is approved and signed."
            if requested:
                message += (f" {requested} training action{'s' if requested != 1 else ''} became "
                            f"enrolment request{'s' if requested != 1 else ''}: decide on them under My training.")
            return done(request, message, plan_url(plan))
    return _decision_page(request, plan, approve_form=form, status=400)


@require_POST
def return_plan(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk, "plan.return")
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return _decision_page(request, plan, return_form=form, status=400)
    try:
        flow.plan_return(plan, actor=request.user, comment=form.cleaned_data["comment"])
    except ValidationError as error:
        return refuse(request, error, plan_url(plan))
    return done(request, f"The plan is returned to {plan.person} with your comment.", plan_url(plan))


@require_http_methods(["GET", "POST"])
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk, "plan.complete")
    if not plan.running:
        return refuse(request, ValidationError(f"Only an approved plan is completed; this one is "
                                               f"{plan.get_status_display().lower()}."), plan_url(plan))
    form = CompleteForm(request.POST or None)

    def save():
        flow.plan_complete(plan, actor=request.user, note=form.cleaned_data["note"])
        return done(request, "The plan is complete.", plan_url(plan))

    return form_page(request, form, TEMPLATES + "complete_form.html", {"plan": plan}, save)


# --- the list ----------------------------------------------------------------------------------------------


@require_safe
@permission_required("plan.browse")
def plan_list(request: HttpRequest) -> HttpResponse:
    """HR, quality and auditors see every plan; a manager their line's and their own; a leader their own.
    Filters: status, org unit (with sub-units), overdue actions; hours and budget per org unit."""
    filterset = PlanFilter(request.GET, queryset=selectors.plans_for_list(request.user), request=request)
    if filterset.is_bound and not filterset.is_valid():
        return invalid(request, TEMPLATES + "plan_list.html", {"filter": filterset, "page": None, "budgets": []})
    plans = filterset.qs
    page = Paginator(plans, PLANS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, TEMPLATES + "plan_list.html", {
        "filter": filterset, "page": page, "budgets": selectors.budget_by_unit(plans),
        "today": timezone.localdate()})


urlpatterns = [
    path("", plan_list, name="plan_list"),
    path("me/", my_plan, name="mine"),
    path("draft/", draft, name="draft"),
    path("<int:pk>/", plan_detail, name="plan_detail"),
    path("<int:pk>/submit/", submit, name="submit"),
    path("<int:pk>/approve/", approve, name="approve"),
    path("<int:pk>/return/", return_plan, name="return"),
    path("<int:pk>/reopen/", reopen, name="reopen"),
    path("<int:pk>/complete/", complete, name="complete"),
    path("objectives/<int:pk>/edit/", objective_edit, name="objective_edit"),
    path("objectives/<int:pk>/actions/add/", action_add, name="action_add"),
    path("actions/<int:pk>/edit/", action_edit, name="action_edit"),
    path("actions/<int:pk>/remove/", action_remove, name="action_remove"),
    path("actions/<int:pk>/progress/", action_progress, name="action_progress"),
    path("actions/<int:pk>/request-place/", action_request_place, name="action_request_place"),
]
