from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
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
        # Pages for a signed-in person carry personal data: no browser or proxy keeps a copy (a shared
        # computer's back button, a proxy's cache). Responses that set their own caching keep it; static
        # files never get here as a signed-in request (WhiteNoise answers before authentication).
        user = getattr(request, "user", None)
        if "Cache-Control" not in response.headers and user is not None and user.is_authenticated:
            response.headers["Cache-Control"] = "private, no-store"
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
    """Ends a signed-in session that was idle longer than the security policy allows, or signed in longer
    ago than SESSION_COOKIE_AGE, and sends its request to the sign-in page with a message saying why
    (htmx requests, such as a questionnaire's autosave, get a 401 instead: the page keeps what was typed).
    Otherwise notes when the session was last seen, and from where, at most once a minute.

    It works in process_view, after every middleware has prepared the request, so the message can be
    stored; it comes before the two-factor enrolment middleware, which may redirect."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        from django.contrib.auth import logout
        from django.contrib.auth.views import redirect_to_login

        from .services import session_expired, session_seen

        reason = session_expired(request=request)
        if reason is None:
            session_seen(request=request)
            return None
        logout(request)
        messages.warning(request, reason)
        if request.headers.get("HX-Request") == "true":
            return HttpResponse(reason, status=401, content_type="text/plain; charset=utf-8")
        if request.method in ("GET", "HEAD"):
            return redirect_to_login(request.get_full_path())
        return redirect(settings.LOGIN_URL)
