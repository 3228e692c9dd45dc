"""A leader's released 360° results as a PDF (registered as the document kind "results").

Reads only what `assessments.results` reads: the stored, shown cells and comments the release left.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.text import slugify

from core.pdf import organisation_name, render_pdf

from .models import Participant
from .results import ParticipantResults, participant_results, results_participants

KIND = "results"


def _figure(figure) -> dict | None:
    if figure is None:
        return None
    return {"label": figure.label, "mean": None if figure.mean is None else str(figure.mean), "count": figure.count,
            "responders": figure.responders, "suppressed": figure.suppressed}


def _source(results: ParticipantResults) -> dict:
    participant, cycle = results.participant, results.cycle
    return {
        "organisation": organisation_name(),
        "participant": participant.pk,
        "person": str(participant.person),
        "cycle": cycle.name,
        "release": cycle.release_number,
        "released_at": cycle.released_at.isoformat() if cycle.released_at else None,
        "profile_revision": participant.profile_revision if participant.role_profile_id else None,
        "levels": results.levels,
        "gap": str(results.gap),
        "columns": results.columns,
        "areas": [{
            "name": area.name,
            "means": [None if mean is None else str(mean) for mean in area.row],
            "required_mean": None if area.required_mean is None else str(area.required_mean),
            "lines": [{
                "code": line.code, "name": line.name, "required": line.required, "critical": line.critical,
                "blind_spot": line.blind_spot, "hidden_strength": line.hidden_strength,
                "figures": [_figure(figure) for figure in line.row],
                "comments": [[comment.label, comment.text] for comment in line.comments],
            } for line in area.lines],
        } for area in results.areas],
    }


def results_source(participant: Participant) -> dict:
    """Everything the PDF shows, as JSON: its hash decides whether a stored PDF can be reused."""
    return _source(participant_results(participant))


def results_filename(participant: Participant) -> str:
    name = slugify(f"{participant.person} {participant.cycle.name}") or "results"
    return f"360-results-{name}-r{participant.cycle.release_number}.pdf"


def render_results_pdf(participant: Participant) -> bytes:
    """The leader's released results: the radar chart, the figures per area and competency (shown cells
    only: a suppressed pool reads "too few to show"), blind spots, hidden strengths and the comments."""
    results = participant_results(participant)
    person, cycle = participant.person, participant.cycle
    return render_pdf("pdf/results.html", {
        "results": results, "participant": participant, "cycle": cycle,
        "chart": results.chart() if results.has_figures else None,
    }, title=f"360° results: {person} · {cycle.name}",
        subject=f"Released 360° feedback of {person} in {cycle.name} (release {cycle.release_number})")


def results_page(participant: Participant) -> str:
    return reverse("assessments:participant_results", args=[participant.pk])


def register_documents() -> None:
    from documents.registry import register

    register(KIND, model=Participant, render=render_results_pdf, source=results_source, filename=results_filename,
             rule="participant.results", label="360° report", queryset=results_participants, page=results_page)
