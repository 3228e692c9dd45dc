"""The read side of gap analyses: pages, exports and (later) development plans use these.

Everything reads the current analysis of a released cycle (`Analysis.current`), whose rows were
computed from the shown cells only; nothing here reads a cell or an answer. Each function costs a
fixed number of queries whatever the number of leaders, units or competencies.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, QuerySet
from django.http import Http404

from accounts.permissions import visible
from assessments.models import CycleStatus, Participant
from competency.models import Competency, ProficiencyLevel
from core.charts import LineChart, TargetChart, line_chart, target_chart
from core.trees import depth_first
from profiles.models import OrgUnit, RoleProfile

from .models import MIN_LEADERS, Aggregate, AggregateKind, Analysis, GapStatus, LeaderGap, RequirementGap, UnitTree

STATUS_SYMBOL = {GapStatus.CRITICAL: "✕", GapStatus.GAP: "!", GapStatus.NONE: "?", GapStatus.MET: "✓"}
STATUS_WORD = {GapStatus.CRITICAL: "critical", GapStatus.GAP: "gap", GapStatus.NONE: "none", GapStatus.MET: "met"}
#: Heatmap colour steps by mean gap (levels below the requirement): 0, up to .25, .5, 1, more.
HEAT_STEPS = (Decimal("0"), Decimal("0.25"), Decimal("0.5"), Decimal("1"))


def current_analyses() -> QuerySet[Analysis]:
    """The current analysis of every released cycle, newest release first."""
    return (Analysis.objects.filter(current=True, cycle__status=CycleStatus.RELEASED)
            .select_related("cycle", "framework_version__framework").order_by("-cycle__released_at", "-pk"))


def chosen_analysis(cycle_id: str | None) -> Analysis | None:
    """The current analysis of the cycle in `?cycle=` (404 for one that has none, or a forged id), or
    of the newest released cycle when none is given (None when there is none)."""
    analyses = current_analyses()
    if not cycle_id:
        return analyses.first()
    if not is_id(cycle_id):
        raise Http404("No such cycle.")
    found = analyses.filter(cycle_id=int(cycle_id)).first()
    if found is None:
        raise Http404("That cycle has no gap analysis.")
    return found


def is_id(value) -> bool:
    """Whether a query-string value is a row id: ASCII digits only ("²" passes str.isdigit), at most 18."""
    return isinstance(value, str) and re.fullmatch(r"[0-9]{1,18}", value) is not None


def levels_of(analysis: Analysis) -> list[tuple[int, str]]:
    return list(ProficiencyLevel.objects.filter(scale__frameworks__versions=analysis.framework_version_id)
                .order_by("value").values_list("value", "name"))


# --- one leader --------------------------------------------------------------------------------------


@dataclass
class GapLine:
    competency_id: int
    code: str
    name: str
    area: str
    required: int
    weight: Decimal
    critical: bool
    observed: Decimal | None
    self_level: Decimal | None
    gap: Decimal | None
    weighted_gap: Decimal | None
    status: str
    next_level: int

    @property
    def status_label(self) -> str:
        return GapStatus(self.status).label

    @property
    def symbol(self) -> str:
        return STATUS_SYMBOL[self.status]

    @property
    def word(self) -> str:
        return STATUS_WORD[self.status]


@dataclass
class LeaderGaps:
    participant: Participant
    analysis: Analysis
    summary: LeaderGap
    lines: list[GapLine]
    levels: list[tuple[int, str]]

    @property
    def no_evidence(self) -> list[GapLine]:
        return [line for line in self.lines if line.status == GapStatus.NONE]

    def chart(self) -> TargetChart:
        return target_chart(
            title=f"Required against observed level per competency for {self.participant.person}",
            rows=[(f"{line.code} {line.name}", f"{line.code} {line.name}: required {line.required}, observed "
                   f"{'no evidence' if line.observed is None else line.observed}", line.required,
                   None if line.observed is None else float(line.observed), line.word) for line in self.lines],
            levels=self.levels)


def _next_level(observed: Decimal | None, required: int, top: int) -> int:
    """The level whose indicators a leader works on next: the one above the observed level (the
    required level when nothing was observed), never beyond the scale."""
    if observed is None:
        return required
    return max(1, min(top, math.floor(observed) + 1))


def _lines(analysis_id: int, participant_ids: list[int], top: int) -> dict[int, list[GapLine]]:
    """Per leader, their requirement lines: critical gaps first, then gaps, no evidence and met; the
    largest weighted gaps first within each, then in framework order. One query."""
    rows = (RequirementGap.objects.filter(analysis_id=analysis_id, participant_id__in=participant_ids)
            .order_by("participant_id", "status", "-weighted_gap", "competency__area__position",
                      "competency__position", "competency_id")
            .values_list("participant_id", "competency_id", "competency__code", "competency__name",
                         "competency__area__name", "required_level", "weight", "critical", "observed", "self_level",
                         "gap", "weighted_gap", "status"))
    found: dict[int, list[GapLine]] = defaultdict(list)
    for pid, cid, code, name, area, required, weight, critical, observed, self_level, gap, weighted, status in rows:
        found[pid].append(GapLine(cid, code, name, area, required, weight, critical, observed, self_level, gap,
                                  weighted, status, _next_level(observed, required, top)))
    return found


def leader_gaps(participant: Participant) -> LeaderGaps | None:
    """The leader's gaps in their cycle's current analysis, or None while it has none. Four queries."""
    analysis = Analysis.objects.filter(cycle_id=participant.cycle_id, current=True).first()
    if analysis is None:
        return None
    summary = LeaderGap.objects.filter(analysis=analysis, participant=participant).first()
    if summary is None:
        return None
    levels = levels_of(analysis)
    top = max((value for value, _name in levels), default=5)
    lines = _lines(analysis.pk, [participant.pk], top).get(participant.pk, [])
    return LeaderGaps(participant=participant, analysis=analysis, summary=summary, lines=lines, levels=levels)


def requirement_lines(analysis: Analysis, participant_ids: list[int]) -> dict[int, list[GapLine]]:
    """Per leader of a page of `analysis`, their requirement lines as a leader's page orders them. Two
    queries (the scale's levels, the lines) whatever the page's size."""
    top = max((value for value, _name in levels_of(analysis)), default=5)
    return _lines(analysis.pk, participant_ids, top)


def latest_participation(person) -> Participant | None:
    """The person's newest released participation with a gap analysis (for "My gaps")."""
    return (Participant.objects.filter(person=person, cycle__status=CycleStatus.RELEASED,
                                       cycle__gap_analyses__current=True)
            .select_related("cycle", "person__user").order_by("-cycle__released_at", "-pk").first())


# --- trends ------------------------------------------------------------------------------------------


@dataclass
class Trend:
    cycles: list[str]
    readiness: LineChart
    gaps: LineChart | None


def _gap_chart(title: str, cycles: list[str], by_code: dict[str, dict[int, Decimal | None]], names: dict[str, str],
               top: int, *, limit: int = 6) -> LineChart | None:
    """Mean gap per competency across cycles: the competencies with the largest latest gaps (at most
    `limit`, so the lines stay readable; the table under the chart has the same figures)."""
    if not by_code:
        return None
    last = len(cycles) - 1

    def latest(code: str) -> Decimal:
        values = by_code[code]
        return next((values[i] for i in range(last, -1, -1) if values.get(i) is not None), Decimal(0))

    chosen = sorted(by_code, key=lambda code: (-latest(code), code))[:limit]
    largest = max((float(v) for code in chosen for v in by_code[code].values() if v is not None), default=0.0)
    high = min(max(1.0, math.ceil(largest * 2) / 2), float(max(top - 1, 1)))  # the data's range, in half levels
    return line_chart(
        title=title, description=f"Mean gap in levels below the requirement, per release, for {len(chosen)} "
                                 "competencies with the largest latest gaps.",
        x_labels=cycles, y_range=(0, high), y_step=0.25 if high <= 1 else 0.5 if high <= 2 else 1,
        series=[(f"{code} {names[code]}", [None if by_code[code].get(i) is None else float(by_code[code][i])
                                           for i in range(len(cycles))]) for code in chosen])


def organisation_trend() -> Trend | None:
    """Readiness and the mean gap per competency (matched by code across framework versions) over the
    released cycles' current analyses, oldest first. Three queries."""
    analyses = list(current_analyses().order_by("cycle__released_at", "pk"))
    if not analyses:
        return None
    names_of = [f"{a.cycle.name}" for a in analyses]
    index = {a.pk: i for i, a in enumerate(analyses)}
    by_code: dict[str, dict[int, Decimal | None]] = defaultdict(dict)
    names: dict[str, str] = {}
    rows = (Aggregate.objects.filter(analysis__in=[a.pk for a in analyses], kind=AggregateKind.ORGANISATION,
                                     competency__isnull=False)
            .values_list("analysis_id", "competency__code", "competency__name", "mean_gap"))
    for analysis_id, code, name, mean_gap in rows:
        by_code[code][index[analysis_id]] = mean_gap
        names[code] = name
    top = max((value for value, _n in levels_of(analyses[-1])), default=5)
    readiness = line_chart(
        title="Readiness of the organisation per release", description="The leaders' mean readiness index, in %.",
        x_labels=names_of, y_range=(0, 100), y_step=25, unit=" %",
        series=[("Mean readiness", [None if a.readiness is None else float(a.readiness) for a in analyses])])
    return Trend(cycles=names_of, readiness=readiness,
                 gaps=_gap_chart("Mean gap per competency", names_of, by_code, names, top))


def leader_trend(user, person) -> Trend | None:
    """The person's readiness and gaps over the released cycles' current analyses whose results the user
    may read (a rater of theirs in one cycle and their manager in the next sees the next only). Three
    queries."""
    readable = visible(user, "participant", Participant.objects.filter(person=person)).values("pk")
    summaries = list(LeaderGap.objects.filter(person=person, analysis__current=True, participant__in=readable,
                                              analysis__cycle__status=CycleStatus.RELEASED)
                     .select_related("analysis__cycle").order_by("analysis__cycle__released_at", "analysis_id"))
    if len(summaries) < 2:
        return None
    names_of = [s.analysis.cycle.name for s in summaries]
    index = {(s.analysis_id, s.participant_id): i for i, s in enumerate(summaries)}
    by_code: dict[str, dict[int, Decimal | None]] = defaultdict(dict)
    names: dict[str, str] = {}
    rows = RequirementGap.objects.filter(
        analysis_id__in=[s.analysis_id for s in summaries], participant_id__in=[s.participant_id for s in summaries],
    ).values_list("analysis_id", "participant_id", "competency__code", "competency__name", "gap")
    for analysis_id, participant_id, code, name, gap in rows:
        if (analysis_id, participant_id) in index:
            by_code[code][index[(analysis_id, participant_id)]] = gap
            names[code] = name
    readiness = line_chart(
        title=f"Readiness of {person} per release", description="The weighted share of requirements met, in %.",
        x_labels=names_of, y_range=(0, 100), y_step=25, unit=" %",
        series=[("Readiness", [None if s.readiness is None else float(s.readiness) for s in summaries])])
    top = max((value for value, _n in levels_of(summaries[-1].analysis)), default=5)
    return Trend(cycles=names_of, readiness=readiness, gaps=_gap_chart("Gap per competency", names_of, by_code, names, top))


# --- a manager's team ----------------------------------------------------------------------------------


@dataclass
class TeamRow:
    summary: LeaderGap
    cells: list[GapLine | None]

    @property
    def person(self):
        return self.summary.person


@dataclass
class TeamGrid:
    analysis: Analysis
    competencies: list[tuple[int, str, str]]
    rows: list[TeamRow]


TEAM_SORTS = {"readiness": (F("readiness").asc(nulls_last=True), "person__sort_last_name"),
              "-readiness": (F("readiness").desc(nulls_last=True), "person__sort_last_name"),
              "name": ("person__sort_last_name", "person__sort_first_name")}


def team_grid(user, person, analysis: Analysis, sort: str) -> TeamGrid:
    """The person's direct reports in the analysis × the competencies their roles require, each cell a
    requirement's status; only the reports whose results the user may read. Four queries."""
    summaries = list(visible(user, "leadergap", LeaderGap.objects.filter(analysis=analysis, person__manager=person))
                     .select_related("person__user", "participant").order_by(*TEAM_SORTS.get(sort, TEAM_SORTS["name"]),
                                                                          "pk"))
    top = max((value for value, _name in levels_of(analysis)), default=5)
    lines = _lines(analysis.pk, [s.participant_id for s in summaries], top)
    seen: dict[int, tuple[int, str, str, tuple]] = {}
    for found in lines.values():
        for line in found:
            seen.setdefault(line.competency_id, (line.competency_id, line.code, line.name, ()))
    order = {pk: (area, position) for pk, area, position in
             Competency.objects.filter(pk__in=seen).values_list("pk", "area__position", "position")}
    competencies = sorted(((cid, code, name) for cid, code, name, _p in seen.values()),
                          key=lambda c: (*order.get(c[0], (0, 0)), c[0]))
    rows = []
    for summary in summaries:
        by_competency = {line.competency_id: line for line in lines.get(summary.participant_id, [])}
        rows.append(TeamRow(summary=summary, cells=[by_competency.get(cid) for cid, _c, _n in competencies]))
    return TeamGrid(analysis=analysis, competencies=competencies, rows=rows)


# --- the organisation's heatmap --------------------------------------------------------------------------


@dataclass
class HeatCell:
    aggregate: Aggregate | None

    @property
    def shown(self) -> bool:
        return self.aggregate is not None and self.aggregate.mean_gap is not None

    @property
    def heat(self) -> str:
        if not self.shown:
            return "heat-none"
        gap = self.aggregate.mean_gap
        return f"heat-{sum(1 for step in HEAT_STEPS if gap > step)}"


@dataclass
class HeatRow:
    key: int
    name: str
    depth: int
    summary: Aggregate | None
    cells: list[HeatCell] = field(default_factory=list)


@dataclass
class Heatmap:
    analysis: Analysis
    by: str
    competencies: list[tuple[int, str, str]]
    rows: list[HeatRow]
    organisation: list[HeatCell]
    organisation_summary: Aggregate | None
    top_gaps: list[Aggregate]

    @property
    def by_role(self) -> bool:
        return self.by == AggregateKind.ROLE


def _competencies(analysis: Analysis) -> list[tuple[int, str, str]]:
    return list(Competency.objects.filter(version_id=analysis.framework_version_id)
                .order_by("area__position", "area_id", "position", "pk").values_list("pk", "code", "name"))


def heatmap(analysis: Analysis, by: str) -> Heatmap:
    """Competency × org unit (each with its sub-units, in tree order) or × role profile, and the
    organisation's row and top 10 gaps. Five queries whatever the size of the organisation."""
    kind = AggregateKind.ROLE if by == AggregateKind.ROLE else AggregateKind.UNIT
    competencies = [c for c in _competencies(analysis)]
    aggregates = list(Aggregate.objects.filter(analysis=analysis, kind__in=[kind, AggregateKind.ORGANISATION])
                      .select_related("competency"))
    cells: dict[int | None, dict[int | None, Aggregate]] = defaultdict(dict)
    for aggregate in aggregates:
        key = None if aggregate.kind == AggregateKind.ORGANISATION else (
            aggregate.role_profile_id if kind == AggregateKind.ROLE else aggregate.org_unit_id)
        cells[key][aggregate.competency_id] = aggregate
    required = {cid for row in cells.values() for cid in row if cid is not None}
    competencies = [c for c in competencies if c[0] in required]
    if kind == AggregateKind.ROLE:
        named = [(p.pk, p.name, 0) for p in RoleProfile.objects.filter(pk__in=[k for k in cells if k])
                 .only("pk", "name").order_by("name", "pk")]
    else:
        units = list(OrgUnit.objects.only("pk", "name", "parent_id").order_by("name"))
        children: dict[int | None, list[OrgUnit]] = defaultdict(list)
        for unit in units:
            children[unit.parent_id].append(unit)
        named = [(unit.pk, unit.name, depth) for unit, depth in depth_first(children, key=lambda unit: unit.pk)
                 if unit.pk in cells]
    rows = [HeatRow(key=pk, name=name, depth=depth, summary=cells[pk].get(None),
                    cells=[HeatCell(cells[pk].get(cid)) for cid, _code, _name in competencies])
            for pk, name, depth in named]
    organisation = cells.get(None, {})
    top = sorted((a for cid, a in organisation.items() if cid is not None and a.mean_gap is not None and a.mean_gap > 0),
                 key=lambda a: (-a.mean_gap, -(a.share_below or 0), a.competency.code))[:10]
    return Heatmap(analysis=analysis, by=kind, competencies=competencies, rows=rows,
                   organisation=[HeatCell(organisation.get(cid)) for cid, _code, _name in competencies],
                   organisation_summary=organisation.get(None), top_gaps=top)


def heatmap_rows(heat: Heatmap):
    """The heatmap as the export's rows: per row of the page its readiness ("All requirements"), then one
    per competency, the header first. Cells under `MIN_LEADERS` assessed leaders carry their counts and
    no figures, as on the page."""
    yield ["Group", "Row", "Competency code", "Competency", "Leaders", "Assessed", "Mean gap", "% below requirement",
           "% critical gap", "Readiness %", "Note"]
    too_few = f"fewer than {MIN_LEADERS} leaders assessed: no figures"
    kind = "Role profile" if heat.by_role else "Org unit (with sub-units)"
    groups = [("Organisation", "Whole organisation", heat.organisation_summary, heat.organisation)] + [
        (kind, row.name, row.summary, row.cells) for row in heat.rows]
    for group, name, summary, cells in groups:
        if summary is not None:
            yield [group, name, "", "All requirements", summary.leaders, summary.assessed, None, None, None,
                   summary.readiness, "" if summary.readiness is not None else too_few]
        for (cid, code, competency), cell in zip(heat.competencies, cells, strict=True):
            found = cell.aggregate
            if found is None:
                continue
            yield [group, name, code, competency, found.leaders, found.assessed, found.mean_gap, found.share_below,
                   found.share_critical, None, "" if found.mean_gap is not None else too_few]


# --- the leaders behind a heatmap cell ----------------------------------------------------------------------


@dataclass
class CellLeader:
    summary: LeaderGap
    line: GapLine


def cell_leaders(user, analysis: Analysis, by: str, key: int, competency_id: int) -> list[CellLeader]:
    """The leaders behind one heatmap cell whom the user may see, largest gaps first. Three queries."""
    leaders = LeaderGap.objects.filter(analysis=analysis)
    if by == AggregateKind.ROLE:
        leaders = leaders.filter(role_profile_id=key)
    else:
        leaders = leaders.filter(org_unit_id__in=UnitTree.objects.filter(analysis=analysis, ancestor_id=key)
                                 .values("unit_id"))  # the units the cell's figures were summed over
    shown = visible(user, "leadergap", leaders)
    rows = list(RequirementGap.objects.filter(analysis=analysis, competency_id=competency_id,
                                              participant_id__in=shown.values("participant_id"))
                .values_list("participant_id", "competency__code", "competency__name", "competency__area__name",
                             "required_level", "weight", "critical", "observed", "self_level", "gap", "weighted_gap",
                             "status"))
    summaries = {s.participant_id: s for s in shown.filter(participant_id__in=[row[0] for row in rows])
                 .select_related("person__user", "org_unit")} if rows else {}
    found = [CellLeader(summaries[pid], GapLine(competency_id, code, name, area, required, weight, critical, observed,
                                                self_level, gap, weighted, status, 0))
             for pid, code, name, area, required, weight, critical, observed, self_level, gap, weighted, status in rows
             if pid in summaries]
    found.sort(key=lambda c: (c.line.status, -(c.line.gap or 0), c.summary.person.sort_last_name,
                              c.summary.person.sort_first_name))
    return found
