"""Two-factor sign-in (the code step, enrolment, removal), the organisation's security policy, and
signed-in sessions (one's own list; HR signing out all of an account's sessions)."""

from __future__ import annotations

import time
from base64 import b32encode
from binascii import unhexlify

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import load_backend
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.responses import apply_form_errors, done, form_page

from . import selectors, services, throttle
from .forms import SecurityPolicyForm, TwoFactorCodeForm, TwoFactorRemoveForm
from .models import SecurityPolicy, User, UserSession
from .permissions import get_for_user, permission_required, visible
from .signals import ENROLMENT_REQUIRED_KEY

#: Between the password and the code, the session holds who passed the password (not yet signed in).
PENDING_KEY = "_proficio_two_factor_pending"
#: How long the code step waits after the password before the sign-in starts again.
PENDING_SECONDS = 5 * 60
#: The secret of an enrolment in progress: kept in the session, stored as a device only once confirmed.
SETUP_KEY = "_proficio_two_factor_setup"
WRONG_CODE = "That code is not right, or it was used already. Enter the newest code your app shows."


# --- the code step of sign-in -----------------------------------------------------------------------


def start_code_step(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    """Called by the sign-in page once the password was right for an account with two-factor sign-in:
    nobody is signed in until the code is right too."""
    request.session.cycle_key()
    request.session[PENDING_KEY] = {"user": user.pk, "backend": user.backend, "next": next_url,
                                    "at": int(time.time()), "hash": user.get_session_auth_hash()}
    return redirect("accounts:login_code")


def _pending_user(request: HttpRequest) -> User | None:
    """Who passed the password in this session, if that was recently and nothing has changed since
    (the account still active and in its access window, the same password)."""
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=pending.get("user")).first()
    if user is None or pending.get("backend") not in settings.AUTHENTICATION_BACKENDS:
        return None
    if not load_backend(pending["backend"]).user_can_authenticate(user):
        return None
    return user if user.get_session_auth_hash() == pending.get("hash") else None


@login_not_required
@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    from axes.handlers.proxy import AxesProxyHandler

    from .views import locked_out

    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    user = _pending_user(request)
    device = selectors.two_factor_device(user) if user is not None else None
    if device is None:
        request.session.pop(PENDING_KEY, None)
        messages.info(request, "Sign in with your email and password first (the code step waits five minutes).")
        return redirect("accounts:login")
    if throttle.address_paused(request):
        return locked_out(request, address=True)
    if not AxesProxyHandler.is_allowed(request, {"username": user.email}):
        return locked_out(request)
    form = TwoFactorCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                right = services.two_factor_code_check(device=device, code=form.cleaned_data["code"])
            except services.CodeThrottled as error:
                form.add_error("code", str(error))
                status = 429
            else:
                if right:
                    pending = request.session.pop(PENDING_KEY)
                    auth_login(request, user, backend=pending["backend"])
                    return redirect(pending["next"])
                # A wrong code counts as a failed sign-in: django-axes pauses the account from this
                # address after a few, and the count per address goes up.
                user_login_failed.send(sender=__name__, credentials={"username": user.email}, request=request)
                form.add_error("code", WRONG_CODE)
    return render(request, "accounts/login_code.html", {"form": form}, status=status)


# --- one's own two-factor sign-in -----------------------------------------------------------------


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return ""


def _qr_svg(url: str) -> str:
    """The otpauth URL as an inline SVG QR code (drawn here: no image service sees the secret)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=14, border=2)
    svg = image.to_string(encoding="unicode")
    svg = svg[svg.index("<svg"):]  # without the XML declaration
    return svg.replace("<svg", '<svg role="img" aria-label="QR code of the secret below" class="qr-code"', 1)


def _grouped(secret: str) -> str:
    return " ".join(secret[start:start + 4] for start in range(0, len(secret), 4))


@permission_required("two_factor.manage")
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from django_otp.util import random_hex

    required = bool(request.session.get(ENROLMENT_REQUIRED_KEY))
    device = selectors.two_factor_device(request.user)
    if device is not None:
        if request.method == "POST":
            messages.info(request, "Two-factor sign-in is already on for your account.")
            return redirect("accounts:two_factor")
        return render(request, "accounts/two_factor.html", {"device": device})
    key = request.session.get(SETUP_KEY) or random_hex(20)
    request.session[SETUP_KEY] = key
    form = TwoFactorCodeForm(request.POST or None)
    next_url = _next_url(request)

    def enrol() -> HttpResponse:
        services.two_factor_enrol(user=request.user, key=key, code=form.cleaned_data["code"])
        request.session.pop(SETUP_KEY, None)
        request.session.pop(ENROLMENT_REQUIRED_KEY, None)
        return done(request, "Two-factor sign-in is on: from now on Proficio asks for a code from your app "
                             "after your password.", next_url or reverse("accounts:two_factor"))

    setup = TOTPDevice(user=request.user, key=key)
    return form_page(request, form, "accounts/two_factor.html", {
        "qr_svg": mark_safe(_qr_svg(setup.config_url)),  # noqa: S308  (path data drawn by qrcode, no text)
        "secret": _grouped(b32encode(unhexlify(key)).decode()), "required": required, "next": next_url,
    }, enrol)


@permission_required("two_factor.manage")
@require_http_methods(["GET", "POST"])
def two_factor_remove(request: HttpRequest) -> HttpResponse:
    if not selectors.has_two_factor(request.user):
        messages.info(request, "Two-factor sign-in is not on for your account.")
        return redirect("accounts:two_factor")
    form = TwoFactorRemoveForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.two_factor_remove(user=request.user, password=form.cleaned_data["password"],
                                           code=form.cleaned_data["code"])
            except services.CodeThrottled as error:
                form.add_error("code", str(error))
                status = 429
            except ValidationError as error:
                apply_form_errors(form, error)
            else:
                if SecurityPolicy.current().requires_two_factor_for(request.user):
                    request.session[ENROLMENT_REQUIRED_KEY] = True
                    return done(request, "Your authenticator app is removed. Your organisation requires two-factor "
                                         "sign-in for your account: set up the new one now.",
                                reverse("accounts:two_factor"))
                return done(request, "Two-factor sign-in is off: your password alone signs you in again.",
                            reverse("accounts:two_factor"))
    return render(request, "accounts/two_factor_remove.html", {"form": form}, status=status)


# --- HR: the security policy ----------------------------------------------------------------------


@permission_required("security.manage")
@require_http_methods(["GET", "POST"])
def security_policy(request: HttpRequest) -> HttpResponse:
    policy = SecurityPolicy.current()
    # A switch turned off sends nothing: the form is bound on every POST, even an empty one.
    form = SecurityPolicyForm(request.POST if request.method == "POST" else None,
                              initial={"require_two_factor": policy.require_two_factor,
                                       "idle_minutes": policy.idle_minutes})

    def save() -> HttpResponse:
        required, minutes = form.cleaned_data["require_two_factor"], form.cleaned_data["idle_minutes"]
        ended = services.security_policy_set(actor=request.user, require_two_factor=required, idle_minutes=minutes)
        said = []
        if required != policy.require_two_factor:
            if required:
                signed_out = (f" {ended} session{'s' if ended != 1 else ''} of accounts without it were signed out."
                              if ended else "")
                said.append("Two-factor sign-in is required for HR, quality and auditor accounts." + signed_out)
            else:
                said.append("Two-factor sign-in is optional again for every account.")
        if minutes != policy.idle_minutes:
            said.append(f"Sessions are signed out after {minutes} minutes without activity.")
        if not said:
            messages.info(request, "Nothing changed.")
            return redirect("accounts:security_policy")
        return done(request, " ".join(said), reverse("accounts:security_policy"))

    return form_page(request, form, "accounts/security_policy.html", {
        "policy": policy, "coverage": selectors.two_factor_coverage(),
        "changes": SecurityPolicy.history.select_related("history_user").order_by("-history_date")[:10],
    }, save)


# --- sessions -------------------------------------------------------------------------------------


@permission_required("user_session.list")
@require_GET
def session_list(request: HttpRequest) -> HttpResponse:
    sessions = list(visible(request.user, "user_session", selectors.sessions_of(request.user)))
    return render(request, "accounts/session_list.html", {
        "sessions": sessions, "current_key": request.session.session_key,
        "others": sum(1 for session in sessions if session.session_id != request.session.session_key),
    })


@require_POST
def session_end(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_for_user(request.user, UserSession.objects.all(), "user_session.end", pk=pk)
    if session.session_id == request.session.session_key:
        messages.info(request, "This is the session you are using: sign out from the account menu instead.")
        return redirect("accounts:session_list")
    services.session_end(session=session)
    return done(request, f"The session in {session.browser} is signed out.", reverse("accounts:session_list"))


@permission_required("user_session.list")
@require_POST
def session_end_others(request: HttpRequest) -> HttpResponse:
    ended = services.sessions_end(user=request.user, keep=request.session.session_key)
    return done(request, f"{ended} other session{'s' if ended != 1 else ''} signed out." if ended
                else "There were no other sessions.", reverse("accounts:session_list"))


# --- HR, on an account's page -----------------------------------------------------------------------


@require_POST
def account_sessions_end(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_for_user(request.user, selectors.account_for_page(pk), "account.sessions_end", pk=pk)
    ended = services.sessions_end(user=account, keep=request.session.session_key)
    return done(request, f"{account.email}: {ended} session{'s' if ended != 1 else ''} signed out.",
                reverse("accounts:account_edit", args=[pk]))


@require_POST
def account_two_factor_reset(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_for_user(request.user, selectors.account_for_page(pk), "account.two_factor_reset", pk=pk)
    back = reverse("accounts:account_edit", args=[pk])
    try:
        removed = services.two_factor_reset(actor=request.user, account=account)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    if not removed:
        messages.info(request, f"{account.email} has no two-factor sign-in to turn off.")
        return redirect(back)
    return done(request, f"Two-factor sign-in is off for {account.email}, and their sessions are signed out; they "
                         "can set up their new phone after signing in with their password.", back)
