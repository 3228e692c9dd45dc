from __future__ import annotations

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


def login_identifier(request: HttpRequest, credentials: dict | None) -> str:
    """The key django-axes counts failures under: the email as we store it, so case tricks do not reset it."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return normalise_email(username)
