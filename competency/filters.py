import django_filters
from django import forms
from django.db.models import Q
from core.filters import StyledFilterSet

from .models import Framework, FrameworkVersion, VersionStatus
from .rules import visible_statuses


class FrameworkFilter(StyledFilterSet):
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
            shown = visible_statuses(self.request.user)
            status = self.filters["status"]
            status.extra["choices"] = [(v, label) for v, label in VersionStatus.choices if v in shown]
            # A form field built earlier (the OpenAPI schema reads the class's filters) is copied with the filter
            # and would keep every status: drop it, so this reader's field is built from their choices.
            status.__dict__.pop("_field", None)

    def filter_name(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))

    def filter_status(self, queryset, name, value):
        if self.request is not None and value not in visible_statuses(self.request.user):
            return queryset.none()  # readers are not told which frameworks have drafts
        return queryset.filter(pk__in=FrameworkVersion.objects.filter(status=value).values("framework_id"))
