"""Programmes recommended for a gap: the active programmes that aim at the competency (the same code in
the same framework, whatever its version) at or above the level needed, ranked by fit —

1. the target level closest above the needed one (a programme aimed just above the need first);
2. prerequisites met by the person (their newest gap analysis shows the level) before those not met
   or unknown;
3. the next session with free places, sooner first (programmes without one last);
4. cost, lower first; then title.

Used by a leader's gaps page (through the registry the gaps app offers) and by development plans.
Four queries whatever the number of programmes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone

from assessments.models import CycleStatus
from gaps.models import RequirementGap

from .models import EnrolmentStatus, Prerequisite, Programme, ProgrammeTarget, Session


@dataclass
class PrerequisiteCheck:
    code: str
    name: str
    level: int
    observed: Decimal | None

    @property
    def met(self) -> bool:
        return self.observed is not None and self.observed >= self.level


@dataclass
class Recommendation:
    programme: Programme
    target_level: int
    prerequisites: list[PrerequisiteCheck] = field(default_factory=list)
    next_session: Session | None = None
    free_places: int = 0

    @property
    def prerequisites_met(self) -> bool:
        return all(check.met for check in self.prerequisites)

    def rank(self, needed_level: int):
        return (self.target_level - needed_level, not self.prerequisites_met,
                self.next_session is None, self.next_session.starts_at if self.next_session else datetime.max,
                self.programme.cost, self.programme.title)


def observed_levels(person) -> dict[tuple[int, str], Decimal | None]:
    """{(framework id, competency code): observed} from the person's newest current gap analysis of a
    released cycle. One query."""
    found: dict[tuple[int, str], Decimal | None] = {}
    newest = None
    for analysis_id, framework_id, code, observed in (
            RequirementGap.objects.filter(participant__person=person, analysis__current=True,
                                          analysis__cycle__status=CycleStatus.RELEASED)
            .order_by("-analysis__cycle__released_at", "-analysis_id")
            .values_list("analysis_id", "competency__version__framework_id", "competency__code", "observed")):
        newest = newest or analysis_id
        if analysis_id == newest:
            found[(framework_id, code)] = observed
    return found


def recommend(competency, needed_level: int, person=None) -> list[Recommendation]:
    """The programmes for raising `competency` to `needed_level`, best fit first (see the module)."""
    framework_id = competency.version.framework_id
    targets = (ProgrammeTarget.objects
               .filter(programme__active=True, competency__code=competency.code,
                       competency__version__framework_id=framework_id, level__gte=needed_level)
               .select_related("programme").order_by("level", "pk"))
    found: dict[int, Recommendation] = {}
    for target in targets:
        found.setdefault(target.programme_id, Recommendation(programme=target.programme, target_level=target.level))
    if not found:
        return []
    levels = observed_levels(person) if person is not None else {}
    for prerequisite in (Prerequisite.objects.filter(programme_id__in=found)
                         .values_list("programme_id", "competency__code", "competency__name",
                                      "competency__version__framework_id", "level")):
        programme_id, code, name, prerequisite_framework, level = prerequisite
        found[programme_id].prerequisites.append(
            PrerequisiteCheck(code, name, level, levels.get((prerequisite_framework, code))))
    sessions = (Session.objects.filter(programme_id__in=found, cancelled=False, starts_at__gt=timezone.now())
                .annotate(taken=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ENROLLED)))
                .order_by("starts_at", "pk"))
    for session in sessions:
        recommendation = found[session.programme_id]
        if recommendation.next_session is None and session.taken < session.capacity:
            recommendation.next_session = session
            recommendation.free_places = session.capacity - session.taken
    return sorted(found.values(), key=lambda r: r.rank(needed_level))
