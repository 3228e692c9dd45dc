"""Charts drawn on the server as SVG: they need no JavaScript, print, and go into PDFs unchanged.

Every chart fits its own viewBox (nothing is drawn outside it) and is drawn at the width of its
container, so it is whole at every screen width and for any number of levels. Long names stay out
of the drawing: the level axis shows numbers and the legend under the chart names them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

FONT = 12
# How wide text is drawn, in thousandths of an em: the advances of DejaVu Sans, the sans-serif font
# Linux browsers and WeasyPrint fall back to and the widest of the usual ones (Arial, Helvetica, Segoe
# UI, Roboto and San Francisco are all narrower), rounded up. (One average width per character, 7.2
# at 12 px, was too little for codes in capitals: they started left of the chart, outside it.)
_ADVANCES = {
    275: "'", 278: "ijl", 295: "IJ", 318: " ,.", 337: "/:;\\|", 353: "f", 361: "-", 391: "()[]", 393: "t",
    401: "!", 412: "r", 460: '"', 500: "*_`", 521: "s", 525: "z", 531: "?", 550: "c", 558: "L", 576: "F",
    580: "k", 592: "vxy", 604: "P", 611: "TY", 612: "o", 613: "a", 616: "e", 632: "E", 634: "hnu",
    635: "Sbdgpq", 637: "$0123456789{}", 656: "K", 685: "AV", 686: "XZ", 687: "B", 695: "R", 699: "C",
    732: "U", 749: "N", 752: "H", 771: "D", 775: "G", 780: "&", 788: "OQ", 818: "w", 838: "#+<=>^~",
    863: "M", 951: "%", 975: "m", 989: "W", 1000: "@…",
}
ADVANCE = {char: width for width, chars in _ADVANCES.items() for char in chars}
OTHER_ADVANCE = 1000  # any other character: an em, as wide as the widest letters (CJK, Œ ≈ 1.07 aside)
ROW = 26
BAR = 18
TOP = 28
PLOT_WIDTH = 320
RIGHT_MARGIN = 16
LABEL_WIDTH = 130  # units (18 average characters); longer labels are shortened with "…" (the full text is the bar's title)


@dataclass(frozen=True)
class Bar:
    label: str
    title: str
    value: int
    highlight: bool
    y: float
    text_y: float
    width: float


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass
class BarChart:
    title: str
    width: float
    height: float
    left: float
    label_x: float
    right: float
    bottom: float
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    legend: list[tuple[int, str]] = field(default_factory=list)
    font: int = FONT
    bar_height: int = BAR


def text_width(text: str, font: float = FONT) -> float:
    """The width `text` takes at `font`, at most: the advances of the widest usual sans-serif font."""
    return font * sum(ADVANCE.get(char, OTHER_ADVANCE) for char in text) / 1000


def _short(label: str) -> str:
    if text_width(label) <= LABEL_WIDTH:
        return label
    end = len(label)
    while end and text_width(label[:end] + "…") > LABEL_WIDTH:
        end -= 1
    return label[:end].rstrip() + "…"


def _level_axis(kind, title: str, labels: list[str], levels: list[tuple[int, str]]):
    """A horizontal chart of `kind` (BarChart, TargetChart) sized for one row per label on a level
    axis, with its ticks: (chart, units per level, top level)."""
    left = math.ceil(10 * (12 + max((text_width(label) for label in labels), default=text_width("0000")))) / 10
    top_level = max((value for value, _name in levels), default=1)
    step = PLOT_WIDTH / top_level
    height = TOP + ROW * len(labels) + 8
    chart = kind(title=title, width=round(left + PLOT_WIDTH + RIGHT_MARGIN, 1), height=height, left=left,
                 label_x=round(left - 6, 1), right=round(left + PLOT_WIDTH, 1), bottom=height - 4, legend=list(levels))
    chart.ticks = [Tick(round(left + step * value, 1), str(value)) for value, _name in levels]
    return chart, step, top_level


def bar_chart(*, title: str, rows: list[tuple[str, str, int, bool]], levels: list[tuple[int, str]]) -> BarChart:
    """Horizontal bars on a level axis. `rows`: (label, title, value, highlight); `levels`: (value, name)."""
    labels = [_short(label) for label, _title, _value, _highlight in rows]
    chart, step, top_level = _level_axis(BarChart, title, labels, levels)
    for index, ((_label, bar_title, value, highlight), label) in enumerate(zip(rows, labels, strict=True)):
        y = TOP + index * ROW
        chart.bars.append(Bar(label=label, title=bar_title, value=value, highlight=highlight, y=y,
                              text_y=y + BAR - 5, width=round(step * min(value, top_level), 1)))
    return chart


# --- radar chart -----------------------------------------------------------------------------------

RADAR_RADIUS = 130
RADAR_LABEL_GAP = 10
RADAR_MARGIN = 8
RADAR_AXIS_LABEL_WIDTH = 84  # units; codes longer than this are shortened with "…" (the full name is its title)
#: How each series is drawn: colour, dash pattern, marker and the legend's line style, so that they
#: differ without colour too.
RADAR_STYLES = {
    "self": ("#d1495b", "6 4", "circle", "dashed"),
    "others": ("#1d3557", "", "square", "solid"),
    "required": ("#2a9d8f", "2 3", "none", "dotted"),
    "manager": ("#8d5fd3", "8 3 2 3", "diamond", "double"),
}


@dataclass(frozen=True)
class RadarAxis:
    label: str
    title: str
    x: float
    y: float
    label_x: float
    label_y: float
    anchor: str


@dataclass(frozen=True)
class RadarMarker:
    x: float
    y: float
    title: str
    path: str  # the marker's outline, drawn as a path around (x, y)


@dataclass(frozen=True)
class RadarSeries:
    key: str
    name: str
    colour: str
    dash: str
    legend_line: str  # a CSS border style that looks like the drawn line
    closed: bool
    paths: list[str]
    markers: list[RadarMarker]
    values: list[float | None]


@dataclass(frozen=True)
class RadarRing:
    value: int
    radius: float
    points: str
    label_x: float
    label_y: float


@dataclass
class RadarChart:
    title: str
    description: str
    view_box: str
    width: float
    height: float
    cx: float
    cy: float
    axes: list[RadarAxis] = field(default_factory=list)
    rings: list[RadarRing] = field(default_factory=list)
    series: list[RadarSeries] = field(default_factory=list)
    legend: list[tuple[int, str]] = field(default_factory=list)
    font: int = FONT

    @property
    def table_rows(self) -> list[tuple[str, list[str]]]:
        """The chart's figures as rows of a table: (axis title, one value per series, "–" where none)."""
        return [(axis.title, ["–" if s.values[i] is None else figure(s.values[i]) for s in self.series])
                for i, axis in enumerate(self.axes)]


def figure(value: float) -> str:
    """A value as charts print it: at most two decimals, no trailing zeros (4, 3.5, 3.67)."""
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _short_to(label: str, width: float) -> str:
    if text_width(label) <= width:
        return label
    end = len(label)
    while end and text_width(label[:end] + "…") > width:
        end -= 1
    return label[:end].rstrip() + "…"


def _marker_path(shape: str, x: float, y: float) -> str:
    if shape == "square":
        return f"M{x - 3.5:.1f} {y - 3.5:.1f}h7v7h-7z"
    if shape == "diamond":
        return f"M{x:.1f} {y - 4.5:.1f}l4.5 4.5l-4.5 4.5l-4.5 -4.5z"
    if shape == "circle":
        return f"M{x - 3.5:.1f} {y:.1f}a3.5 3.5 0 1 0 7 0a3.5 3.5 0 1 0 -7 0z"
    return ""


def radar_chart(*, title: str, description: str, axes: list[tuple[str, str]],
                series: list[tuple[str, str, list[float | None]]], levels: list[tuple[int, str]]) -> RadarChart:
    """A radar (spider) chart: one spoke per axis, one ring per level, one outline per series.

    `axes`: (short label, full title) in order around the chart, clockwise from the top; `series`:
    (key, name, one value or None per axis); the key picks the drawing style (RADAR_STYLES). A series
    with gaps is drawn as separate runs between the values it has, never through a missing one.
    The viewBox holds every label, so the chart is whole at any width it is drawn at."""
    top_level = max((value for value, _name in levels), default=1)
    count = max(len(axes), 1)
    radius = RADAR_RADIUS

    def point(index: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * index / count
        r = radius * max(0.0, min(value, top_level)) / top_level
        return round(r * math.cos(angle), 1), round(r * math.sin(angle), 1)

    chart_axes = []
    min_x, max_x, min_y, max_y = -radius, radius, -radius, radius
    for index, (label, axis_title) in enumerate(axes):
        angle = -math.pi / 2 + 2 * math.pi * index / count
        cos, sin = math.cos(angle), math.sin(angle)
        short = _short_to(label, RADAR_AXIS_LABEL_WIDTH)
        width = text_width(short)
        lx = (radius + RADAR_LABEL_GAP) * cos
        ly = (radius + RADAR_LABEL_GAP) * sin + FONT * 0.35 + (FONT * 0.5 * sin)
        anchor = "start" if cos > 0.3 else "end" if cos < -0.3 else "middle"
        left = lx if anchor == "start" else lx - width if anchor == "end" else lx - width / 2
        min_x, max_x = min(min_x, left), max(max_x, left + width)
        min_y, max_y = min(min_y, ly - FONT), max(max_y, ly + 3)
        x, y = point(index, top_level)
        chart_axes.append(RadarAxis(label=short, title=axis_title, x=x, y=y, label_x=round(lx, 1), label_y=round(ly, 1),
                                    anchor=anchor))
    rings = []
    for value, _name in levels:
        corners = [point(index, value) for index in range(count)]
        rings.append(RadarRing(value=value, radius=round(radius * value / top_level, 1),
                               points=" ".join(f"{x},{y}" for x, y in corners),
                               label_x=3, label_y=round(-radius * value / top_level - 2, 1)))
    drawn = []
    for key, name, values in series:
        colour, dash, shape, legend_line = RADAR_STYLES.get(key, ("#495057", "", "circle", "solid"))
        present = [v is not None for v in values]
        closed = bool(values) and all(present) and len(values) >= 3
        paths: list[str] = []
        if closed:
            corners = [point(i, float(v)) for i, v in enumerate(values)]
            paths.append("M" + " L".join(f"{x} {y}" for x, y in corners) + " Z")
        elif any(present):
            # Runs of neighbouring values, around the circle: a run wraps from the last axis to the first.
            start = next((i for i in range(len(values)) if not present[i]), 0)
            order = [(start + step) % len(values) for step in range(1, len(values) + 1)]
            run: list[tuple[float, float]] = []
            for i in order + [None]:
                if i is not None and present[i]:
                    run.append(point(i, float(values[i])))
                    continue
                if len(run) >= 2:
                    paths.append("M" + " L".join(f"{x} {y}" for x, y in run))
                run = []
        markers = []
        if shape != "none":
            for i, value in enumerate(values):
                if value is not None and i < len(axes):
                    x, y = point(i, float(value))
                    markers.append(RadarMarker(x=x, y=y, title=f"{axes[i][1]}: {name} {figure(value)}",
                                               path=_marker_path(shape, x, y)))
        drawn.append(RadarSeries(key=key, name=name, colour=colour, dash=dash, legend_line=legend_line, closed=closed,
                                 paths=paths,
                                 markers=markers, values=[None if v is None else float(v) for v in values]))
    min_x, min_y = math.floor(min_x - RADAR_MARGIN), math.floor(min_y - RADAR_MARGIN)
    width, height = math.ceil(max_x + RADAR_MARGIN) - min_x, math.ceil(max_y + RADAR_MARGIN) - min_y
    return RadarChart(title=title, description=description, view_box=f"{min_x} {min_y} {width} {height}",
                      width=width, height=height, cx=0, cy=0, axes=chart_axes, rings=rings, series=drawn,
                      legend=list(levels))


# --- target chart: a required level against an observed one, per row ------------------------------


@dataclass(frozen=True)
class TargetRow:
    label: str
    title: str
    status: str  # a CSS-safe word that picks the bar's colour: met, gap, critical, none
    y: float
    text_y: float
    target_x: float
    value_width: float | None  # None: nothing observed (drawn as a note, never as a zero bar)
    note: str


@dataclass
class TargetChart:
    title: str
    width: float
    height: float
    left: float
    label_x: float
    right: float
    bottom: float
    rows: list[TargetRow] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    legend: list[tuple[int, str]] = field(default_factory=list)
    font: int = FONT
    bar_height: int = BAR


def target_chart(*, title: str, rows: list[tuple[str, str, float, float | None, str]],
                 levels: list[tuple[int, str]]) -> TargetChart:
    """Horizontal bars of an observed value with a mark at the target on the same level axis, one row
    each: (label, title, target, value or None, status). A row without a value says "no evidence"
    where its bar would be, so it cannot be read as a zero."""
    labels = [_short(label) for label, *_rest in rows]
    chart, step, top_level = _level_axis(TargetChart, title, labels, levels)
    left = chart.left
    for index, ((_label, row_title, target, value, status), label) in enumerate(zip(rows, labels, strict=True)):
        y = TOP + index * ROW
        width = None if value is None else round(step * max(0.0, min(float(value), top_level)), 1)
        note = "no evidence" if value is None else ""
        chart.rows.append(TargetRow(label=label, title=row_title, status=status, y=y, text_y=y + BAR - 5,
                                    target_x=round(left + step * min(float(target), top_level), 1),
                                    value_width=width, note=note))
    return chart


# --- line chart: values across time, one line per series -------------------------------------------

LINE_PLOT_WIDTH = 420
LINE_PLOT_HEIGHT = 180
LINE_LEFT = 44
LINE_TOP = 12
LINE_BOTTOM = 40
LINE_STYLES = ("#1d3557", "#d1495b", "#2a9d8f", "#8d5fd3", "#e9a23b", "#495057")
LINE_DASHES = ("", "6 4", "2 3", "8 3 2 3", "4 2", "1 2")
LINE_MARKERS = ("circle", "square", "diamond", "circle", "square", "diamond")


@dataclass(frozen=True)
class LinePoint:
    x: float
    y: float
    title: str
    path: str


@dataclass(frozen=True)
class LineSeries:
    name: str
    colour: str
    dash: str
    paths: list[str]
    points: list[LinePoint]
    values: list[float | None]


@dataclass
class LineChart:
    title: str
    description: str
    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float
    x_labels: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    series: list[LineSeries] = field(default_factory=list)
    unit: str = ""
    font: int = FONT

    @property
    def table_rows(self) -> list[tuple[str, list[str]]]:
        """The figures as a table: (series name, one value per x label, "–" where none)."""
        return [(s.name, ["–" if v is None else figure(v) + self.unit for v in s.values]) for s in self.series]

    @property
    def labels(self) -> list[str]:
        return [label for _x, label in self.x_labels]


def line_chart(*, title: str, description: str, x_labels: list[str], series: list[tuple[str, list[float | None]]],
               y_range: tuple[float, float], y_step: float, unit: str = "") -> LineChart:
    """Lines over ordered points (releases of cycles, oldest first): `series` is (name, one value or None per
    x label). A missing value breaks the line; a single value shows as its marker alone. `y_range` is fixed
    by the caller (0–100 % for readiness, 0 to the scale's top for gaps), so charts compare across pages."""
    low, high = y_range
    span = (high - low) or 1
    count = len(x_labels)
    step_x = LINE_PLOT_WIDTH / max(count - 1, 1)
    right = LINE_LEFT + LINE_PLOT_WIDTH
    bottom = LINE_TOP + LINE_PLOT_HEIGHT

    def at(index: int, value: float) -> tuple[float, float]:
        x = LINE_LEFT + (step_x * index if count > 1 else LINE_PLOT_WIDTH / 2)
        y = bottom - LINE_PLOT_HEIGHT * (max(low, min(float(value), high)) - low) / span
        return round(x, 1), round(y, 1)

    chart = LineChart(title=title, description=description, width=right + RIGHT_MARGIN,
                      height=bottom + LINE_BOTTOM, left=LINE_LEFT, right=right, top=LINE_TOP, bottom=bottom,
                      unit=unit)
    slot = LINE_PLOT_WIDTH / max(count, 1)
    chart.x_labels = [(at(index, low)[0], _short_to(label, max(slot - 4, 24))) for index, label in enumerate(x_labels)]
    ticks, value = [], low
    while value <= high + 1e-9:
        ticks.append((at(0, value)[1], figure(value) + unit))
        value += y_step
    chart.y_ticks = ticks
    for number, (name, values) in enumerate(series):
        colour = LINE_STYLES[number % len(LINE_STYLES)]
        dash = LINE_DASHES[number % len(LINE_DASHES)]
        shape = LINE_MARKERS[number % len(LINE_MARKERS)]
        paths, run, points = [], [], []
        for index, value in enumerate([*values, None]):
            if value is not None and index < count:
                x, y = at(index, value)
                run.append((x, y))
                points.append(LinePoint(x=x, y=y, title=f"{name}, {x_labels[index]}: {figure(value)}{unit}",
                                        path=_marker_path(shape, x, y)))
                continue
            if len(run) >= 2:
                paths.append("M" + " L".join(f"{x} {y}" for x, y in run))
            run = []
        chart.series.append(LineSeries(name=name, colour=colour, dash=dash, paths=paths, points=points,
                                       values=[None if v is None else float(v) for v in values]))
    return chart


# --- comparison chart: this period against the one before, per row -------------------------------

COMPARE_PLOT_WIDTH = 300
COMPARE_BAR = 10
COMPARE_ROW = 32
COMPARE_VALUE_WIDTH = 64  # room right of the longest bar for its printed value
COMPARE_LABEL_WIDTH = 240  # units: KPI names are longer than the level axis's labels
COMPARE_COLOURS = ("#1d3557", "#a8b3c2")  # this period, the previous one (light: it reads as "before")


@dataclass(frozen=True)
class CompareBar:
    y: float
    width: float | None  # None: no figure (drawn as "–", never as a zero bar)
    text: str
    text_x: float
    text_y: float
    title: str
    colour: str


@dataclass(frozen=True)
class CompareRow:
    label: str
    title: str
    text_y: float
    bars: tuple[CompareBar, CompareBar]


@dataclass
class ComparisonChart:
    title: str
    description: str
    width: float
    height: float
    left: float
    label_x: float
    series: tuple[str, str]
    colours: tuple[str, str] = COMPARE_COLOURS
    rows: list[CompareRow] = field(default_factory=list)
    font: int = FONT
    bar_height: int = COMPARE_BAR


def comparison_chart(*, title: str, description: str, series: tuple[str, str],
                     rows: list[tuple[str, float | None, float | None, str]]) -> ComparisonChart:
    """Two bars per row, this period's above the previous one's: `series` names them, `rows` are (label, this,
    previous, unit). Rows measure different things (counts, percentages), so each row is scaled to its own
    larger value (a percentage to 100) and every bar prints its figure: the chart shows direction, the
    numbers the size."""
    labels = [_short_to(label, COMPARE_LABEL_WIDTH) for label, *_rest in rows]
    left = math.ceil(10 * (12 + max((text_width(label) for label in labels), default=text_width("0000")))) / 10
    height = 8 + COMPARE_ROW * len(rows)
    chart = ComparisonChart(title=title, description=description,
                            width=round(left + COMPARE_PLOT_WIDTH + COMPARE_VALUE_WIDTH + RIGHT_MARGIN, 1),
                            height=height, left=left, label_x=round(left - 6, 1), series=series)
    for index, ((label, value, before, unit), short) in enumerate(zip(rows, labels, strict=True)):
        top = 4 + index * COMPARE_ROW
        scale = 100.0 if unit == "%" else max(float(value or 0), float(before or 0), 1.0)
        bars = []
        for number, (name, figure_value) in enumerate(zip(series, (value, before), strict=True)):
            y = top + number * (COMPARE_BAR + 2)
            width = None if figure_value is None else round(
                COMPARE_PLOT_WIDTH * max(0.0, min(float(figure_value), scale)) / scale, 1)
            text = "–" if figure_value is None else figure(figure_value) + unit
            bars.append(CompareBar(y=y, width=width, text=text, text_x=round(left + (width or 0) + 4, 1),
                                   text_y=y + COMPARE_BAR - 1, title=f"{label}, {name}: {text}",
                                   colour=COMPARE_COLOURS[number]))
        chart.rows.append(CompareRow(label=short, title=label, text_y=top + COMPARE_BAR + 3, bars=tuple(bars)))
    return chart


def with_room_for_labels(chart: LineChart) -> LineChart:
    """`chart` widened so that its last x label, centred on the plot's right edge, is drawn whole."""
    if chart.x_labels:
        x, label = chart.x_labels[-1]
        chart.width = max(chart.width, math.ceil(x + text_width(label) / 2 + 4))
    return chart
