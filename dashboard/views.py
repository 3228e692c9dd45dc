from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import Role
from accounts.permissions import require

from . import selectors


def home(request: HttpRequest) -> HttpResponse:
    """The first page after sign-in, shaped by the user's role."""
    user = request.user
    require(user, "dashboard.view")
    context: dict = {"role": user.role, "todos": selectors.todos(user)}
    if user.role in (Role.HR, Role.QUALITY):
        context["figures"] = selectors.organisation_figures()
        context["open_cycles"] = selectors.open_cycles()
        context.update(selectors.organisation_gaps())
        context.update(selectors.overdue_training_reviews(user))
        context["todos"] += selectors.statement_todos(user)
        context["statement_coverage"] = selectors.statement_coverage()
        template = "dashboard/home_manager.html"
    elif user.role == Role.AUDITOR:
        context["figures"] = selectors.organisation_figures()
        template = "dashboard/home_auditor.html"
    else:
        context.update(selectors.leader_overview(user))
        context["todos"] = selectors.acknowledgement_todos(context["person"]) + context["todos"]
        context.update(selectors.leader_assessments(context["person"]))
        if context.get("reports"):
            context.update(selectors.overdue_training_reviews(user))
        template = "dashboard/home_leader.html"
    return render(request, template, context)
