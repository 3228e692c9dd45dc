"""Released results: releasing a cycle, a leader's results page, the cycle export, withholding a comment.

Every page here reads the stored figures through `assessments.results`; none reads an answer.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.permissions import can, get_for_user, require
from core.responses import done, form_page, refuse
from core.spreadsheets import table_download

from .. import results as read
from ..models import Cycle, CycleStatus, ResultComment
from ..release import start_release
from ..forms_results import WithholdForm
from ..services.results import withhold_comment


def _cycle_page(cycle: Cycle) -> str:
    return reverse("assessments:cycle_detail", args=[cycle.pk])


@require_POST
def cycle_release(request: HttpRequest, pk: int) -> HttpResponse:
    """Checks the release at once (a refusal comes back as a message, nothing changed) and hands the
    work to a task: the cycle page shows its progress until the cycle is released."""
    cycle = get_for_user(request.user, Cycle, "cycle.release", pk=pk)
    try:
        cycle = start_release(cycle, actor=request.user)
    except ValidationError as error:
        return refuse(request, error, _cycle_page(cycle))
    total = cycle.progress.get("total", 0)
    message = f"Releasing results for {total} leader{'s' if total != 1 else ''}…"
    if cycle.release_number:
        message += f" This is release {cycle.release_number + 1}: it updates the leaders with new answers."
    else:
        message += " The leaders are told by email once they are released."
    return done(request, message, _cycle_page(cycle))


@require_safe
def participant_results(request: HttpRequest, pk: int) -> HttpResponse:
    participant = get_for_user(request.user, read.results_participants(), "participant.results", pk=pk)
    results = read.participant_results(participant)
    return _render_results(request, results)


def _render_results(request: HttpRequest, results: read.ParticipantResults) -> HttpResponse:
    participant = results.participant
    return render(request, "assessments/results/participant_results.html", {
        "results": results, "participant": participant, "cycle": participant.cycle,
        "chart": results.chart() if results.has_figures else None,
        "can_withhold": can(request.user, "resultcomment.withhold"),
        "can_see_cycle": can(request.user, "cycle.view", participant.cycle),
    })


# --- exports ---------------------------------------------------------------------------------------


@require_safe
def cycle_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404("Unknown export format.")
    cycle = get_for_user(request.user, Cycle, "cycle.export", pk=pk)
    if cycle.status != CycleStatus.RELEASED:
        refusal = ValidationError(f"The results of {cycle} are not released yet: there is nothing to export.")
        return refuse(request, refusal, _cycle_page(cycle))
    return table_download(read.cycle_rows(cycle), fmt=fmt, sheet="Results",
                          filename=f"{slugify(cycle.name) or 'cycle'}-results-r{cycle.release_number}", notes=[
        f"{cycle.name}: shown results, release {cycle.release_number}",
        "Only figures that may be shown are exported. A group too small to show is pooled into “Other colleagues”; "
        "a pool still too small reads “too few to show”, and its answers are in no figure.",
    ])


# --- withholding a comment -------------------------------------------------------------------------


def _comment(request: HttpRequest, pk: int) -> ResultComment:
    """A released comment for withholding: 404 outside the audience of the leader's results (the
    comment's audience; "comment.view" is the framework review comments' rule), 403 inside it for
    anyone but HR and quality."""
    comment = get_object_or_404(ResultComment.objects.select_related("participant__cycle", "participant__person__user"),
                                pk=pk)
    if not can(request.user, "participant.view", comment.participant) or not can(
            request.user, "participant.results", comment.participant):
        raise Http404("No such comment.")
    require(request.user, "resultcomment.withhold", comment)
    return comment


@require_http_methods(["GET", "POST"])
def comment_withhold(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment(request, pk)
    back = (reverse("assessments:participant_results", args=[comment.participant_id])
            + f"#competency-{comment.competency_id}")
    if comment.withheld:
        return refuse(request, ValidationError("This comment is already withheld."), back)
    form = WithholdForm(request.POST or None)

    def save() -> HttpResponse:
        withhold_comment(comment, form.cleaned_data["reason"], actor=request.user)
        return done(request, "The comment is withheld: it no longer appears on any page or export.", back)

    return form_page(request, form, "assessments/results/comment_withhold.html",
                     {"comment": comment, "participant": comment.participant, "back": back}, save)


urlpatterns = [
    path("<int:pk>/release/", cycle_release, name="cycle_release"),
    path("<int:pk>/export.<str:fmt>", cycle_export, name="cycle_export"),
    path("participants/<int:pk>/results/", participant_results, name="participant_results"),
    path("comments/<int:pk>/withhold/", comment_withhold, name="comment_withhold"),
]
