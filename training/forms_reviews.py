"""The effectiveness review form and the filter bars of the review list and the training matrix."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from core.filters import style_widgets
from core.forms import PlainFormMixin
from profiles.models import OrgUnit, RoleProfile

from .models import ReviewMethod
from .selectors_matrix import REVIEW_STATES

EFFECTIVE_CHOICES = [("yes", "Yes: the level needed was reached"), ("no", "No: the action did not work")]


class ReviewForm(PlainFormMixin, forms.Form):
    level_before = forms.DecimalField(label="Level before the training", max_digits=4, decimal_places=2)
    level_after = forms.DecimalField(label="Level after the training", max_digits=4, decimal_places=2)
    method_used = forms.ChoiceField(label="Method used", choices=ReviewMethod.choices)
    evidence = forms.CharField(label="Evidence", widget=forms.Textarea(attrs={"rows": 4}),
                               help_text="What the judgement rests on: observations, results, the 360° level.")
    effective = forms.ChoiceField(label="Was the training effective?", choices=EFFECTIVE_CHOICES,
                                  widget=forms.RadioSelect)

    def __init__(self, *args, low: int = 1, high: int = 5, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("level_before", "level_after"):
            field = self.fields[name]
            field.min_value, field.max_value = Decimal(low), Decimal(high)
            field.widget.attrs.update(min=low, max=high, step="0.01")
            field.validators += [MinValueValidator(Decimal(low)), MaxValueValidator(Decimal(high))]
            field.help_text = f"On the scale, {low} to {high}."

    def values(self) -> dict:
        data = self.cleaned_data
        return {"level_before": data["level_before"], "level_after": data["level_after"],
                "method_used": data["method_used"], "evidence": data["evidence"],
                "effective": data["effective"] == "yes"}


class ReviewFilterForm(forms.Form):
    state = forms.ChoiceField(label="Show", required=False, choices=[("", "all reviews"), *REVIEW_STATES])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class MatrixFilterForm(forms.Form):
    org_unit = forms.ModelChoiceField(label="Org unit (with its sub-units)", required=False,
                                      queryset=OrgUnit.objects.order_by("name"), empty_label="any unit")
    role_profile = forms.ModelChoiceField(label="Role", required=False, queryset=RoleProfile.objects.order_by("name"),
                                          empty_label="any role")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)
