"""The API reference: Proficio's own page describing every endpoint, read from the OpenAPI schema (api.reference).
Swagger UI, the interactive explorer, stays beside it at `api:explorer` for those who can use it."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.permissions import can

from .pagination import IdCursorPagination
from .reference import api_reference
from .schema import ERRORS

PERIODS = {"s": "second", "m": "minute", "h": "hour", "d": "day"}


def api_docs(request: HttpRequest) -> HttpResponse:
    """For everyone signed in (the site's login redirect applies): the reference holds no data, only the API's shape."""
    return render(request, "api/reference.html", {
        "reference": api_reference(),
        "errors": sorted(ERRORS.items()),
        "rate": _rate_in_words(settings.API_RATE),
        "page_size": IdCursorPagination.page_size,
        "max_page_size": IdCursorPagination.max_page_size,
        "may_manage_tokens": can(request.user, "apitoken.browse"),
    })


def _rate_in_words(rate: str) -> str:
    """"600/minute" as "600 requests a minute" (the setting is checked at start-up by api.apps)."""
    number, _, period = rate.partition("/")
    period = PERIODS[period[0]]  # DRF reads the period by its first letter
    return f"{number} request{'s' if number != '1' else ''} a {period}"
