from __future__ import annotations

from django import forms
from django.utils import timezone
from django.contrib.auth.forms import AuthenticationForm

from core.forms import PlainFormMixin

from .models import (
    IDLE_MINUTES_DEFAULT,
    IDLE_MINUTES_MAX,
    IDLE_MINUTES_MIN,
    IDLE_MINUTES_TOO_LONG,
    IDLE_MINUTES_TOO_SHORT,
    Role,
    User,
    normalise_email,
)


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


class PasswordResetRequestForm(PlainFormMixin, forms.Form):
    email = forms.EmailField(label="Email", max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}))


class AccountForm(PlainFormMixin, forms.ModelForm):
    """HR's form for an account: who it is, its role, whether it may use the Django admin, and for
    auditors the window in which it works."""

    admin = forms.BooleanField(
        label="May use the Django admin", required=False,
        help_text="HR managers only. The admin shows every record and its history.",
    )

    class Meta:
        model = User
        fields = ["email", "first_name", "last_name", "role", "is_active", "access_valid_from", "access_valid_until"]
        labels = {"is_active": "Active (may sign in)"}
        widgets = {
            "access_valid_from": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "access_valid_until": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        }
        help_texts = {
            "access_valid_from": "Auditors only: the first moment the account works.",
            "access_valid_until": "Auditors only, and required for them: the account stops working after this.",
        }

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["admin"].initial = bool(self.instance.pk and self.instance.is_staff)
        if not self.instance.pk:
            del self.fields["is_active"]  # a new account is active; its owner still has to accept the invitation

    def clean_email(self) -> str:
        email = normalise_email(self.cleaned_data["email"])
        others = User.objects.filter(email=email)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError("Another account has this email.")
        return email

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if self.actor is not None and self.instance.pk == self.actor.pk and role and role != Role.HR:
            self.add_error("role", "You cannot take away your own HR role: ask another HR manager to do it.")
        elif data.get("admin") and role != Role.HR:
            self.add_error("admin", "Only HR managers may use the Django admin.")
        if role == Role.AUDITOR:
            until = data.get("access_valid_until")
            if not until:
                self.add_error("access_valid_until", "An auditor account needs the date its access ends.")
            elif until <= timezone.now() and (not self.instance.pk or until != self.instance.access_valid_until):
                self.add_error("access_valid_until", "This moment has passed: the account would never work.")
        elif role and (data.get("access_valid_from") or data.get("access_valid_until")):
            for name in ("access_valid_from", "access_valid_until"):
                if data.get(name):
                    self.add_error(name, "Only auditor accounts have an access window; leave it empty.")
        return data

    def _post_clean(self):
        # The service validates the whole account; the form's own model validation would run before the
        # admin flag is applied, so it is skipped here.
        pass

    def service_values(self) -> dict:
        data = self.cleaned_data
        values = {key: data[key] for key in ("email", "first_name", "last_name", "role", "access_valid_from",
                                               "access_valid_until")}
        values["admin"] = data["admin"]
        if "is_active" in self.fields:
            values["is_active"] = data["is_active"]
        return values


# --- two-factor sign-in and the security policy -----------------------------------------------------


class CodeField(forms.CharField):
    """The six digits an authenticator app shows (spaces allowed, as some apps group them)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Code from your authenticator app")
        kwargs.setdefault("help_text", "Six digits; a new code appears every 30 seconds.")
        super().__init__(max_length=12, widget=forms.TextInput(attrs={
            "autocomplete": "one-time-code", "inputmode": "numeric", "pattern": r"[0-9 ]*", "autofocus": True,
        }), **kwargs)

    def clean(self, value):
        value = (super().clean(value) or "").replace(" ", "")
        if not (value.isdigit() and len(value) == 6):
            raise forms.ValidationError("Enter the six digits your authenticator app shows.")
        return value


class TwoFactorCodeForm(PlainFormMixin, forms.Form):
    code = CodeField()


class TwoFactorRemoveForm(PlainFormMixin, forms.Form):
    password = forms.CharField(label="Your password", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    code = CodeField()


class SecurityPolicyForm(PlainFormMixin, forms.Form):
    require_two_factor = forms.BooleanField(
        label="Require two-factor sign-in for HR, quality and auditor accounts", required=False,
        help_text="Those accounts set up an authenticator app at their next sign-in and can open nothing else "
                  "until they have; any of them signed in without one is signed out now. Leaders are not affected.",
    )
    idle_minutes = forms.IntegerField(
        label="Sign out after this many minutes without activity",
        min_value=IDLE_MINUTES_MIN, max_value=IDLE_MINUTES_MAX,
        help_text=f"From {IDLE_MINUTES_MIN} to {IDLE_MINUTES_MAX} minutes; {IDLE_MINUTES_DEFAULT} unless changed. "
                  "Every session also ends 12 hours after sign-in, however active.",
        error_messages={
            "required": "Enter the number of minutes, for example 30.",
            "invalid": "Enter a whole number of minutes, for example 30.",
            "min_value": IDLE_MINUTES_TOO_SHORT,
            "max_value": IDLE_MINUTES_TOO_LONG,
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1}),
    )
