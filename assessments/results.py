"""The read side of released results: pages, exports, dashboards and later PDFs use these.

Everything here reads the stored, shown figures (`ResultCell`) and comments (`ResultComment`) that
`assessments.release` wrote — never an answer. Every aggregate (per area, blind spots, the chart,
exports) is computed from shown cells only: a suppressed cell has no mean and enters no figure.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from competency.models import Competency, ProficiencyLevel
from core.charts import RadarChart, radar_chart

from .models import CellLabel, Cycle, CycleStatus, Participant, ResultCell, ResultComment

#: The order figures are shown in, left to right.
LABEL_ORDER = (CellLabel.SELF, CellLabel.MANAGER, CellLabel.PEER, CellLabel.DIRECT, CellLabel.EXTERNAL,
               CellLabel.OTHER, CellLabel.OTHERS)
ANONYMOUS_LABELS = (CellLabel.PEER, CellLabel.DIRECT, CellLabel.EXTERNAL, CellLabel.OTHER)
_CENT = Decimal("0.01")


def _rounded(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Figure:
    """One shown cell: `mean` is None when nobody rated it or when it is suppressed."""

    label: str
    mean: Decimal | None
    count: int
    responders: int
    suppressed: bool = False

    @property
    def label_display(self) -> str:
        return CellLabel(self.label).label

    @property
    def rated(self) -> str:
        """"rated by 4 of 5": how many rated it of the submitted questionnaires behind the label."""
        return f"rated by {self.count} of {self.responders}"

    @property
    def note(self) -> str:
        if self.suppressed:
            return f"{self.count} response{'s' if self.count != 1 else ''} — too few to show"
        if self.mean is None:
            return "not observed"
        return self.rated


@dataclass(frozen=True)
class Comment:
    pk: int
    label: str
    text: str

    @property
    def label_display(self) -> str:
        return CellLabel(self.label).label


@dataclass
class Line:
    """One competency of the leader's role profile (as frozen at opening) with its shown figures."""

    competency_id: int
    code: str
    name: str
    required: int | None
    critical: bool
    figures: dict[str, Figure] = field(default_factory=dict)
    comments: list[Comment] = field(default_factory=list)
    blind_spot: bool = False
    hidden_strength: bool = False
    #: The figures in the page's columns (None where the label has no cell here).
    row: list[Figure | None] = field(default_factory=list)

    def mean(self, label: str) -> Decimal | None:
        figure = self.figures.get(label)
        return None if figure is None or figure.suppressed else figure.mean

    @property
    def self_mean(self) -> Decimal | None:
        return self.mean(CellLabel.SELF)

    @property
    def manager_mean(self) -> Decimal | None:
        return self.mean(CellLabel.MANAGER)

    @property
    def others_mean(self) -> Decimal | None:
        return self.mean(CellLabel.OTHERS)

    @property
    def gap(self) -> Decimal | None:
        """Self minus all others (positive: the leader rates themself higher)."""
        if self.self_mean is None or self.others_mean is None:
            return None
        return self.self_mean - self.others_mean

    def in_columns(self, columns: list[str]) -> list[Figure | None]:
        return [self.figures.get(label) for label in columns]


@dataclass
class Area:
    name: str
    lines: list[Line] = field(default_factory=list)
    #: Per label, the mean of the competency means shown under it (shown cells only).
    means: dict[str, Decimal] = field(default_factory=dict)
    required_mean: Decimal | None = None
    #: The means in the page's columns.
    row: list[Decimal | None] = field(default_factory=list)

    def means_in_columns(self, columns: list[str]) -> list[Decimal | None]:
        return [self.means.get(label) for label in columns]


@dataclass
class ParticipantResults:
    participant: Participant
    levels: list[tuple[int, str]]
    areas: list[Area]
    columns: list[str]
    gap: Decimal
    comment_count: int

    @property
    def cycle(self) -> Cycle:
        return self.participant.cycle

    @property
    def person(self):
        return self.participant.person

    @property
    def released(self) -> bool:
        return self.cycle.status == CycleStatus.RELEASED

    @property
    def lines(self) -> list[Line]:
        return [line for area in self.areas for line in area.lines]

    @property
    def has_figures(self) -> bool:
        return any(line.figures for line in self.lines)

    @property
    def blind_spots(self) -> list[Line]:
        return [line for line in self.lines if line.blind_spot]

    @property
    def hidden_strengths(self) -> list[Line]:
        return [line for line in self.lines if line.hidden_strength]

    @property
    def column_labels(self) -> list[tuple[str, str]]:
        return [(label, CellLabel(label).label) for label in self.columns]

    @property
    def scale_range(self) -> str:
        values = [value for value, _name in self.levels]
        return f"{min(values)} to {max(values)}" if values else ""

    def chart(self) -> RadarChart:
        """Self, all others and the required level per competency, as a server-drawn SVG radar."""
        lines = self.lines
        series = [
            ("self", "Self", [_float(line.self_mean) for line in lines]),
            ("others", "All others", [_float(line.others_mean) for line in lines]),
            ("required", "Required level", [line.required for line in lines]),
        ]
        series = [entry for entry in series if any(value is not None for value in entry[2])]  # nothing to draw
        return radar_chart(
            title=f"Self, all others and the required level for {self.person}",
            description=(f"One spoke per competency ({len(lines)}), levels {self.scale_range} from the centre out; "
                         f"drawn: {', '.join(name.lower() for _key, name, _values in series)}. "
                         "The table of results per competency gives the same figures."),
            axes=[(line.code, f"{line.code} {line.name}") for line in lines], series=series, levels=self.levels,
        )


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _levels(cycle: Cycle) -> list[tuple[int, str]]:
    return list(ProficiencyLevel.objects.filter(scale__frameworks__versions=cycle.framework_version_id)
                .order_by("value").values_list("value", "name"))


def blind_spot_gap(cycle: Cycle, levels: list[tuple[int, str]]) -> Decimal:
    """How far self and all others must differ: the cycle's setting, or a quarter of the scale's range."""
    if cycle.blind_spot_gap is not None:
        return cycle.blind_spot_gap
    values = [value for value, _name in levels] or [1, 5]
    return Decimal(max(values) - min(values)) / 4


def _flag(line: Line, gap: Decimal) -> None:
    difference = line.gap
    if difference is not None and gap > 0:
        line.blind_spot = difference >= gap
        line.hidden_strength = -difference >= gap


def _lines(participant: Participant) -> list[tuple[str, Line]]:
    """(area name, line) per frozen requirement, in framework order."""
    ordered = sorted(participant.requirements or [], key=lambda r: (
        r.get("area_position", 0), r.get("area_id", 0), r.get("position", 0), r.get("competency_id", 0)))
    return [(r.get("area_name", ""), Line(competency_id=r["competency_id"], code=r.get("code", ""),
                                          name=r.get("name", ""), required=r.get("required_level"),
                                          critical=bool(r.get("critical"))))
            for r in ordered]


def participant_results(participant: Participant) -> ParticipantResults:
    """The leader's released results, per area and competency. Three queries (levels, cells,
    comments) whatever the number of competencies or comments; `participant.cycle` should be loaded."""
    cycle = participant.cycle
    levels = _levels(cycle)
    gap = blind_spot_gap(cycle, levels)
    placed = _lines(participant)
    by_competency = {line.competency_id: line for _area, line in placed}
    used: set[str] = set()
    for competency_id, label, mean, count, responders, suppressed in (
        ResultCell.objects.filter(participant=participant)
        .values_list("competency_id", "label", "mean", "count", "responders", "suppressed")
    ):
        line = by_competency.get(competency_id)
        if line is None:
            continue
        line.figures[label] = Figure(label, None if suppressed else mean, count, responders, suppressed)
        used.add(label)
    comment_count = 0
    for pk, competency_id, label, text in (
        ResultComment.objects.filter(participant=participant, withheld=False)
        .order_by("competency_id", "position").values_list("pk", "competency_id", "label", "text")
    ):
        line = by_competency.get(competency_id)
        if line is not None:
            line.comments.append(Comment(pk, label, text))
            comment_count += 1
    areas: list[Area] = []
    for area_name, line in placed:
        if not areas or areas[-1].name != area_name:
            areas.append(Area(name=area_name))
        areas[-1].lines.append(line)
        _flag(line, gap)
    columns = [label for label in LABEL_ORDER if label in used]
    for area in areas:
        for label in columns:
            shown = [line.mean(label) for line in area.lines if line.mean(label) is not None]
            if shown:
                area.means[label] = _rounded(sum(shown) / len(shown))
        area.row = area.means_in_columns(columns)
        for line in area.lines:
            line.row = line.in_columns(columns)
        required = [line.required for line in area.lines if line.required is not None]
        if required:
            area.required_mean = _rounded(Decimal(sum(required)) / len(required))
    return ParticipantResults(participant=participant, levels=levels, areas=areas, columns=columns, gap=gap,
                              comment_count=comment_count)


def results_participants():
    """Participants with what a results page needs loaded alongside."""
    return Participant.objects.select_related("cycle__framework_version__framework", "person__user",
                                              "person__org_unit", "manager__user")


def released_participants(cycle: Cycle):
    """The cycle's participants for a list of released results (the API's): with their people and the
    number of their shown comments, counted in a subquery. One query for a page."""
    from django.db.models import OuterRef

    from core.db import count_of

    return results_participants().filter(cycle=cycle).annotate(comment_count=count_of(
        ResultComment.objects.filter(participant=OuterRef("pk"), withheld=False), "participant"))


def shown_cells(participant_ids: list[int]) -> dict[int, list[tuple[str, Figure]]]:
    """Per participant, (competency code, figure) of each stored cell, in framework and label order; a
    suppressed figure has no mean. One query for a page of leaders, whatever its size."""
    found: dict[int, list[tuple[str, Figure]]] = {pk: [] for pk in participant_ids}
    order = {label: index for index, label in enumerate(LABEL_ORDER)}
    rows = (ResultCell.objects.filter(participant_id__in=participant_ids)
            .order_by("participant_id", "competency__area__position", "competency__area_id", "competency__position",
                      "competency_id")
            .values_list("participant_id", "competency__code", "label", "mean", "count", "responders", "suppressed"))
    for participant_id, code, label, mean, count, responders, suppressed in rows:
        found[participant_id].append((code, Figure(label, None if suppressed else mean, count, responders, suppressed)))
    for cells in found.values():
        place = {code: index for index, (code, _figure) in reversed(list(enumerate(cells)))}  # framework order
        cells.sort(key=lambda cell: (place[cell[0]], order.get(cell[1].label, len(order))))
    return found


def latest_results_for(person) -> ParticipantResults | None:
    """The person's newest released results (for the dashboard), or None."""
    participant = (results_participants().filter(person=person, cycle__status=CycleStatus.RELEASED)
                   .order_by("-cycle__released_at", "-pk").first())
    return participant_results(participant) if participant is not None else None


# --- exports ---------------------------------------------------------------------------------------

EXPORT_LABELS = LABEL_ORDER


def cycle_header() -> list[str]:
    header = ["Leader", "Employee ID", "Org unit", "Area", "Competency code", "Competency", "Required level"]
    for label in EXPORT_LABELS:
        name = CellLabel(label).label
        header += [f"{name}: mean", f"{name}: rated by", f"{name}: responders"]
    return header + ["Self minus all others", "Flag"]


def cycle_rows(cycle: Cycle, *, chunk_size: int = 5000) -> Iterator[list]:
    """One row per leader and competency of the cycle's stored cells, in leader and framework order:
    the header first. A suppressed figure reads "too few to show" with its count. Values are plain
    (numbers as Decimal or int, text as str): the writer makes text cells formula-safe."""
    yield cycle_header()
    levels = _levels(cycle)
    gap = blind_spot_gap(cycle, levels)
    competencies = {pk: (code, name, area) for pk, code, name, area in Competency.objects.filter(
        version_id=cycle.framework_version_id).values_list("pk", "code", "name", "area__name")}
    leaders: dict[int, tuple[str, str, str]] = {}
    required: dict[int, dict[int, int]] = {}
    for participant in (Participant.objects.filter(cycle=cycle).select_related("person__user", "person__org_unit")
                        .only("requirements", "person__employee_id", "person__org_unit__name",
                              "person__user__first_name", "person__user__last_name", "person__user__email")
                        .iterator(chunk_size=1000)):
        person = participant.person
        leaders[participant.pk] = (str(person), person.employee_id, person.org_unit.name if person.org_unit_id else "")
        required[participant.pk] = {r["competency_id"]: r.get("required_level") for r in participant.requirements or []}
    cells = (ResultCell.objects.filter(participant__cycle=cycle)
             .order_by("participant__person__sort_last_name", "participant__person__sort_first_name", "participant_id",
                       "competency__area__position", "competency__area_id", "competency__position", "competency_id")
             .values_list("participant_id", "competency_id", "label", "mean", "count", "responders", "suppressed"))
    current: tuple[int, int] | None = None
    figures: dict[str, tuple] = {}
    for participant_id, competency_id, label, mean, count, responders, suppressed in cells.iterator(
            chunk_size=chunk_size):
        key = (participant_id, competency_id)
        if key != current and current is not None:
            yield _export_row(current, figures, leaders, required, competencies, gap)
            figures = {}
        current = key
        figures[label] = (mean, count, responders, suppressed)
    if current is not None:
        yield _export_row(current, figures, leaders, required, competencies, gap)


def _export_row(key, figures, leaders, required, competencies, gap) -> list:
    participant_id, competency_id = key
    name, employee_id, unit = leaders.get(participant_id, ("", "", ""))
    code, competency_name, area = competencies.get(competency_id, ("", "", ""))
    row = [name, employee_id, unit, area, code, competency_name, required.get(participant_id, {}).get(competency_id)]
    for label in EXPORT_LABELS:
        found = figures.get(label)
        if found is None:
            row += [None, None, None]
            continue
        mean, count, responders, suppressed = found
        row += ["too few to show" if suppressed else mean, count, responders]
    self_mean = _shown(figures.get(CellLabel.SELF))
    others = _shown(figures.get(CellLabel.OTHERS))
    difference = None if self_mean is None or others is None else self_mean - others
    flag = ""
    if difference is not None and gap > 0:
        flag = "blind spot" if difference >= gap else "hidden strength" if -difference >= gap else ""
    return row + [difference, flag]


def _shown(found) -> Decimal | None:
    if found is None or found[3]:
        return None
    return found[0]
