import django_filters
from django import forms
from django.db.models import Q

from accounts.permissions import visible
from competency.models import Framework
from core.filters import StyledFilterSet

from .models import OrgUnit, Person, ProfileStatus, RoleProfile
from .selectors import reporting_line_ids


class ProfileFilter(StyledFilterSet):
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
            self.filters["framework"].queryset = visible(self.request.user, "framework", Framework.objects.order_by("name"))

    def filter_org_unit(self, queryset, name, value):
        return queryset.filter(pk__in=Person.objects.filter(org_unit=value).values("role_profile"))


#: A word that matches at most this many accounts hands their ids to the page's queries; a broader one
#: (a single letter) stays a subquery.
SEARCH_IDS_INLINE = 2000


class PersonFilter(StyledFilterSet):
    q = django_filters.CharFilter(label="Search", method="search",
                                  widget=forms.TextInput(attrs={"placeholder": "Name, email or employee id"}))
    org_unit = django_filters.ModelChoiceFilter(queryset=OrgUnit.objects.order_by("name"), empty_label="any unit")
    role_profile = django_filters.ModelChoiceFilter(label="Role", queryset=RoleProfile.objects.order_by("name"),
                                                    empty_label="any role")
    manager = django_filters.CharFilter(label="Reporting to", method="filter_manager",
                                        widget=forms.TextInput(attrs={"placeholder": "Name, email or id"}))
    direct = django_filters.BooleanFilter(label="Direct reports only", method="filter_direct",
                                          widget=forms.CheckboxInput)
    active = django_filters.ChoiceFilter(choices=[("yes", "Active"), ("no", "Inactive"), ("all", "Everyone")],
                                         method="filter_active", empty_label=None)

    class Meta:
        model = Person
        fields: list[str] = []

    def search(self, queryset, name, value):
        """Every word matches part of a name or email, or a whole employee id. Names and emails are
        matched on the accounts once (trigram indexes serve it on PostgreSQL), and the page's count
        and rows then look people up by those accounts and by the employee id, each on its own index,
        instead of searching everyone again."""
        from django.contrib.auth import get_user_model

        for word in value.split()[:5]:
            accounts = get_user_model().objects.filter(
                Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
            ).order_by().values_list("pk", flat=True)
            by_employee_id = Person.objects.filter(employee_id__iexact=word).order_by().values_list("user_id", flat=True)
            # One query finds both; the people are then looked up by account alone, on its index (an OR
            # with the employee id here would make PostgreSQL scan every person).
            found = list(accounts.union(by_employee_id)[:SEARCH_IDS_INLINE + 1])
            if len(found) <= SEARCH_IDS_INLINE:
                self.at_most = min(self.at_most or SEARCH_IDS_INLINE + 1, len(found) + 1)
                queryset = queryset.filter(user_id__in=found)
            else:
                queryset = queryset.filter(Q(user_id__in=accounts) | Q(employee_id__iexact=word))
        return queryset

    def filter_manager(self, queryset, name, value):
        """Everyone in the manager's reporting line (directly or not), as HR systems show it."""
        value = value.strip()
        manager = Person.objects.filter(Q(user__email=value.lower()) | Q(employee_id=value)).values_list("pk", flat=True).first()
        if manager is None:  # a whole name, when it is one person's
            first, _, last = value.rpartition(" ")
            named = list(Person.objects.filter(Q(user__first_name__iexact=first, user__last_name__iexact=last)
                                               | Q(user__last_name__iexact=value)).values_list("pk", flat=True)[:2])
            manager = named[0] if len(named) == 1 else None
            if len(named) > 1:
                self.manager_problem = f"Several people are called {value}: give the manager's email or employee id."
            elif not named:
                self.manager_problem = f"Nobody in Proficio is called {value} or has that email or employee id."
        if manager is None:
            return queryset.none()
        if self.form.cleaned_data.get("direct"):
            return queryset.filter(manager_id=manager)
        return queryset.filter(pk__in=reporting_line_ids(manager))

    def filter_direct(self, queryset, name, value):
        return queryset  # read by filter_manager

    #: Set by a narrow search: the list holds at most this many people (for core.pagination.deferred_page).
    at_most: int | None = None
    #: Why the "reporting to" filter found nobody, to say so on the page.
    manager_problem: str = ""

    def __init__(self, data=None, *args, **kwargs):
        # Inactive people leave the list unless asked for.
        if data is not None and not data.get("active"):
            data = data.copy()
            data["active"] = "yes"
        super().__init__(data, *args, **kwargs)
        if self.request is not None:  # offer only roles the reader may open
            self.filters["role_profile"].queryset = visible(self.request.user, "profile", RoleProfile.objects.order_by("name"))

    def filter_active(self, queryset, name, value):
        return queryset if value == "all" else queryset.filter(active=value == "yes")
