"""Reads of the assessments pages that the views, the dashboard and the tasks share.

Questionnaires (a rater's own): `my_questionnaires`, `pending_count`, `questionnaire_page`. The page
reads the rater's own answers and nobody else's; results are read from stored cells only
(`assessments.results`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import OuterRef, QuerySet
from django.utils import timezone

from competency.models import BehaviouralIndicator, Competency, ProficiencyLevel
from core.db import count_of

from .models import OPEN_STATUSES, Answer, Cycle, CycleStatus, Group, Participant, Questionnaire, QuestionnaireStatus

#: Statuses in which a questionnaire is the rater's to open (nominations not yet approved are not).
RATER_STATUSES = (*OPEN_STATUSES, QuestionnaireStatus.SUBMITTED, QuestionnaireStatus.DECLINED)
#: Cycles whose questionnaires raters see: being answered, or answered and kept for the record.
SHOWN_CYCLE_STATUSES = (CycleStatus.OPEN, CycleStatus.CLOSED, CycleStatus.RELEASING, CycleStatus.RELEASED)


def required_ids(participant: Participant) -> list[int]:
    """The competencies a questionnaire about `participant` asks about: the requirements frozen at
    opening, in the framework's order (ids of the cycle's framework version). No query."""
    def order(row: dict) -> tuple:
        return row.get("area_position", 0), row.get("area_id", 0), row.get("position", 0), row["competency_id"]

    rows = sorted(participant.requirements or [], key=order)
    return [row["competency_id"] for row in rows]


def scale_values(cycle: Cycle) -> list[int]:
    """The values of the levels of the cycle's scale. One query."""
    return list(ProficiencyLevel.objects.filter(scale_id=cycle.framework_version.framework.scale_id)
                .order_by("value").values_list("value", flat=True))


def rater_questionnaires(queryset: QuerySet | None = None) -> QuerySet:
    """Questionnaires that are a rater's to open (not nominations awaiting approval or rejected),
    with what their pages need in the same query."""
    queryset = Questionnaire.objects.all() if queryset is None else queryset
    return (queryset.filter(status__in=RATER_STATUSES, participant__cycle__status__in=SHOWN_CYCLE_STATUSES)
            .select_related("participant__person__user", "participant__cycle__framework_version__framework",
                            "rater__user"))


def questionnaire_to_answer(queryset: QuerySet | None = None) -> QuerySet:
    """`rater_questionnaires` with only what saving one answer reads before the service locks the row:
    the rater (for the permission rule, and their account for the history of the first answer) and the
    participant's frozen requirements (which competencies count). Statuses are read again under the lock.
    Pages that render the questionnaire need `rater_questionnaires`."""
    queryset = Questionnaire.objects.all() if queryset is None else queryset
    return (queryset.filter(status__in=RATER_STATUSES, participant__cycle__status__in=SHOWN_CYCLE_STATUSES)
            .select_related("participant", "rater__user")
            .only("participant__requirements", "rater__user__id", "group", "status"))


# --- "My questionnaires" -------------------------------------------------------------------------

#: How a rater stands to the person they rate, as the pages say it.
RATER_ROLES = {Group.SELF: "", Group.MANAGER: "as their manager", Group.PEER: "as a peer",
               Group.DIRECT: "as their direct report", Group.EXTERNAL: "as an external partner"}


@dataclass
class RaterView:
    """What a list row and the questionnaire page both say of one questionnaire: whose it is, how the
    rater stands to them, and how many answers are left."""

    questionnaire: Questionnaire
    subject_name: str
    answered: int
    total: int

    @property
    def is_self(self) -> bool:
        return self.questionnaire.group == Group.SELF

    @property
    def rater_role(self) -> str:
        return RATER_ROLES.get(self.questionnaire.group, "")

    @property
    def left(self) -> int:
        return max(self.total - self.answered, 0)


@dataclass
class QuestionnaireRow(RaterView):
    cycle: Cycle

    @property
    def closes_on(self) -> date:
        return self.cycle.closes_on

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0


@dataclass
class MyQuestionnaires:
    pending: list[QuestionnaireRow] = field(default_factory=list)
    submitted: list[QuestionnaireRow] = field(default_factory=list)
    declined: list[QuestionnaireRow] = field(default_factory=list)
    #: Not submitted before the close: shown read-only, for the record.
    closed: list[QuestionnaireRow] = field(default_factory=list)

    @property
    def pending_count(self) -> int:
        return len(self.pending)

    @property
    def empty(self) -> bool:
        return not (self.pending or self.submitted or self.declined or self.closed)


def my_questionnaires(person, queryset: QuerySet | None = None) -> MyQuestionnaires:
    """A rater's questionnaires grouped pending / submitted / declined (and closed unanswered), each with
    the subject, the cycle, its close date and how many of its competencies are answered. One query."""
    result = MyQuestionnaires()
    if person is None:
        return result
    rows = (
        rater_questionnaires(queryset).filter(rater=person)
        .annotate(answered=count_of(Answer.objects.filter(questionnaire=OuterRef("pk")), "questionnaire"))
        .order_by("participant__cycle__closes_on", "participant__person__sort_last_name",
                  "participant__person__sort_first_name", "pk")
    )
    for questionnaire in rows:
        participant = questionnaire.participant
        row = QuestionnaireRow(questionnaire=questionnaire, subject_name=str(participant.person),
                               cycle=participant.cycle, answered=questionnaire.answered,
                               total=len(participant.requirements or []))
        if questionnaire.status == QuestionnaireStatus.SUBMITTED:
            result.submitted.append(row)
        elif questionnaire.status == QuestionnaireStatus.DECLINED:
            result.declined.append(row)
        elif participant.cycle.accepts_answers:
            result.pending.append(row)
        else:
            result.closed.append(row)
    result.submitted.sort(key=lambda r: r.questionnaire.submitted_at or timezone.now(), reverse=True)
    return result


def pending_count(person) -> int:
    """How many questionnaires the person still has to answer (for the dashboard). One query."""
    if person is None:
        return 0
    return Questionnaire.objects.filter(
        rater=person, status__in=OPEN_STATUSES, participant__cycle__status=CycleStatus.OPEN,
        participant__cycle__closes_on__gte=timezone.localdate(),
    ).count()


# --- one questionnaire -----------------------------------------------------------------------------


@dataclass
class LevelChoice:
    value: int
    name: str
    description: str
    indicators: list[str]


@dataclass
class QuestionItem:
    competency_id: int
    code: str
    name: str
    description: str
    levels: list[LevelChoice]
    answer: Answer | None = None

    @property
    def answered(self) -> bool:
        return self.answer is not None


@dataclass
class AreaBlock:
    name: str
    items: list[QuestionItem]


@dataclass
class QuestionnairePage(RaterView):
    areas: list[AreaBlock]
    levels: list[ProficiencyLevel]
    editable: bool

    @property
    def items(self) -> list[QuestionItem]:
        return [item for area in self.areas for item in area.items]


def questionnaire_page(questionnaire: Questionnaire) -> QuestionnairePage:
    """The subject's required competencies grouped by area, each with its description, the scale's levels
    and the behavioural indicators of each level, and the rater's own answers.

    Queries (whatever the number of competencies): competencies with their areas, the scale's levels,
    the indicators, the rater's answers. `questionnaire` comes with its participant, cycle and framework
    (`rater_questionnaires` loads them)."""
    participant = questionnaire.participant
    cycle = participant.cycle
    ids = required_ids(participant)
    competencies = {c.pk: c for c in Competency.objects.filter(pk__in=ids, version_id=cycle.framework_version_id)
                    .select_related("area").only("pk", "code", "name", "description", "area__name")}
    levels = list(ProficiencyLevel.objects.filter(scale_id=cycle.framework_version.framework.scale_id)
                  .order_by("value"))
    indicators: dict[tuple[int, int], list[str]] = {}
    for competency_id, level, text in (BehaviouralIndicator.objects.filter(competency_id__in=list(competencies))
                                       .order_by("competency_id", "level", "position", "pk")
                                       .values_list("competency_id", "level", "text")):
        indicators.setdefault((competency_id, level), []).append(text)
    answers = {a.competency_id: a for a in Answer.objects.filter(questionnaire=questionnaire)}
    snapshot = {row["competency_id"]: row for row in participant.requirements or []}
    areas: dict[object, AreaBlock] = {}
    for pk in ids:
        competency = competencies.get(pk)
        frozen = snapshot[pk]
        area_name = competency.area.name if competency else frozen.get("area_name", "")
        block = areas.setdefault(frozen.get("area_id") or area_name, AreaBlock(name=area_name, items=[]))
        block.items.append(QuestionItem(
            competency_id=pk,
            code=competency.code if competency else frozen.get("code", ""),
            name=competency.name if competency else frozen.get("name", ""),
            description=competency.description if competency else "",
            levels=[LevelChoice(value=level.value, name=level.name, description=level.description,
                                indicators=indicators.get((pk, level.value), [])) for level in levels],
            answer=answers.get(pk),
        ))
    answered = sum(1 for pk in ids if pk in answers)
    editable = questionnaire.status in OPEN_STATUSES and cycle.accepts_answers
    return QuestionnairePage(questionnaire=questionnaire, subject_name=str(participant.person),
                             areas=list(areas.values()), levels=levels, total=len(ids), answered=answered,
                             editable=editable)


def answered_count(questionnaire: Questionnaire) -> tuple[int, int]:
    """(answered, total) of a questionnaire: for the "saved, n left" fragment. One query."""
    ids = required_ids(questionnaire.participant)
    answered = Answer.objects.filter(questionnaire=questionnaire, competency_id__in=ids).count()
    return answered, len(ids)


def answered_of(questionnaire_ref: str):
    """How many answers the questionnaire at `questionnaire_ref` (an OuterRef path) holds, as a count
    subquery: for pages and emails that say "n of m answered" without reading the answers."""
    return count_of(Answer.objects.filter(questionnaire=OuterRef(questionnaire_ref)), "questionnaire")
