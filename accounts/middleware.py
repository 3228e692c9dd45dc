from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from .models import Role

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
#: Auditors may still sign out and change their own password; nothing else they send may write.
#: Views an auditor may post to: signing out, their own password, and the auditor's own work, which
#: changes no record: drawing a sample (it writes the sampling log), asking for an evidence pack and
#: checking a pack file.
#: Their own two-factor sign-in and sessions are an auditor's too.
AUDITOR_WRITABLE_VIEWS = frozenset({"accounts:logout", "accounts:password_change", "evidence:landing",
                                    "evidence:pack_new", "evidence:verify", "accounts:two_factor",
                                    "accounts:two_factor_remove", "accounts:session_end",
                                    "accounts:session_end_others"})


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


#: What an account that must still set up two-factor sign-in may open.
ENROLMENT_VIEWS = frozenset({"accounts:two_factor", "accounts:logout"})


class TwoFactorEnrolmentMiddleware:
    """An account the security policy requires two-factor sign-in for, signed in without a device, is
    sent to the enrolment page from everywhere else until it has set one up (a flag in its session,
    set at sign-in: other sessions cost no query)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        from .signals import ENROLMENT_REQUIRED_KEY

        if not request.session.get(ENROLMENT_REQUIRED_KEY) or request.resolver_match.view_name in ENROLMENT_VIEWS:
            return None
        if not request.user.is_authenticated:
            return None
        from .models import SecurityPolicy

        if not SecurityPolicy.current().requires_two_factor_for(request.user):  # HR turned it off meanwhile
            del request.session[ENROLMENT_REQUIRED_KEY]
            return None
        messages.warning(request, "Your organisation requires two-factor sign-in for your account: set it up "
                                  "to continue.")
        return redirect(f"{reverse('accounts:two_factor')}?{urlencode({'next': request.get_full_path()})}")


class SessionActivityMiddleware:
    """Notes when each signed-in session was last seen, and from where, at most once a minute."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            from .services import session_seen

            session_seen(request=request)
        return self.get_response(request)
