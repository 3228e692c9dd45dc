import django_filters
from django import forms
from django.db.models import Q
from core.filters import StyledFilterSet

from .models import Role, User


class AccountFilter(StyledFilterSet):
    q = django_filters.CharFilter(label="Search", method="search",
                                  widget=forms.TextInput(attrs={"placeholder": "Name or email"}))
    role = django_filters.ChoiceFilter(choices=Role.choices, empty_label="any role")
    active = django_filters.ChoiceFilter(label="Status", choices=[("yes", "Active"), ("no", "Inactive")],
                                         method="filter_active", empty_label="active or not")

    class Meta:
        model = User
        fields: list[str] = []

    def search(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word)
                                       | Q(email__icontains=word))
        return queryset

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "yes")
