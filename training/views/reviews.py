"""Training pages: effectiveness reviews (the list of due, overdue and recorded reviews, and recording
one) and the training matrix with its export. Thin: permission, form or service, selector, response."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from accounts.permissions import can, permission_required, require
from core.db import read_snapshot
from core.pagination import deferred_page
from core.responses import done, form_page, invalid
from core.spreadsheets import table_download
from profiles.selectors import unit_and_below

from .. import selectors_matrix as read
from ..forms_reviews import MatrixFilterForm, ReviewFilterForm, ReviewForm
from ..models import EffectivenessReview
from ..services import reviews as services

REVIEWS_PER_PAGE = 50
PEOPLE_PER_PAGE = 50

# --- effectiveness reviews -------------------------------------------------------------------------------


@require_safe
@permission_required("review.browse")
def review_list(request: HttpRequest) -> HttpResponse:
    form = ReviewFilterForm(request.GET or None)
    state = form.cleaned_data["state"] if form.is_valid() else ""
    reviews = read.review_rows(read.filter_state(read.reviews_for(request.user), state))
    page = Paginator(reviews, REVIEWS_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    later = read.later_levels(rows)
    today = timezone.localdate()
    context = {"form": form, "page": page, "today": today,
               "rows": [(review, later.get(review.pk), review.overdue(today),
                         can(request.user, "review.record", review.enrolment.person)) for review in rows]}
    if form.is_bound and not form.is_valid():
        return invalid(request, "training/reviews/review_list.html", context)
    return render(request, "training/reviews/review_list.html", context)


def _review(request: HttpRequest, pk: int) -> EffectivenessReview:
    """The review: 404 outside the person's audience (or a forged id), 403 for a reader who may not record."""
    review = get_object_or_404(EffectivenessReview.objects.select_related(
        "enrolment__person__user", "enrolment__session__programme", "competency__version", "reviewed_by"), pk=pk)
    if not can(request.user, "record.view", review.enrolment.person):
        raise Http404("No such review.")
    require(request.user, "review.record", review.enrolment.person)
    return review


@require_http_methods(["GET", "POST"])
def review_record(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    low, high = services.scale_bounds(review)
    initial = {"method_used": review.method_used or review.planned_method}
    if review.done:
        initial.update(level_before=review.level_before, level_after=review.level_after, evidence=review.evidence,
                       effective="yes" if review.effective else "no")
    form = ReviewForm(request.POST or None, initial=initial, low=low, high=high)
    later = read.later_levels([review]).get(review.pk)

    def save() -> HttpResponse:
        services.record_review(review, actor=request.user, **form.values())
        return done(request, f"The review of {review.enrolment.person} in {review.competency.code} is recorded.",
                    reverse("training:review_list"))

    return form_page(request, form, "training/reviews/review_form.html",
                     {"review": review, "later": later, "low": low, "high": high}, save)


# --- the training matrix -----------------------------------------------------------------------------------


def _matrix_people(request: HttpRequest):
    form = MatrixFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None
    data = form.cleaned_data if form.is_bound else {}
    unit, role = data.get("org_unit"), data.get("role_profile")
    people = read.matrix_people(request.user, units=unit_and_below(unit.pk) if unit else None,
                                role_profile=role.pk if role else None)
    return form, people


@require_safe
@permission_required("matrix.browse")
def matrix(request: HttpRequest) -> HttpResponse:
    form, people = _matrix_people(request)
    if people is None:
        return invalid(request, "training/matrix/matrix.html", {"form": form, "page": None})
    page = deferred_page(people, request.GET.get("page"), PEOPLE_PER_PAGE, read.matrix_rows)
    filters = request.GET.copy()
    filters.pop("page", None)
    return render(request, "training/matrix/matrix.html", {"form": form, "page": page, "filters": filters.urlencode()})


@read_snapshot
@require_safe
@permission_required("matrix.browse")
def matrix_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404("Unknown export format.")
    form, people = _matrix_people(request)
    if people is None:
        raise Http404("No such org unit or role.")
    return table_download(read.matrix_export_rows(people), fmt=fmt, sheet="Training matrix",
                          filename=f"training-matrix-{timezone.localdate():%Y-%m-%d}", notes=[
        "One row per person and competency of their role's approved requirements.",
        "Observed level: the person's newest released 360° cycle with a gap analysis (self ratings never count).",
        "Training: Effective or Not effective when an effectiveness review was recorded; attendance alone is "
        "never evidence of competence.",
        "Certificate expires: the earliest expiry among the person's certificates supporting the competency.",
        "Evidence: the kinds present for the competency — verified certificate (expired ones say so), a qualification "
        "not expired, experience, a sign-off at or above the required level, training an effectiveness review found "
        "effective; 'attendance only (not evidence)' when a completed training is all there is.",
    ])


urlpatterns = [
    path("reviews/", review_list, name="review_list"),
    path("reviews/<int:pk>/record/", review_record, name="review_record"),
    path("matrix/", matrix, name="matrix"),
    path("matrix/export.<str:fmt>", matrix_export, name="matrix_export"),
]
