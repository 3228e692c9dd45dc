"""The server-drawn charts: everything inside the drawing's own box, at any number of spokes."""

from __future__ import annotations

import pytest

from core.charts import bar_chart, radar_chart, text_width

LEVELS = [(1, "Awareness"), (2, "Basic"), (3, "Proficient"), (4, "Advanced"), (5, "Expert")]


def box(chart) -> tuple[float, float, float, float]:
    x, y, width, height = (float(v) for v in chart.view_box.split())
    return x, y, x + width, y + height


def label_extent(axis, font=12) -> tuple[float, float]:
    width = text_width(axis.label, font)
    left = {"start": axis.label_x, "end": axis.label_x - width, "middle": axis.label_x - width / 2}[axis.anchor]
    return left, left + width


@pytest.mark.parametrize("spokes", [1, 2, 3, 5, 8, 13, 40])
def test_every_label_and_mark_of_a_radar_lies_inside_its_view_box(spokes):
    axes = [(f"QMS-LEADERSHIP-{n:02d}" if n % 3 == 0 else f"A{n}", f"Competency {n}") for n in range(spokes)]
    chart = radar_chart(title="t", description="d", axes=axes, levels=LEVELS, series=[
        ("self", "Self", [5] * spokes), ("others", "All others", [1 + n % 5 for n in range(spokes)]),
        ("required", "Required", [3] * spokes)])
    left, top, right, bottom = box(chart)
    for axis in chart.axes:
        start, end = label_extent(axis)
        assert left <= start and end <= right, axis
        assert top <= axis.label_y - 12 and axis.label_y <= bottom, axis
        assert text_width(axis.label) <= 84 + 12  # long codes are shortened, the full title is kept
    for series in chart.series:
        for marker in series.markers:
            assert left <= marker.x - 5 and marker.x + 5 <= right and top <= marker.y - 5 and marker.y + 5 <= bottom


def test_a_series_with_gaps_is_drawn_in_runs_never_through_a_missing_value():
    chart = radar_chart(title="t", description="d", axes=[(f"C{n}", f"C{n}") for n in range(6)], levels=LEVELS,
                        series=[("others", "All others", [3, 3, None, 4, 4, 4]), ("self", "Self", [2] * 6)])
    others, self_ = chart.series
    assert not others.closed and len(others.paths) == 1  # 3 → 4 → 5 → 0 → 1, wrapping around
    assert others.paths[0].count("L") == 4 and "Z" not in others.paths[0]
    assert len(others.markers) == 5
    assert self_.closed and self_.paths[0].endswith("Z")
    assert chart.table_rows[2] == ("C2", ["–", "2"])


def test_a_radar_says_what_it_shows_for_screen_readers():
    chart = radar_chart(title="Self and others", description="One spoke per competency", levels=LEVELS,
                        axes=[("A", "A first"), ("B", "B second"), ("C", "C third")],
                        series=[("self", "Self", [1, 2.5, 3.67])])
    assert chart.title == "Self and others" and chart.description == "One spoke per competency"
    assert [marker.title for marker in chart.series[0].markers] == ["A first: Self 1", "B second: Self 2.5",
                                                                   "C third: Self 3.67"]


def test_the_bar_chart_still_fits_its_labels():
    chart = bar_chart(title="Required", rows=[("SV-01", "SV-01 Direction: level 3", 3, False),
                                              ("X" * 40, "long", 5, True)], levels=LEVELS)
    assert chart.bars[1].label.endswith("…") and chart.bars[1].width == 320
    assert chart.width == round(chart.left + 320 + 16, 1)
