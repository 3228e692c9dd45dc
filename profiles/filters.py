import django_filters
from django import forms
from django.db.models import Q

from accounts.permissions import visible_frameworks, visible_profiles
from competency.models import Framework

from .models import OrgUnit, Person, ProfileStatus, RoleProfile


class ProfileFilter(django_filters.FilterSet):
    org_unit = django_filters.ModelChoiceFilter(
        label="Held in org unit", queryset=OrgUnit.objects.order_by("name"), method="filter_org_unit",
        empty_label="any unit",
    )
    framework = django_filters.ModelChoiceFilter(
        label="Framework", queryset=Framework.objects.order_by("name"), field_name="framework_version__framework",
        empty_label="any framework",
    )
    status = django_filters.ChoiceFilter(choices=ProfileStatus.choices, empty_label="any status")

    class Meta:
        model = RoleProfile
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.request is not None:  # offer only frameworks the reader may open
            self.filters["framework"].queryset = visible_frameworks(self.request.user, Framework.objects.order_by("name"))

    def filter_org_unit(self, queryset, name, value):
        return queryset.filter(pk__in=Person.objects.filter(org_unit=value).values("role_profile"))


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search", method="search",
                                  widget=forms.TextInput(attrs={"placeholder": "Name, email or employee id"}))
    org_unit = django_filters.ModelChoiceFilter(queryset=OrgUnit.objects.order_by("name"), empty_label="any unit")
    role_profile = django_filters.ModelChoiceFilter(label="Role", queryset=RoleProfile.objects.order_by("name"),
                                                    empty_label="any role")
    manager = django_filters.CharFilter(label="Manager", method="filter_manager",
                                        widget=forms.TextInput(attrs={"placeholder": "Email or id"}))
    active = django_filters.ChoiceFilter(choices=[("yes", "Active"), ("no", "Inactive"), ("all", "Everyone")],
                                         method="filter_active", empty_label=None)

    class Meta:
        model = Person
        fields: list[str] = []

    def search(self, queryset, name, value):
        words = value.split()
        for word in words:
            queryset = queryset.filter(
                Q(user__first_name__icontains=word) | Q(user__last_name__icontains=word)
                | Q(user__email__icontains=word) | Q(employee_id__iexact=word)
            )
        return queryset

    def filter_manager(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(manager__user__email=value.lower()) | Q(manager__employee_id=value))

    def __init__(self, data=None, *args, **kwargs):
        # Inactive people leave the list unless asked for.
        if data is not None and not data.get("active"):
            data = data.copy()
            data["active"] = "yes"
        super().__init__(data, *args, **kwargs)
        if self.request is not None:  # offer only roles the reader may open
            self.filters["role_profile"].queryset = visible_profiles(self.request.user, RoleProfile.objects.order_by("name"))

    def filter_active(self, queryset, name, value):
        return queryset if value == "all" else queryset.filter(active=value == "yes")
