from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms

from .models import TOKEN_ROLES, Scope


class TokenForm(forms.Form):
    name = forms.CharField(max_length=120, help_text="Which integration will use it, e.g. “Workday nightly sync”.")
    role = forms.ChoiceField(choices=TOKEN_ROLES, help_text="The token may read and do what an account of this role "
                                                            "may. Auditor tokens only read.")
    scope = forms.ChoiceField(choices=Scope.choices, initial=Scope.READ,
                              help_text="Read only, or read and write (people sync).")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
