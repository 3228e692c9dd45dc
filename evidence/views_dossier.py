"""A person's dossier (ISO 9001 7.2 a-d) and the training matrix, today or "as at" a past day. Readers
only (HR, quality, auditors); a bad or future day is refused with a message (400). Thin: permission,
form, selector, render."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts.permissions import permission_required
from core.filters import style_widgets
from core.pagination import deferred_page
from core.responses import invalid
from profiles.models import OrgUnit, Person, RoleProfile
from profiles.selectors import unit_and_below

from .asat import matrix_rows_as_at, people_as_at
from .dossier import build_dossier, moment_of

PEOPLE_PER_PAGE = 50


class AsAtForm(forms.Form):
    as_at = forms.DateField(label="As at", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                            input_formats=["%Y-%m-%d"],
                            error_messages={"invalid": "Give the day as YYYY-MM-DD, e.g. 2025-03-31."},
                            help_text="Empty: today. A past day shows the records as they stood at its end.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)

    def clean_as_at(self) -> dt.date | None:
        value = self.cleaned_data.get("as_at")
        if value is not None and value > timezone.localdate():
            raise forms.ValidationError("The day cannot be in the future: records say nothing about it yet.")
        if value is not None and value.year < 1900:
            raise forms.ValidationError("Give a day from 1900 on.")
        return value


class MatrixAsAtForm(AsAtForm):
    org_unit = forms.ModelChoiceField(label="Org unit (with its sub-units)", required=False,
                                      queryset=OrgUnit.objects.order_by("name"), empty_label="any unit")
    role_profile = forms.ModelChoiceField(label="Role", required=False, queryset=RoleProfile.objects.order_by("name"),
                                          empty_label="any role")


@require_safe
@permission_required("dossier.view")
def dossier(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person.objects.select_related("user", "org_unit"), pk=pk)
    form = AsAtForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return invalid(request, "evidence/dossier.html", {"form": form, "person": person, "dossier": None})
    as_at = form.cleaned_data.get("as_at") if form.is_bound else None
    return render(request, "evidence/dossier.html", {
        "form": form, "person": person, "dossier": build_dossier(person, as_at=as_at)})


@require_safe
@permission_required("dossier.matrix")
def matrix_as_at(request: HttpRequest) -> HttpResponse:
    form = MatrixAsAtForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return invalid(request, "evidence/matrix_asat.html", {"form": form, "page": None})
    data = form.cleaned_data if form.is_bound else {}
    day, moment, today = moment_of(data.get("as_at"))
    unit, role = data.get("org_unit"), data.get("role_profile")
    people = people_as_at(moment, units=unit_and_below(unit.pk) if unit else None, role_profile=role.pk if role else None)
    page = deferred_page(people, request.GET.get("page"), PEOPLE_PER_PAGE,
                         lambda pks: matrix_rows_as_at(pks, day, moment))
    filters = request.GET.copy()
    filters.pop("page", None)
    return render(request, "evidence/matrix_asat.html", {
        "form": form, "page": page, "filters": filters.urlencode(), "day": day, "today": today})


urlpatterns = [
    path("people/<int:pk>/", dossier, name="dossier"),
    path("matrix/", matrix_as_at, name="matrix"),
]
