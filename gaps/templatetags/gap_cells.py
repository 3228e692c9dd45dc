"""A heatmap row's cells, written in one go: a large heatmap has thousands of cells, and an include per
cell made rendering most of the page's time."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.http import urlencode

from ..models import MIN_LEADERS

register = template.Library()


def _cell(cell, link: str | None) -> str:
    found = cell.aggregate
    if found is None:
        return format_html('<td class="gap-cell {}"><span class="text-body-tertiary" title="Not required here">·</span></td>',
                           cell.heat)
    counted = f"n={found.assessed}" + (f"/{found.leaders}" if found.assessed != found.leaders else "")
    if cell.shown:
        figures = format_html('<span class="fw-semibold">{}</span><div class="small">{} % below</div>',
                              f"{found.mean_gap:.2f}", f"{found.share_below:.0f}")
        said = f"mean gap {found.mean_gap:.2f}, {found.share_below:.0f} % below"
    else:
        figures = mark_safe('<span class="small">too few</span>')  # noqa: S308 - a constant
        said = f"{found.assessed} assessed, fewer than {MIN_LEADERS}: no figures"
    inner = format_html('{}<div class="small opacity-75">{}</div>', figures, counted)
    if link:
        people = f"{found.leaders} leader{'s' if found.leaders != 1 else ''}"
        inner = format_html('<a href="{}" aria-label="{}: {}, {}; show them">{}</a>', link, found.competency.code,
                            said, people, inner)
    return format_html('<td class="gap-cell {}" data-leaders="{}" data-competency="{}">{}</td>', cell.heat,
                       found.leaders, found.competency.code, inner)


@register.simple_tag
def heat_cells(cells, analysis, by: str, key=None) -> str:
    """The <td>s of one heatmap row; with `key` (the row's unit or role) each links to its leaders."""
    base = reverse("gaps:heatmap_cell") if key is not None else ""

    def link(cell) -> str | None:
        if key is None or cell.aggregate is None:
            return None
        return base + "?" + urlencode({"cycle": analysis.cycle_id, "by": by, "key": key,
                                       "competency": cell.aggregate.competency_id})

    return format_html_join("", "{}", ((_cell(cell, link(cell)),) for cell in cells))
