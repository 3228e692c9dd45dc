from __future__ import annotations

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from .models import normalise_email


class AccessWindowBackend(ModelBackend):
    """Email login that also closes an account outside its access window.

    Because Django asks `user_can_authenticate` again when it loads the user of every session, an
    auditor whose window ends is signed out on their next request, not only at their next login.
    """

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs):
        if username is not None:
            username = normalise_email(username)
        return super().authenticate(request, username=username, password=password, **kwargs)

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and user.access_window_open()


def client_ip(request: HttpRequest) -> str:
    """The visitor's address. Behind the TLS proxy (BEHIND_TLS_PROXY) that is the last address the proxy
    appended to X-Forwarded-For; otherwise every visitor would share the proxy's address and one
    person's failed sign-ins would lock out everyone with the same email."""
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR", "")


def login_identifier(request: HttpRequest, credentials: dict | None) -> str:
    """The key django-axes counts failures under: the email as we store it, so case tricks do not reset it."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return normalise_email(username)
