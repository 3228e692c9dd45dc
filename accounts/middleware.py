from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from .models import Role

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
#: Auditors may still sign out and change their own password; nothing else they send may write.
AUDITOR_WRITABLE_VIEWS = frozenset({"accounts:logout", "accounts:password_change"})


class ReadOnlyAuditorMiddleware:
    """Refuses every write from an auditor before any view runs, whatever the view itself checks."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if (
            request.method not in SAFE_METHODS
            and user is not None
            and user.is_authenticated
            and user.role == Role.AUDITOR
            and request.resolver_match.view_name not in AUDITOR_WRITABLE_VIEWS
        ):
            raise PermissionDenied("Auditors have read-only access: nothing can be changed from this account.")
        return None
