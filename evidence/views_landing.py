"""The auditor's way in: the landing page (sampling, people by role or org unit with their 7.2 status
at a glance, the organisation's red flag), the samples drawn and their log, and HR's log of what
auditors opened. Thin: permission, form, service or selector, response.

Drawing a sample is a GET that writes its log row and redirects to the sample: auditors may not send
writes (accounts.middleware refuses every POST of theirs), and the sampling log is a record of what
they looked at, like the access log, not a change to the organisation's records.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from accounts.models import Role, User
from accounts.permissions import get_for_user, permission_required
from core.filters import style_widgets
from core.history import end_of
from core.pagination import deferred_page
from core.responses import apply_form_errors, invalid
from profiles.models import OrgUnit, Person, RoleProfile
from profiles.selectors import unit_and_below

from . import sampling, status
from .models import AccessEvent, SamplingLog

PEOPLE_PER_PAGE = 25
LOGS_PER_PAGE = 25
EVENTS_PER_PAGE = 50


def _as_at_field() -> forms.DateField:
    return forms.DateField(label="As at", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                           help_text="Empty: today. A past day shows the status as it stood then.")


def _check_as_at(value: dt.date | None) -> dt.date | None:
    if value is not None and value > timezone.localdate():
        raise ValidationError("The day cannot be in the future.")
    return value


class SampleForm(forms.Form):
    size = forms.IntegerField(label="People at random", min_value=1, max_value=sampling.MAX_SAMPLE, initial=3)
    seed = forms.CharField(label="Seed", required=False, max_length=64,
                           help_text="Empty: a new random seed. Type an earlier sample's seed to repeat it.")
    role_profile = forms.ModelChoiceField(label="Among the role", required=False, empty_label="any role",
                                          queryset=RoleProfile.objects.order_by("name"))
    org_unit = forms.ModelChoiceField(label="Among the org unit (with its sub-units)", required=False,
                                      empty_label="any unit", queryset=OrgUnit.objects.order_by("name"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="sample", **kwargs)
        style_widgets(self)

    def clean_seed(self) -> str:
        seed = self.cleaned_data["seed"].strip()
        try:
            return sampling.check_seed(seed) if seed else ""
        except ValidationError as error:
            raise ValidationError(error.messages) from None


class AsAtForm(forms.Form):
    as_at = _as_at_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)

    def clean_as_at(self):
        return _check_as_at(self.cleaned_data["as_at"])


class PeopleFilterForm(AsAtForm):
    role_profile = forms.ModelChoiceField(label="Role", required=False, empty_label="any role",
                                          queryset=RoleProfile.objects.order_by("name"))
    org_unit = forms.ModelChoiceField(label="Org unit (with its sub-units)", required=False, empty_label="any unit",
                                      queryset=OrgUnit.objects.order_by("name"))
    field_order = ["role_profile", "org_unit", "as_at"]

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("role_profile") and not data.get("org_unit"):
            raise ValidationError("Choose a role or an org unit (or draw a sample at random).")
        return data


def _listing(as_at: dt.date | None):
    """A loader for deferred_page: the page's people with their status columns, in one query."""
    return lambda pks: status.status_people(Person.objects.filter(pk__in=pks), as_at=as_at)


@require_http_methods(["GET", "POST"])
@permission_required("sampling.browse")
def landing(request: HttpRequest) -> HttpResponse:
    """The auditor's way in. Drawing a sample is a POST (it writes the sampling log, under CSRF
    protection), which the read-only layer lets auditors make on this view alone."""
    drawing = request.method == "POST"
    listing = not drawing and any(request.GET.get(key) for key in ("role_profile", "org_unit", "as_at"))
    sample_form = SampleForm(request.POST if drawing else None)
    filter_form = PeopleFilterForm(request.GET if listing else None)
    context = {"sample_form": sample_form, "filter_form": filter_form, "page": None, "rows": None, "as_at": None,
               "undefined_roles": list(status.undefined_roles()), "without_role": status.people_without_role(),
               "logs": list(SamplingLog.objects.select_related("created_by")[:5]), "flag_texts": _flag_texts()}
    if drawing:
        if sample_form.is_valid():
            data = sample_form.cleaned_data
            try:
                log = sampling.sample_draw(actor=request.user, size=data["size"], seed=data["seed"] or None,
                                           role_profile=data["role_profile"], org_unit=data["org_unit"])
            except ValidationError as error:
                apply_form_errors(sample_form, error)
            else:
                return redirect("evidence:sample", pk=log.pk)
        return invalid(request, "evidence/landing.html", context)
    if listing:
        if not filter_form.is_valid():
            return invalid(request, "evidence/landing.html", context)
        data = filter_form.cleaned_data
        people = Person.objects.filter(active=True).order_by(*Person.LIST_ORDER)
        if data["role_profile"]:
            people = people.filter(role_profile=data["role_profile"])
        if data["org_unit"]:
            people = people.filter(org_unit_id__in=unit_and_below(data["org_unit"].pk))
        page = deferred_page(people, request.GET.get("page"), PEOPLE_PER_PAGE, _listing(data["as_at"]))
        context.update(page=page, rows=status.rows_for_page(page.object_list), as_at=data["as_at"])
    return render(request, "evidence/landing.html", context)


@require_safe
def sample(request: HttpRequest, pk: int) -> HttpResponse:
    log = get_for_user(request.user, SamplingLog.objects.select_related("created_by"), "sampling.view", pk=pk)
    form = AsAtForm(request.GET or None)
    as_at = form.cleaned_data["as_at"] if form.is_bound and form.is_valid() else None
    order = {person_id: position for position, person_id in enumerate(log.person_ids)}
    rows = sorted(status.status_rows(sampling.sampled_people(log), as_at=as_at),
                  key=lambda row: order.get(row.person.pk, len(order)))
    context = {"log": log, "rows": rows, "form": form, "as_at": as_at, "flag_texts": _flag_texts(),
               "missing": len(log.person_ids) - len(rows)}
    if form.is_bound and not form.is_valid():
        return invalid(request, "evidence/landing_sample.html", context)
    return render(request, "evidence/landing_sample.html", context)


@require_safe
@permission_required("sampling.browse")
def sample_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(SamplingLog.objects.select_related("created_by"), LOGS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "evidence/landing_samples.html", {"page": page})


class AccessLogFilterForm(forms.Form):
    auditor = forms.ModelChoiceField(label="Auditor", required=False, empty_label="every auditor",
                                     queryset=User.objects.filter(role=Role.AUDITOR).order_by("last_name", "email"))
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("The first day must come before the last one.")
        return data


@require_safe
@permission_required("access_log.browse")
def access_log(request: HttpRequest) -> HttpResponse:
    form = AccessLogFilterForm(request.GET or None)
    events = AccessEvent.objects.select_related("user")
    if form.is_bound and not form.is_valid():
        return invalid(request, "evidence/access_log.html", {"form": form, "page": None})
    data = form.cleaned_data if form.is_bound else {}
    if data.get("auditor"):
        events = events.filter(user=data["auditor"])
    if data.get("date_from"):
        events = events.filter(at__gte=end_of(data["date_from"] - dt.timedelta(days=1)))
    if data.get("date_to"):
        events = events.filter(at__lt=end_of(data["date_to"]))
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "evidence/access_log.html", {"form": form, "page": page})


def _flag_texts() -> dict[str, str]:
    from .dossier import FLAG_TEXTS

    return FLAG_TEXTS


urlpatterns = [
    path("", landing, name="landing"),
    path("samples/", sample_list, name="sample_list"),
    path("samples/<int:pk>/", sample, name="sample"),
    path("access-log/", access_log, name="access_log"),
]
