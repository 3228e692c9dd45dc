from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from .models import Role

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
#: Auditors may still sign out and change their own password; nothing else they send may write.
#: Views an auditor may post to: signing out, their own password, and the auditor's own work, which
#: changes no record: drawing a sample (it writes the sampling log), asking for an evidence pack and
#: checking a pack file.
AUDITOR_WRITABLE_VIEWS = frozenset({"accounts:logout", "accounts:password_change", "evidence:landing",
                                    "evidence:pack_new", "evidence:verify"})


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


#: Only Proficio's own files may run scripts or load styles and fonts: a name or description that
#: carries markup, from a form or an imported file, can never execute. Inline styles stay allowed for
#: the SVG charts' attributes.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        if not request.path.startswith("/admin/"):  # the admin ships inline scripts of its own
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response
