"""Filter bars of long lists, rendered lean: they are on every list page, so they skip crispy's
template stack (a few milliseconds per field) and draw Bootstrap's markup directly."""

from __future__ import annotations

import django_filters
from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


class LeanSelect(forms.Select):
    """A select written in Python rather than through the template engine, which spends a couple of
    milliseconds on each select of a filter bar. Same markup as Django's select."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group_name, options, _index in widget["optgroups"]:
            rendered = format_html_join("", '<option value="{}"{}>{}</option>', (
                (str(option["value"]), mark_safe(" selected") if option["selected"] else "", option["label"])
                for option in options
            ))
            groups.append(format_html('<optgroup label="{}">{}</optgroup>', group_name, rendered) if group_name
                          else rendered)
        return format_html('<select name="{}"{}>{}</select>', widget["name"], flatatt(widget["attrs"]),
                           mark_safe("".join(groups)))


def style_widgets(form: forms.Form) -> None:
    for field in form.fields.values():
        if type(field.widget) is forms.Select:
            lean = LeanSelect(attrs=field.widget.attrs)
            lean.choices = field.widget.choices
            field.widget = lean
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
