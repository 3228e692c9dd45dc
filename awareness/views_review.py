"""The management review page (figures beside the previous period, a chart of them, the readiness trend chart,
PDF panel) and the
quality manager's choice of scheduled report. Thin: permission, period or form, selector, response."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_safe

from accounts.permissions import can, permission_required
from core.responses import done, form_page

from . import review as kpi
from .models import ReportSubscription, ReviewFrequency

NO_SCHEDULE = ""


def _period(request: HttpRequest) -> kpi.Period:
    if "from" in request.GET or "to" in request.GET:
        return kpi.parse_range(request.GET.get("from", ""), request.GET.get("to", ""))
    if "period" in request.GET:
        return kpi.parse_period(request.GET["period"])
    return kpi.previous(kpi.quarter(*_this_quarter()))  # the last whole quarter


def _this_quarter() -> tuple[int, int]:
    from django.utils import timezone

    today = timezone.localdate()
    return today.year, (today.month + 2) // 3


@require_safe
@permission_required("mreview.view")
def review_page(request: HttpRequest) -> HttpResponse:
    try:
        period = _period(request)
    except kpi.BadPeriod as error:
        return render(request, "awareness/review.html", {"error": str(error)}, status=400)
    data = kpi.review_figures(period)
    context = {"data": data, "chart": kpi.readiness_chart(data) if data["trend"]["units"] else None,
               "kpi_chart": kpi.kpi_chart(data),
               "review": kpi.review_for(period, user=request.user),
               "may_subscribe": can(request.user, "mreview.subscribe")}
    return render(request, "awareness/review.html", context)


class SubscriptionForm(forms.Form):
    frequency = forms.ChoiceField(label="Send me the management review",
                                  choices=[(NO_SCHEDULE, "Never (no scheduled report)"), *ReviewFrequency.choices],
                                  required=False, widget=forms.RadioSelect)


@require_http_methods(["GET", "POST"])
@permission_required("mreview.subscribe")
def review_schedule(request: HttpRequest) -> HttpResponse:
    current = ReportSubscription.objects.filter(user=request.user).first()
    form = SubscriptionForm(request.POST if request.method == "POST" else None, initial={"frequency": current.frequency if current else NO_SCHEDULE})

    def save() -> HttpResponse:
        frequency = form.cleaned_data["frequency"]
        if frequency == NO_SCHEDULE:
            ReportSubscription.objects.filter(user=request.user).delete()
            return done(request, "You will receive no scheduled management review.", reverse("awareness:review_schedule"))
        ReportSubscription.objects.update_or_create(user=request.user, defaults={"frequency": frequency})
        label = ReviewFrequency(frequency).label.lower()
        return done(request, f"You will receive the management review {label}, after each period ends.",
                    reverse("awareness:review_schedule"))

    if request.method == "POST" and "frequency" not in request.POST:  # "Never" is a choice; nothing is not
        form.is_valid()
        form.add_error("frequency", "Choose how often, or “Never”.")
        return render(request, "awareness/review_schedule.html", {"form": form, "current": current}, status=400)
    return form_page(request, form, "awareness/review_schedule.html", {"current": current}, save)


urlpatterns = [
    path("review/", review_page, name="review"),
    path("review/schedule/", review_schedule, name="review_schedule"),
]
