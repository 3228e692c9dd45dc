"""The development plan as a PDF: the person, their role, the status, the objectives (current → target
level, ISO 9001 clauses, due date, success measure, effectiveness check), the actions with owners,
resources and due dates, a timeline by month, the gap chart and the signatures (valid or superseded).

`plan_pdf_source(plan)` is everything the PDF shows as JSON-able data; `render_plan_pdf(plan)` draws the
PDF from it alone, so the documents pipeline reuses a stored file while the source is unchanged.
"""

from __future__ import annotations

from datetime import date, timezone as dt_timezone
from decimal import Decimal

from django.utils import timezone
from django.utils.text import slugify

from competency.models import ProficiencyLevel
from core.charts import target_chart
from signatures.services import signatures_for

from .models import Plan
from .selectors import plan_page, plan_queryset

TEMPLATE = "pdf/plan.html"


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _owner(action, plan: Plan) -> str:
    return str(plan.person) if action.owner is None else (action.owner.get_full_name() or action.owner.email)


def plan_pdf_source(plan: Plan) -> dict:
    plan = plan_queryset().get(pk=plan.pk)
    page = plan_page(plan)
    person = plan.person
    levels: list[tuple[int, str]] = []
    if page.objectives:
        levels = list(ProficiencyLevel.objects.filter(
            scale__frameworks__versions=page.objectives[0].competency.version_id).order_by("value")
            .values_list("value", "name"))
    objectives = []
    for objective in page.objectives:
        objectives.append({
            "code": objective.competency.code, "name": objective.competency.name, "critical": objective.critical,
            "current_level": _text(objective.current_level), "target_level": objective.target_level,
            "iso_clauses": [[clause["number"], clause["title"]] for clause in objective.iso_clauses],
            "due_date": _text(objective.due_date), "success_measure": objective.success_measure,
            "check_method": objective.get_check_method_display() if objective.check_method else "",
            "check_due": _text(objective.check_due),
            "met": _text(objective.met_at.date()) if objective.met_at else None,
            "met_cycle": objective.met_cycle.name if objective.met_cycle_id else None,
            "met_level": _text(objective.met_level),
            "actions": [{
                "kind": action.get_kind_display(), "title": action.title, "detail": action.detail,
                "owner": _owner(action, plan), "hours": _text(action.hours), "budget": _text(action.budget),
                "due_date": _text(action.due_date), "status": action.get_status_display(),
                "done_on": _text(action.done_on),
            } for action in objective.actions.all()],
        })
    timeline = [[month, [[kind, _text(thing.check_due if kind == "check" else thing.due_date),
                          f"{thing.competency.code} effectiveness check" if kind == "check" else (
                              f"{thing.competency.code} target level {thing.target_level} due" if kind == "objective"
                              else thing.title)]
                         for kind, thing in entries]] for month, entries in page.timeline]
    signatures = [{
        "signer": signature.signer_name, "role": signature.signer_role, "meaning": signature.get_meaning_display(),
        "signed_at": signature.signed_at.astimezone(dt_timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "sha256": signature.content_sha256, "version": signature.record_version,
        "state": "superseded" if signature.superseded else "valid",
    } for signature in signatures_for(plan)]
    return {
        "plan": plan.pk, "version": plan.version, "status": plan.get_status_display(),
        "person": str(person), "employee_id": person.employee_id, "org_unit": person.org_unit.name,
        "role": person.role_profile.name if person.role_profile_id else "",
        "source_cycle": plan.source_cycle.name if plan.source_cycle_id else "",
        "created": _text(timezone.localdate(plan.created_at)),
        "submitted": _text(timezone.localdate(plan.submitted_at)) if plan.submitted_at else None,
        "approved": _text(timezone.localdate(plan.approved_at)) if plan.approved_at else None,
        "completed": _text(timezone.localdate(plan.completed_at)) if plan.completed_at else None,
        "completion_note": plan.completion_note,
        "hours": _text(page.hours), "budget": _text(page.budget),
        "levels": [[value, name] for value, name in levels],
        "objectives": objectives, "timeline": timeline, "signatures": signatures,
    }


def _chart(source: dict):
    rows = []
    for objective in source["objectives"]:
        current = None if objective["current_level"] is None else float(objective["current_level"])
        status = "met" if objective["met"] else ("critical" if objective["critical"] else "gap")
        label = f"{objective['code']} {objective['name']}"
        drafted = objective["current_level"] or "no evidence"
        title = f"{label}: target {objective['target_level']}, at drafting {drafted}"
        rows.append((label, title, objective["target_level"], current, status))
    if not rows:
        return None
    return target_chart(title=f"Level at drafting against the target level per objective for {source['person']}",
                        rows=rows, levels=[tuple(level) for level in source["levels"]])


def render_plan_pdf(plan: Plan) -> bytes:
    from core.pdf import render_pdf

    source = plan_pdf_source(plan)
    return render_pdf(TEMPLATE, {"plan": source, "chart": _chart(source)},
                      title=f"Development plan: {source['person']}",
                      subject=f"Development plan of {source['person']}, version {source['version']} "
                              f"({source['status'].lower()})")


def plan_filename(plan: Plan) -> str:
    return f"plan-{slugify(str(plan.person)) or 'leader'}-{plan.pk}-v{plan.version}.pdf"
