import django_filters
from django import forms

from .models import Framework, VersionStatus


class FrameworkFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(
        label="Name or code", method="filter_name", widget=forms.TextInput(attrs={"placeholder": "Search"})
    )
    status = django_filters.ChoiceFilter(
        label="Has a version that is", choices=VersionStatus.choices, method="filter_status", empty_label="any status"
    )

    class Meta:
        model = Framework
        fields: list[str] = []

    def filter_name(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))

    def filter_status(self, queryset, name, value):
        return queryset.filter(pk__in=Framework.objects.filter(versions__status=value).values("pk"))
