"""Gap analysis pages: the runs and their progress, the organisation's heatmap with its drill-down and
export, trends, a manager's team grid and a leader's own gaps. Each reads `gaps.selectors`."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Max, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseClientRefresh

from accounts.permissions import can, get_for_user, permission_required, require
from assessments.models import Cycle, CycleStatus
from assessments.results import results_participants
from core.db import read_snapshot
from core.responses import done, refuse
from core.spreadsheets import table_download
from profiles.rules import manages_anyone, person_of

from . import selectors as read
from .panels import panels_for
from . import services
from .models import MIN_LEADERS, Aggregate, AggregateKind, Analysis, AnalysisStatus


#: Leaders per page behind a heatmap cell.
LEADERS_PER_PAGE = 100


def _list_page() -> str:
    return reverse("gaps:analysis_list")


def _detail_page(analysis: Analysis) -> str:
    return reverse("gaps:analysis_detail", args=[analysis.pk])


# --- runs ----------------------------------------------------------------------------------------------


@require_safe
@permission_required("analysis.browse")
def analysis_list(request: HttpRequest) -> HttpResponse:
    """Every released cycle with its current analysis and its latest run, and the button to run one."""
    cycles = list(Cycle.objects.filter(status__in=[CycleStatus.RELEASED, CycleStatus.RELEASING])
                  .select_related("framework_version__framework").order_by("-released_at", "-pk"))
    latest: dict[int, Analysis] = {}
    current: dict[int, Analysis] = {}
    newest = Analysis.objects.filter(cycle__in=cycles).values("cycle_id").annotate(last=Max("pk")).values("last")
    for analysis in Analysis.objects.filter(Q(pk__in=newest) | Q(current=True), cycle__in=cycles).order_by("pk"):
        latest[analysis.cycle_id] = analysis
        if analysis.current:
            current[analysis.cycle_id] = analysis
    rows = [(cycle, current.get(cycle.pk), latest.get(cycle.pk)) for cycle in cycles]
    return render(request, "gaps/analysis_list.html", {"rows": rows, "can_run": can(request.user, "analysis.run")})


@require_POST
def analysis_run(request: HttpRequest, cycle_pk: int) -> HttpResponse:
    require(request.user, "analysis.run")
    cycle = get_object_or_404(Cycle, pk=cycle_pk)
    try:
        analysis, created = services.start_analysis(cycle, actor=request.user)
    except ValidationError as error:
        return refuse(request, error, _list_page())
    analysis.refresh_from_db()  # without Redis the task has run already, at the commit
    if analysis.status == AnalysisStatus.DONE:
        message = f"The gaps of {analysis.leaders} leaders of {cycle} are analysed."
    elif created:
        message = f"Analysing the gaps of {analysis.progress.get('total', 0)} leaders of {cycle}…"
    else:
        message = f"An analysis of {cycle} is already running: here is its progress."
    return done(request, message, _detail_page(analysis))


def _analysis(request: HttpRequest, pk: int, action: str = "analysis.view") -> Analysis:
    return get_for_user(request.user, Analysis.objects.select_related("cycle", "framework_version__framework",
                                                                      "requested_by"), action, pk=pk)


@require_safe
def analysis_detail(request: HttpRequest, pk: int) -> HttpResponse:
    analysis = _analysis(request, pk)
    return render(request, "gaps/analysis_detail.html", {
        "analysis": analysis, "can_run": can(request.user, "analysis.run")})


@require_safe
def analysis_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar, polled by the run's page every two seconds while it works; once it is done or
    has failed, the page reloads to show the links or the retry button."""
    analysis = _analysis(request, pk)
    if request.htmx and not analysis.active:
        return HttpResponseClientRefresh()
    return render(request, "gaps/_progress.html", {"analysis": analysis, "can_run": can(request.user, "analysis.run")})


@require_POST
def analysis_retry(request: HttpRequest, pk: int) -> HttpResponse:
    analysis = _analysis(request, pk, "analysis.retry")
    try:
        analysis = services.retry(analysis, actor=request.user)
    except ValidationError as error:
        return refuse(request, error, _detail_page(analysis))
    return done(request, "Running the analysis again: it goes on from the leaders already done.", _detail_page(analysis))


# --- the organisation ------------------------------------------------------------------------------------


def _by(request: HttpRequest) -> str:
    by = request.GET.get("by") or AggregateKind.UNIT
    if by not in (AggregateKind.UNIT, AggregateKind.ROLE):
        raise Http404("Heatmaps are by org unit or by role profile.")
    return by


@read_snapshot
@require_safe
@permission_required("analysis.browse")
def heatmap(request: HttpRequest) -> HttpResponse:
    analysis = read.chosen_analysis(request.GET.get("cycle"))
    context = {"analysis": analysis, "analyses": list(read.current_analyses()), "min_leaders": MIN_LEADERS}
    if analysis is not None:
        context["heat"] = heat = read.heatmap(analysis, _by(request))
        context["heat_extra"] = [("by", heat.by)]
    return render(request, "gaps/heatmap.html", context)


@read_snapshot
@require_safe
@permission_required("analysis.browse")
def heatmap_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404("Unknown export format.")
    analysis = read.chosen_analysis(request.GET.get("cycle"))
    if analysis is None:
        raise Http404("No released cycle has a gap analysis yet.")
    heat = read.heatmap(analysis, _by(request))
    by = "roles" if heat.by_role else "units"
    return table_download(read.heatmap_rows(heat), fmt=fmt, sheet="Gaps",
                          filename=f"{slugify(analysis.cycle.name) or 'cycle'}-gaps-by-{by}", notes=[
        f"{analysis.cycle.name}: gap analysis of release {analysis.release_number}, computed "
        f"{analysis.finished_at:%Y-%m-%d %H:%M} UTC from the shown 360° results",
        f"Cells with fewer than {MIN_LEADERS} assessed leaders give their counts and no figures.",
        "Mean gap: levels below the requirement (0 where met); the observed level weighs the manager and the shown "
        "anonymous groups by the cycle's weights, and self ratings never count.",
    ])


def _number(request: HttpRequest, name: str) -> int:
    value = request.GET.get(name, "")
    if not read.is_id(value):
        raise Http404(f"No such {name}.")
    return int(value)


@read_snapshot
@require_safe
@permission_required("analysis.browse")
def heatmap_cell(request: HttpRequest) -> HttpResponse:
    """The leaders behind one cell of the heatmap, for those who may see each of them."""
    analysis = read.chosen_analysis(request.GET.get("cycle"))
    if analysis is None:
        raise Http404("No released cycle has a gap analysis yet.")
    by, key, competency_id = _by(request), _number(request, "key"), _number(request, "competency")
    lookup = {"role_profile_id": key} if by == AggregateKind.ROLE else {"org_unit_id": key}
    aggregate = get_object_or_404(Aggregate.objects.select_related("competency", "org_unit", "role_profile"),
                                  analysis=analysis, kind=by, competency_id=competency_id, **lookup)
    leaders = Paginator(read.cell_leaders(request.user, analysis, by, key, competency_id), LEADERS_PER_PAGE)
    return render(request, "gaps/cell.html", {
        "analysis": analysis, "aggregate": aggregate, "by": by, "min_leaders": MIN_LEADERS,
        "group": aggregate.role_profile if by == AggregateKind.ROLE else aggregate.org_unit,
        "page": leaders.get_page(request.GET.get("page"))})


@read_snapshot
@require_safe
@permission_required("analysis.browse")
def trends(request: HttpRequest) -> HttpResponse:
    return render(request, "gaps/trends.html", {"trend": read.organisation_trend()})


# --- people ------------------------------------------------------------------------------------------------


def _leader_page(request: HttpRequest, participant, *, own: bool) -> HttpResponse:
    gaps = read.leader_gaps(participant)
    reader = person_of(request.user)
    from_team = not own and reader is not None and participant.person.manager_id == reader.pk
    return render(request, "gaps/leader.html", {
        "participant": participant, "gaps": gaps, "own": own, "chart": gaps.chart() if gaps and gaps.lines else None,
        "trend": read.leader_trend(request.user, participant.person), "can_browse": can(request.user, "analysis.browse"),
        "from_team": from_team, "panels": panels_for(request, gaps) if gaps and gaps.lines else []})


@read_snapshot
@require_safe
@permission_required("gaps.mine")
def my_gaps(request: HttpRequest) -> HttpResponse:
    """The signed-in leader's gaps in their newest released cycle with an analysis."""
    person = person_of(request.user)
    participant = read.latest_participation(person) if person is not None else None
    if participant is None:
        return render(request, "gaps/leader.html", {"participant": None, "gaps": None, "own": True})
    participant = results_participants().get(pk=participant.pk)
    return _leader_page(request, participant, own=True)


@read_snapshot
@require_safe
def leader(request: HttpRequest, pk: int) -> HttpResponse:
    """A leader's gaps in one cycle: for exactly those who may read that leader's released results."""
    participant = get_for_user(request.user, results_participants(), "participant.results", pk=pk)
    person = person_of(request.user)
    return _leader_page(request, participant, own=person is not None and person.pk == participant.person_id)


@read_snapshot
@require_safe
@permission_required("gaps.team")
def team(request: HttpRequest) -> HttpResponse:
    """A manager's direct reports × competencies in a released cycle, coloured by status."""
    person = person_of(request.user)
    analysis = read.chosen_analysis(request.GET.get("cycle"))
    sort = request.GET.get("sort", "name")
    if sort not in read.TEAM_SORTS:
        sort = "name"
    grid = read.team_grid(request.user, person, analysis, sort) if analysis is not None and person is not None else None
    return render(request, "gaps/team.html", {
        "analysis": analysis, "analyses": list(read.current_analyses()), "grid": grid, "sort": sort,
        "sort_extra": [("sort", sort)], "has_person": person is not None, "has_reports": manages_anyone(request.user)})
