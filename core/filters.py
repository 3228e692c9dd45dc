"""Filter bars of long lists, rendered lean: they are on every list page, so they skip crispy's
template stack (a few milliseconds per field) and draw Bootstrap's markup directly."""

from __future__ import annotations

import django_filters
from django import forms


def style_widgets(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class StyledFilterSet(django_filters.FilterSet):
    @property
    def form(self):
        form = super().form
        if not getattr(form, "_proficio_styled", False):
            style_widgets(form)
            form._proficio_styled = True
        return form
