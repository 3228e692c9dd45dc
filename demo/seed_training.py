"""The demo's training catalogue: the seed's examples (ISO 9001 compliance workshops, coaching on
performance metrics and corrective actions, continuous improvement and process optimisation), each aimed
at starter-framework competencies, with upcoming sessions.

Idempotent: a programme that is already there (by title) is left as it is, sessions included.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from training.models import Programme, ProgrammeKind, ReviewMethod
from training.services import catalogue

#: (title, kind, provider, hours, cost, description, review after days, method, [(code, level)],
#:  [(code, level)] prerequisites, [(days from today, place, link, trainer, capacity)] sessions)
PROGRAMMES = [
    ("ISO 9001 compliance workshop", ProgrammeKind.WORKSHOP, "Northgate Quality Academy", "7", "480.00",
     "The requirements of ISO 9001:2015 for leaders: the quality policy, obligations to customers and regulators, "
     "and how internal audits find the gaps.", 90, ReviewMethod.TEST,
     [("CA-01", 3), ("CA-02", 3), ("SV-01", 3)], [],
     [(21, "Head office, training room 1", "", "Dana Whitfield", 16),
      (63, "Plant North, meeting room", "", "Dana Whitfield", 12)]),
    ("Coaching on performance metrics and corrective actions", ProgrammeKind.COACHING, "", "6", "0.00",
     "Four coaching conversations of 90 minutes: choosing the measures that matter, reading them, and running a "
     "corrective action from root cause to verified fix.", 120, ReviewMethod.REASSESSMENT,
     [("PI-04", 4), ("DD-01", 3)], [("PI-01", 2)],
     [(14, "", "https://meet.demo.proficio.example/coaching", "Internal coach (Quality)", 6)]),
    ("Continuous improvement and process optimisation", ProgrammeKind.WORKSHOP, "Lean Works Ltd", "14", "950.00",
     "Two days on process mapping, waste, and improvement cycles, with a project from the participant's own area.",
     90, ReviewMethod.OBSERVATION,
     [("PI-01", 4), ("PI-02", 3), ("QC-02", 3)], [],
     [(35, "Plant South, workshop hall", "", "Ravi Mendes", 20),
      (91, "", "https://meet.demo.proficio.example/ci", "Ravi Mendes", 30)]),
]


def _pairs(levels, competencies_by_code) -> list:
    return [(competencies_by_code[code], level) for code, level in levels if code in competencies_by_code]


@transaction.atomic
def seed_training(hr, competencies_by_code: dict) -> list[str]:
    """Creates the demo programmes and their sessions that are not there yet; returns a line per programme."""
    lines = []
    today = timezone.localdate()
    for (title, kind, provider, hours, cost, description, after, method, targets, prerequisites,
         sessions) in PROGRAMMES:
        if Programme.objects.filter(title=title).exists():
            lines.append(f"Training: {title} already there.")
            continue
        programme = catalogue.programme_create(
            actor=hr, title=title, kind=kind, provider=provider, duration_hours=Decimal(hours), cost=Decimal(cost),
            description=description, review_after_days=after, review_method=method,
            targets=_pairs(targets, competencies_by_code), prerequisites=_pairs(prerequisites, competencies_by_code))
        for days, place, link, trainer, capacity in sessions:
            starts = timezone.make_aware(datetime.combine(today + timedelta(days=days), time(9)))
            ends = starts + timedelta(hours=min(float(hours), 8))
            catalogue.session_create(programme, actor=hr, starts_at=starts, ends_at=ends, place=place, link=link,
                                     trainer=trainer, capacity=capacity)
        lines.append(f"Training: {title} with {len(sessions)} session(s).")
    return lines
