from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from .models import normalise_email


class PlainFormMixin:
    """Crispy renders fields only; templates write the <form> tag, the CSRF token and the buttons."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


def limit_upload_size(upload):
    """Files to import are read whole into memory: refuse those above MAX_IMPORT_FILE_BYTES, saying so."""
    limit = settings.MAX_IMPORT_FILE_BYTES
    if upload.size > limit:
        raise forms.ValidationError(
            f"The file is {upload.size / 1024 / 1024:.1f} MB; Proficio imports files up to {limit // 1024 // 1024} MB."
        )
    return upload


class EmailLoginForm(AuthenticationForm):
    """Sign-in by email. The error never says whether the account exists."""

    username = forms.EmailField(
        label="Email",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        "invalid_login": "That email and password do not match an active account. Check both and try again.",
        "inactive": "That email and password do not match an active account. Check both and try again.",
    }

    def clean_username(self) -> str:
        return normalise_email(self.cleaned_data["username"])


class InvitationAwarePasswordResetForm(PasswordResetForm):
    """Also reaches people who were invited but never set a password (Django's form skips them).

    At most PASSWORD_RESETS_PER_HOUR emails go to one address in an hour, so the form cannot be used
    to flood a mailbox; the page says the same either way, so it tells nobody whether an account exists.
    """

    def get_users(self, email: str):
        email = normalise_email(email)
        key = f"password-reset:{email}"
        sent = cache.get_or_set(key, 0, timeout=60 * 60)
        if sent >= settings.PASSWORD_RESETS_PER_HOUR:
            return []
        try:
            cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.set(key, 1, timeout=60 * 60)
        return get_user_model()._default_manager.filter(email=email, is_active=True)
