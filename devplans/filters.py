import django_filters
from django import forms

from core.filters import StyledFilterSet
from profiles.models import OrgUnit
from profiles.selectors import unit_and_below

from .models import Plan, PlanStatus
from .selectors import with_overdue_actions


class PlanFilter(StyledFilterSet):
    status = django_filters.ChoiceFilter(choices=PlanStatus.choices, empty_label="any status")
    org_unit = django_filters.ModelChoiceFilter(label="Org unit (with sub-units)",
                                                queryset=OrgUnit.objects.order_by("name"),
                                                method="filter_org_unit", empty_label="any unit")
    overdue = django_filters.BooleanFilter(label="With overdue actions", method="filter_overdue",
                                           widget=forms.CheckboxInput)

    class Meta:
        model = Plan
        fields: list[str] = []

    def filter_org_unit(self, queryset, name, value):
        return queryset.filter(person__org_unit_id__in=unit_and_below(value.pk))

    def filter_overdue(self, queryset, name, value):
        return with_overdue_actions(queryset) if value else queryset
