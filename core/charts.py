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


def bar_chart(*, title: str, rows: list[tuple[str, str, int, bool]], levels: list[tuple[int, str]]) -> BarChart:
    """Horizontal bars on a level axis. `rows`: (label, title, value, highlight); `levels`: (value, name)."""
    labels = [_short(label) for label, _title, _value, _highlight in rows]
    left = math.ceil(10 * (12 + max((text_width(label) for label in labels), default=text_width("0000")))) / 10
    top_level = max((value for value, _name in levels), default=1)
    step = PLOT_WIDTH / top_level
    height = TOP + ROW * len(rows) + 8
    chart = BarChart(title=title, width=round(left + PLOT_WIDTH + RIGHT_MARGIN, 1), height=height, left=left,
                     label_x=round(left - 6, 1), right=round(left + PLOT_WIDTH, 1), bottom=height - 4,
                     legend=list(levels))
    chart.ticks = [Tick(round(left + step * value, 1), str(value)) for value, _name in levels]
    for index, ((_label, bar_title, value, highlight), label) in enumerate(zip(rows, labels, strict=True)):
        y = TOP + index * ROW
        chart.bars.append(Bar(label=label, title=bar_title, value=value, highlight=highlight, y=y,
                              text_y=y + BAR - 5, width=round(step * min(value, top_level), 1)))
    return chart
