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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.request is not None:
            from accounts.permissions import visible_statuses

            shown = visible_statuses(self.request.user)
            self.filters["status"].extra["choices"] = [(v, label) for v, label in VersionStatus.choices if v in shown]

    def filter_name(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))

    def filter_status(self, queryset, name, value):
        from accounts.permissions import visible_statuses

        if self.request is not None and value not in visible_statuses(self.request.user):
            return queryset.none()  # readers are not told which frameworks have drafts
        return queryset.filter(pk__in=Framework.objects.filter(versions__status=value).values("pk"))
