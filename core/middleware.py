"""Requests Proficio refuses before any view reads them."""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

NUL_REFUSED = ("The request contains a NUL character (\\0), which no field of Proficio accepts. "
               "Remove it (it often comes from copying out of another program) and try again.")


#: The REST API's paths (config/urls.py mounts it at /api/, its versions at /api/v<n>/): it speaks JSON, so
#: its refusal is the `{"detail": ...}` every other API error is. HR's token pages under /api/tokens/ are pages.
API_PATH = re.compile(r"^/api/v\d+/")


def _holds_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    sources = [request.GET]
    if request.method == "POST":
        sources += [request.POST, {name: [f.name for f in request.FILES.getlist(name)] for name in request.FILES}]
    for source in sources:
        for key, values in (source.lists() if hasattr(source, "lists") else source.items()):
            if "\x00" in key or any("\x00" in str(value) for value in values):
                return True
    return False


class RefuseNulMiddleware:
    """A NUL character cannot be stored in PostgreSQL text (psycopg raises DataError): Django's form fields
    refuse it, but a view that reads a raw parameter (a search, a filter) would fail with a server error.
    Refusing it here, for every URL, with a 400 and a clear message, keeps any such path from writing or
    failing. JSON bodies are the API's to check (its serializers refuse a NUL in any text field); the API's
    own paths get the refusal as JSON."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _holds_nul(request):
            if API_PATH.match(request.path_info):
                return JsonResponse({"detail": NUL_REFUSED}, status=400)
            return render(request, "400.html", {"exception": NUL_REFUSED}, status=400)
        return self.get_response(request)
