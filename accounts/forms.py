from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from .models import normalise_email


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
    """Also reaches people who were invited but never set a password (Django's form skips them)."""

    def get_users(self, email: str):
        return get_user_model()._default_manager.filter(email=normalise_email(email), is_active=True)
