"""The pages' filters, as the API offers them: the same filter sets, described for the schema, where an
org unit, a role profile or a framework may also be named by its code (what an HR system knows) as well as
by its id (what the API's own answers and the pages' addresses hold)."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema_field

from devplans.filters import PlanFilter
from profiles.filters import PersonFilter, ProfileFilter
from profiles.models import OrgUnit, RoleProfile



def whole_id(value: str) -> int | None:
    """`value` as a row id when it is one: ASCII digits that fit PostgreSQL's bigint (18 digits always do)."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


class IdOrCodeField(forms.ModelChoiceField):
    """An object of the queryset by its id (a number) or by its code, whatever its case (anything else)."""

    def __init__(self, *args, noun: str = "object", **kwargs):
        self.noun = noun
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = str(value).strip()
        number = whole_id(value)
        if number is not None:
            found = self.queryset.filter(pk=number).first()
        else:
            found = self.queryset.filter(code__iexact=value).first()
        if found is None:
            raise ValidationError(f"There is no {self.noun} with the id or code “{value[:100]}”.", code="invalid_choice")
        return found


class IdOrCodeFilter(django_filters.ModelChoiceFilter):
    field_class = IdOrCodeField

    def __init__(self, *args, noun: str, **kwargs):
        kwargs.setdefault("help_text", f"The {noun}'s id or code.")
        kwargs["help_text"] += " A number is read as an id; a code matches whatever its case."
        super().__init__(*args, noun=noun, **kwargs)
        # The schema's type for this parameter (text: an id or a code), with its description (drf-spectacular
        # reads a field's override here, and takes no help text from a filter that has one).
        self._spectacular_annotation = {"field": {"type": "string", "description": kwargs["help_text"]}}


def org_unit_filter(**kwargs) -> IdOrCodeFilter:
    return IdOrCodeFilter(queryset=OrgUnit.objects.all(), noun="org unit", **kwargs)


def role_profile_filter(**kwargs) -> IdOrCodeFilter:
    return IdOrCodeFilter(queryset=RoleProfile.objects.all(), noun="role profile", **kwargs)


class ApiProfileFilter(ProfileFilter):
    org_unit = org_unit_filter(method="filter_org_unit",
                               help_text="Profiles held by someone in this org unit: its id or code.")
    framework = IdOrCodeFilter(queryset=ProfileFilter.base_filters["framework"].queryset,
                               field_name="framework_version__framework", noun="framework",
                               help_text="Profiles of this framework: its id or code.")


class ApiPersonFilter(PersonFilter):
    org_unit = org_unit_filter(help_text="People of this org unit (not its sub-units): its id or code.")
    role_profile = role_profile_filter(help_text="People holding this role profile: its id or code.")

    @extend_schema_field({"type": "string", "enum": ["yes", "no", "all"], "default": "yes",
                          "description": "Active people (`yes`, the default), inactive ones (`no`) or everyone (`all`)."})
    def filter_active(self, queryset, name, value):
        return super().filter_active(queryset, name, value)


class ApiPlanFilter(PlanFilter):
    org_unit = org_unit_filter(method="filter_org_unit",
                               help_text="Plans of people in this org unit and the units below it: its id or code.")
