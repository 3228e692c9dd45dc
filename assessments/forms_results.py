"""The form of the results pages: HR's reason for withholding a comment."""

from __future__ import annotations

from django import forms

from .services.results import REASON_MAX_LENGTH


class WithholdForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=REASON_MAX_LENGTH,
                             help_text="Kept on record with your name; the leader does not see it.")
