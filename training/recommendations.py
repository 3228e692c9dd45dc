"""Programmes recommended for a gap: the active programmes that aim at the competency (the same code in
the same framework, whatever its version) at or above the level needed, ranked by fit —

1. the target level closest above the needed one (a programme aimed just above the need first);
2. prerequisites met by the person (their newest gap analysis shows the level) before those not met
   or unknown;
3. the next session with free places, sooner first (programmes without one last);
4. cost, lower first; then title.

Used by a leader's gaps page (through the registry the gaps app offers) and by development plans.
Four queries whatever the number of programmes (`recommend_for` serves many gaps in three).
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
    levels = observed_levels(person) if person is not None else {}
    framework_id = competency.version.framework_id
    return recommend_for(framework_id, [(competency.code, needed_level)], levels).get(competency.code, [])


def recommend_for(framework_id: int, needs: list[tuple[str, int]],
                  levels: dict[tuple[int, str], Decimal | None]) -> dict[str, list[Recommendation]]:
    """Per competency code of `needs` ((code, needed level) in one framework), the programmes for it, best
    fit first; `levels` gives the person's observed level per (framework id, code), for prerequisites.
    Three queries for any number of needs and programmes (one when no programme aims at any of them)."""
    needed = dict(needs)
    targets = [target for target in (ProgrammeTarget.objects
                                     .filter(programme__active=True, competency__code__in=needed,
                                             competency__version__framework_id=framework_id)
                                     .select_related("programme", "competency").order_by("level", "pk"))
               if target.level >= needed[target.competency.code]]
    if not targets:
        return {}
    programme_ids = {target.programme_id for target in targets}
    prerequisites: dict[int, list[PrerequisiteCheck]] = defaultdict(list)
    for programme_id, code, name, prerequisite_framework, level in (
            Prerequisite.objects.filter(programme_id__in=programme_ids)
            .values_list("programme_id", "competency__code", "competency__name", "competency__version__framework_id",
                         "level")):
        prerequisites[programme_id].append(
            PrerequisiteCheck(code, name, level, levels.get((prerequisite_framework, code))))
    next_session: dict[int, tuple[Session, int]] = {}
    for session in (Session.objects.filter(programme_id__in=programme_ids, cancelled=False,
                                           starts_at__gt=timezone.now())
                    .annotate(taken=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ENROLLED)))
                    .order_by("starts_at", "pk")):
        if session.programme_id not in next_session and session.taken < session.capacity:
            next_session[session.programme_id] = (session, session.capacity - session.taken)
    found: dict[str, dict[int, Recommendation]] = defaultdict(dict)
    for target in targets:
        session, free = next_session.get(target.programme_id, (None, 0))
        found[target.competency.code].setdefault(target.programme_id, Recommendation(
            programme=target.programme, target_level=target.level,
            prerequisites=prerequisites.get(target.programme_id, []), next_session=session, free_places=free))
    return {code: sorted(by_programme.values(), key=lambda r: r.rank(needed[code]))
            for code, by_programme in found.items()}
