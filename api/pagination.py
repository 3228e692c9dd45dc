from __future__ import annotations

from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    """Cursor pagination by id: stable while an HRIS pages through a list that changes under it."""

    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
