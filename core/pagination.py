"""Pages of long lists that cost the same on page 1 and page 200."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


def deferred_page(queryset: QuerySet, number, per_page: int, load: Callable[[list], Iterable], *,
                  small: int | None = None) -> Page:
    """One page of `queryset`, found in two steps: the page's primary keys by a narrow query (the sort
    and the offset run over a few columns an index can serve, not over every joined column), then
    `load(pks)` fetches those rows whole. The rows keep the queryset's order.

    `small`: the caller knows the list holds at most this many rows (a narrow search), so every key
    is read in one query and counted in Python, instead of a count and then a page."""
    keys = queryset.values_list("pk", flat=True)
    if small is not None:
        every = list(keys[:small + 1])
        if len(every) <= small:
            keys = every
    page = Paginator(keys, per_page).get_page(number)
    pks = list(page.object_list)
    rows = {row.pk: row for row in load(pks)}
    page.object_list = [rows[pk] for pk in pks if pk in rows]
    return page


def url_for_each(name: str):
    """A function pk -> the URL named `name` for that pk: reversed once, not once per row of a long page."""
    from django.urls import reverse

    sentinel = 987654321
    pattern = reverse(name, args=[sentinel])
    prefix, suffix = pattern.split(str(sentinel))
    return lambda pk: f"{prefix}{pk}{suffix}"
