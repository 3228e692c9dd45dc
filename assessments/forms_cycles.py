"""Forms of the cycle pages: the cycle's settings, its leaders, the close date, nominations and decisions."""

from __future__ import annotations

import re
from datetime import timedelta

from django import forms
from django.core.validators import MinValueValidator
from django.utils import timezone

from competency.models import FrameworkVersion, VersionStatus
from core.forms import PlainFormMixin
from profiles.models import OrgUnit, Person, RoleProfile

from .models import Cycle
from .progress import STATES


class DaysField(forms.CharField):
    """Days as a text, "5, 10": read into a sorted list of whole numbers from 0 to 365."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 200)
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return ", ".join(str(day) for day in value)
        return value

    def to_python(self, value):
        text = super().to_python(value).strip()
        if not text:
            return []
        parts = [part for part in re.split(r"[,;\s]+", text) if part]
        wrong = [part for part in parts if not part.isdigit() or int(part) > 365]
        if wrong:
            raise forms.ValidationError(
                f"“{', '.join(wrong)}” {'is' if len(wrong) == 1 else 'are'} not a number of days: "
                "write whole numbers from 0 to 365 separated by commas, e.g. 5, 10.")
        return sorted({int(part) for part in parts})


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, version: FrameworkVersion) -> str:
        effective = f", in force since {version.effective_date:%d %b %Y}" if version.effective_date else ""
        return f"{version}{effective}"


CYCLE_FIELDS = [
    "name", "framework_version", "opens_on", "closes_on",
    "threshold_peer", "threshold_direct", "threshold_external",
    "min_peers", "max_peers", "min_external", "max_external",
    "reminders_after_open", "reminders_before_close",
    "weight_manager", "weight_peer", "weight_direct", "weight_external", "blind_spot_gap", "results_audience",
]


class CycleForm(PlainFormMixin, forms.ModelForm):
    framework_version = VersionChoiceField(
        queryset=FrameworkVersion.objects.none(), label="Framework version", empty_label="— choose a published version —",
        help_text="Only published versions are offered: leaders are rated against the version in force.")
    reminders_after_open = DaysField(
        label="Reminders after opening (days)",
        help_text="Days after the opening on which raters who have not answered are reminded, e.g. 5, 10.")
    reminders_before_close = DaysField(
        label="Reminders before the close (days)",
        help_text="Days before the close, e.g. 2, 0 (0 is the close day).")

    class Meta:
        model = Cycle
        fields = CYCLE_FIELDS
        widgets = {"opens_on": _date_widget(), "closes_on": _date_widget()}
        labels = {"opens_on": "Opens on", "closes_on": "Closes on", "blind_spot_gap": "Blind-spot gap",
                  "weight_manager": "Weight of the manager", "weight_peer": "Weight of peers", "weight_direct": "Weight of direct reports",
                  "weight_external": "Weight of external raters", "results_audience": "Who sees results"}
        help_texts = {
            "weight_peer": "Weights of the groups in the combined “others” figure; equal by default.",
            "weight_manager": "The manager's weight beside the shown groups in a gap analysis's observed level.",
            "threshold_peer": "Fewest answers shown as a group of their own (at least 3).",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["framework_version"].queryset = (
            FrameworkVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related("framework")
            .order_by("framework__name"))
        for name in ("threshold_peer", "threshold_direct", "threshold_external"):
            self.fields[name].validators.append(MinValueValidator(3, "A threshold below 3 would let single answers be told apart."))
            self.fields[name].widget.attrs["min"] = 3
        if not self.instance.pk:
            today = timezone.localdate()
            self.initial.setdefault("opens_on", today)
            self.initial.setdefault("closes_on", today + timedelta(days=21))
            for name in ("reminders_after_open", "reminders_before_close"):  # declared here: no model initial
                self.initial.setdefault(name, getattr(self.instance, name))

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_on"), data.get("closes_on")
        if opens and closes and closes <= opens:
            self.add_error("closes_on", "The close date must come after the opening date.")
        for fewest, most, label in (("min_peers", "max_peers", "peers"), ("min_external", "max_external", "external raters")):
            low, high = data.get(fewest), data.get(most)
            if low is not None and high is not None and high < low:
                self.add_error(most, f"The most {label} cannot be fewer than the fewest ({low}).")
        return data

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in CYCLE_FIELDS}


class ExtendForm(PlainFormMixin, forms.Form):
    closes_on = forms.DateField(label="New close date", widget=_date_widget())


# --- leaders ---------------------------------------------------------------------------------------


class IdsField(forms.Field):
    """Many ids posted under one name (checkboxes); read as a list of whole numbers."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        try:
            return sorted({int(item) for item in value})
        except (TypeError, ValueError):
            raise forms.ValidationError("The selection was not understood: reload the page and choose again.") from None


class AddByUnitForm(PlainFormMixin, forms.Form):
    org_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.order_by("name"), label="Org unit",
                                      empty_label="— choose a unit —")
    with_sub_units = forms.BooleanField(required=False, initial=True, label="With its sub-units")


class AddByProfileForm(PlainFormMixin, forms.Form):
    role_profile = forms.ModelChoiceField(queryset=RoleProfile.objects.order_by("name"), label="Role profile",
                                          empty_label="— choose a role —")


class AddPeopleForm(forms.Form):
    """People picked from a search (their ids), or everyone the search found."""

    people = IdsField(required=False)
    everyone = forms.BooleanField(required=False)
    find = forms.CharField(required=False, max_length=200)

    def clean(self):
        data = super().clean()
        if not data.get("people") and not (data.get("everyone") and (data.get("find") or "").strip()):
            raise forms.ValidationError("Search for people and tick those to add.")
        return data


class RemoveLeadersForm(forms.Form):
    """Leaders picked on the page (participation ids), or every leader the filter shows."""

    participants = IdsField(required=False)
    everyone = forms.BooleanField(required=False)

    def clean(self):
        data = super().clean()
        if not data.get("participants") and not data.get("everyone"):
            raise forms.ValidationError("Tick the leaders to remove.")
        return data


class LeaderFilterForm(forms.Form):
    """The filter of the leaders of a draft: a search, and those opening would refuse."""

    q = forms.CharField(required=False, label="Search", max_length=200,
                        widget=forms.TextInput(attrs={"placeholder": "Name, email or employee id", "class": "form-control"}))
    problems = forms.BooleanField(required=False, label="Only those without an approved role profile",
                                  widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))


class ProgressFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=200,
                        widget=forms.TextInput(attrs={"placeholder": "Name, email or employee id", "class": "form-control"}))
    org_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.order_by("name"), required=False, label="Org unit",
                                      empty_label="any unit", widget=forms.Select(attrs={"class": "form-select"}))
    state = forms.ChoiceField(choices=[("", "any")] + STATES, required=False, label="Status",
                              widget=forms.Select(attrs={"class": "form-select"}))


class CycleListFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, label="Status", widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args, **kwargs):
        from .models import CycleStatus

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "any status")] + list(CycleStatus.choices)


# --- nominations -----------------------------------------------------------------------------------


class NominatePeerForm(forms.Form):
    person = forms.ModelChoiceField(
        queryset=Person.objects.select_related("user"), widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Choose a colleague from the search results.",
                        "required": "Choose a colleague from the search results."})


class NominateExternalForm(PlainFormMixin, forms.Form):
    name = forms.CharField(max_length=200, label="Name")
    email = forms.EmailField(label="Email", max_length=254)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")],
                                 error_messages={"required": "Choose to approve or reject.",
                                                 "invalid_choice": "Choose to approve or reject."})

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == "approve"
