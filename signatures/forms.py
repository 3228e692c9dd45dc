from __future__ import annotations

from django import forms

from core.forms import PlainFormMixin

from .models import Meaning


class SignatureForm(PlainFormMixin, forms.Form):
    """The fields every signing form asks for: the signer's password again and what the signature means."""

    meaning = forms.ChoiceField(choices=Meaning.choices, initial=Meaning.APPROVED,
                                help_text="What your signature states, recorded with it.")
    password = forms.CharField(
        label="Your password", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Re-enter your password to sign. Your name, role, the time (UTC) and a fingerprint "
                  "(SHA-256) of the content are recorded.",
    )
