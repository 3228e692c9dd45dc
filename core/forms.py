from __future__ import annotations

from crispy_forms.helper import FormHelper


class PlainFormMixin:
    """Crispy renders fields only; templates write the <form> tag, the CSRF token and the buttons."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
