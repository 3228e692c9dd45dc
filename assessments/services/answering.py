"""Raters answer their questionnaires: save answers as they are given, submit, or decline.

Two kinds of refusal, so that pages answer each the project's way:
- `ValidationError`: the input is wrong (a level outside the scale, a competency the questionnaire does
  not ask about, a missing reason) — an invalid form, status 400;
- `Refused` (a ValidationError too): the questionnaire or its cycle no longer allows the action (closed,
  submitted, declined, incomplete) — a message on the page the rater came from.

Every change locks the questionnaire's row first, so a save racing a submit, or two submits, cannot
both pass their checks. Nothing is written when a check fails.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, OuterRef
from django.http import Http404
from django.utils import timezone

from competency.models import ProficiencyLevel
from core.db import count_of

from ..models import (
    OPEN_STATUSES,
    Answer,
    Cycle,
    CycleStatus,
    Group,
    Participant,
    Questionnaire,
    QuestionnaireStatus,
    hash_token,
)
from ..selectors import RATER_STATUSES, required_ids

COMMENT_MAX = 4000
REASON_MAX = 2000
#: Longer than any token `Questionnaire.new_token` makes; longer "tokens" are refused unread.
TOKEN_MAX = 128


class Refused(ValidationError):
    """An action the questionnaire's or the cycle's state does not allow now; nothing was changed."""


class LinkRefused(Refused):
    """A personal link that no longer opens its questionnaire: `kind` is "used" or "expired"."""

    def __init__(self, message: str, *, kind: str):
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class AnswerInput:
    level: int | None  # a value of the scale, or None for "not observed"
    comment: str = ""


# --- helpers ---------------------------------------------------------------------------------------


def _required_names(participant: Participant) -> dict[int, str]:
    return {row["competency_id"]: f'{row.get("code", "")} {row.get("name", "")}'.strip()
            for row in participant.requirements or []}


def history_user(questionnaire: Questionnaire):
    """Who a change of the questionnaire is recorded as: the rater's account; nobody for external raters."""
    return questionnaire.rater.user if questionnaire.rater_id else None


def _locked(questionnaire: Questionnaire) -> Questionnaire:
    return (Questionnaire.objects.select_for_update(of=("self",))
            .select_related("participant__cycle__framework_version__framework", "participant__person__user",
                            "rater__user")
            .get(pk=questionnaire.pk))


def _day(moment) -> str:
    return f"{timezone.localtime(moment):%d %b %Y}" if moment else "an earlier day"


def closed_message(cycle: Cycle) -> str:
    if cycle.status == CycleStatus.OPEN:  # still open, but its close day has passed (it closes overnight)
        return f"{cycle} closed on {cycle.closes_on:%d %b %Y}: answers are no longer accepted."
    return f"{cycle} is {cycle.get_status_display().lower()}: answers are no longer accepted."


def _require_answerable(questionnaire: Questionnaire) -> None:
    status = questionnaire.status
    if status == QuestionnaireStatus.SUBMITTED:
        raise Refused(f"This questionnaire was submitted on {_day(questionnaire.submitted_at)}: "
                      "its answers can no longer change.")
    if status == QuestionnaireStatus.DECLINED:
        raise Refused("This questionnaire was declined: it takes no answers.")
    if status not in OPEN_STATUSES:
        raise Refused("This questionnaire is not open for answers.")
    cycle = questionnaire.participant.cycle
    if not cycle.accepts_answers:
        raise Refused(closed_message(cycle))


def _mark_started(locked: Questionnaire, by) -> None:
    """The first answer starts the questionnaire: its history row names `by` (the rater's account)."""
    if locked.status == QuestionnaireStatus.PENDING:
        locked.refresh_from_db(fields=sorted(locked.get_deferred_fields()))  # the history row copies every column
        locked.status = QuestionnaireStatus.STARTED
        locked.started_at = locked.started_at or timezone.now()
        locked._history_user = by
        locked.save(update_fields=["status", "started_at"])


# --- answering --------------------------------------------------------------------------------------

#: What the checks of a save read under the row lock: the questionnaire's status columns and its cycle's
#: state, nothing else (not the participant's requirements: they are frozen at opening).
_STATE_FIELDS = ("status", "started_at", "submitted_at", "participant", "participant__cycle",
                 "participant__cycle__name", "participant__cycle__status", "participant__cycle__closes_on")


@dataclass(frozen=True)
class Saved:
    """One saved answer and how far the questionnaire is after it (for "saved, n left")."""

    answer: Answer
    answered: int
    total: int

    @property
    def left(self) -> int:
        return max(self.total - self.answered, 0)


def _locked_state(questionnaire: Questionnaire, levels: set[int]) -> Questionnaire:
    """The questionnaire's row, locked until the transaction ends, with its status columns and its
    cycle's state only; `levels_on_scale` says how many of `levels` are values of the cycle's scale
    (the scale's values are unique). One query."""
    queryset = (Questionnaire.objects.select_for_update(of=("self",)).select_related("participant__cycle")
                .only(*_STATE_FIELDS))
    if levels:
        scale = "participant__cycle__framework_version__framework__scale_id"
        queryset = queryset.annotate(
            scale_id=F(scale),
            levels_on_scale=count_of(ProficiencyLevel.objects.filter(scale_id=OuterRef(scale), value__in=levels),
                                     "scale"))
    return queryset.get(pk=questionnaire.pk)


def _is_whole(level) -> bool:
    return isinstance(level, int) and not isinstance(level, bool)


def _clean(answers: dict[int, AnswerInput], required: set[int], state: Questionnaire,
           levels: set[int]) -> dict[int, AnswerInput]:
    """The answers checked against the questionnaire and the scale; ValidationError naming each bad one."""
    values = None
    if levels and state.levels_on_scale != len(levels):  # some level is not on the scale: say which
        values = _scale_values(state)
    errors = []
    clean: dict[int, AnswerInput] = {}
    for competency_id, given in answers.items():
        if not isinstance(competency_id, int) or competency_id not in required:
            errors.append(f"Competency {competency_id} is not one this questionnaire asks about.")
            continue
        level = given.level
        if level is not None and (not _is_whole(level) or (values is not None and level not in values)):
            values = _scale_values(state) if values is None else values
            choices = ", ".join(str(v) for v in sorted(values))
            errors.append(f"{level} is not a level of the scale: choose one of {choices} or “Not observed”.")
            continue
        comment = (given.comment or "").strip()
        if len(comment) > COMMENT_MAX:
            errors.append(f"A comment holds at most {COMMENT_MAX} characters (this one has {len(comment)}).")
            continue
        clean[competency_id] = AnswerInput(level, comment)
    if errors:
        raise ValidationError(errors)
    return clean


def _scale_values(state: Questionnaire) -> set[int]:
    """The values of the scale the questionnaire is answered on (for the message of a refused level)."""
    scale_id = getattr(state, "scale_id", None)
    if scale_id is None:
        scale_id = (Questionnaire.objects.filter(pk=state.pk)
                    .values_list("participant__cycle__framework_version__framework__scale_id", flat=True).get())
    return set(ProficiencyLevel.objects.filter(scale_id=scale_id).values_list("value", flat=True))


def _save(questionnaire: Questionnaire, answers: dict[int, AnswerInput], *,
          count: bool = False) -> tuple[dict[int, Answer], int | None]:
    """Saves `answers` all or none under the questionnaire's row lock: (the answers, how many of its
    competencies are answered now when `count`).

    Queries: the locked read of the state (with the check of the levels), one upsert of all the answers,
    the count when asked; on the first answer also the start (the rest of the row, its update and its
    history row). The requirements are read from `questionnaire` (frozen at opening)."""
    ids = required_ids(questionnaire.participant)
    levels = {given.level for given in answers.values() if _is_whole(given.level)}
    with transaction.atomic():
        state = _locked_state(questionnaire, levels)
        _require_answerable(state)
        clean = _clean(answers, set(ids), state, levels)
        saved = {competency_id: Answer(questionnaire_id=state.pk, competency_id=competency_id, level=given.level,
                                       comment=given.comment)
                 for competency_id, given in clean.items()}
        if saved:
            # One INSERT ... ON CONFLICT DO UPDATE, whether the answers are new or change earlier ones.
            Answer.objects.bulk_create(list(saved.values()), update_conflicts=True,
                                       unique_fields=["questionnaire", "competency"],
                                       update_fields=["level", "comment", "updated_at"])
            if state.status == QuestionnaireStatus.PENDING:
                _mark_started(state, history_user(questionnaire))
        answered = (Answer.objects.filter(questionnaire_id=state.pk, competency_id__in=ids).count()
                    if count else None)
    _copy_state(state, questionnaire)
    return saved, answered


def save_answer(questionnaire: Questionnaire, competency_id: int, level: int | None, comment: str = "") -> Answer:
    """Saves one answer (level None = "not observed"); the first answer marks the questionnaire started."""
    return save_answers(questionnaire, {competency_id: AnswerInput(level, comment)})[competency_id]


def answer_one(questionnaire: Questionnaire, competency_id: int, level: int | None, comment: str = "") -> Saved:
    """`save_answer`, also saying how many of the questionnaire's competencies are answered after it.

    The same queries whatever the number of competencies: the locked state, the upsert, the count (and
    the start on the first answer). `questionnaire` should come with its participant's requirements and
    its rater's user (`selectors.questionnaire_to_answer` loads just those)."""
    saved, answered = _save(questionnaire, {competency_id: AnswerInput(level, comment)}, count=True)
    return Saved(answer=saved[competency_id], answered=answered,
                 total=len(questionnaire.participant.requirements or []))


def save_answers(questionnaire: Questionnaire, answers: dict[int, AnswerInput]) -> dict[int, Answer]:
    """Saves several answers at once, all or none (the page's save button without JavaScript). With no
    answers, only checks that the questionnaire still takes answers."""
    return _save(questionnaire, answers)[0]


def missing_ids(questionnaire: Questionnaire) -> list[int]:
    """Required competencies without an answer (a level or "not observed"), in the framework's order."""
    answered = set(Answer.objects.filter(questionnaire=questionnaire).values_list("competency_id", flat=True))
    return [pk for pk in required_ids(questionnaire.participant) if pk not in answered]


def submit(questionnaire: Questionnaire) -> Questionnaire:
    """Submits a complete questionnaire. A second submit changes nothing and says so."""
    with transaction.atomic():
        locked = _locked(questionnaire)
        if locked.status == QuestionnaireStatus.SUBMITTED:
            raise Refused(f"This questionnaire was already submitted on {_day(locked.submitted_at)}: nothing changed.")
        _require_answerable(locked)
        missing = missing_ids(locked)
        if missing:
            names = _required_names(locked.participant)
            listed = ", ".join(names.get(pk, str(pk)) for pk in missing[:5])
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            what = "1 competency still needs" if len(missing) == 1 else f"{len(missing)} competencies still need"
            raise Refused(f"{what} an answer (a level or “Not observed”): {listed}{more}.")
        locked.status = QuestionnaireStatus.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.started_at = locked.started_at or locked.submitted_at
        locked._history_user = history_user(locked)
        locked.save(update_fields=["status", "submitted_at", "started_at"])
    _copy_state(locked, questionnaire)
    return locked


def decline(questionnaire: Questionnaire, reason: str) -> Questionnaire:
    """Declines an open questionnaire with a reason; answers given so far are discarded."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why you decline: HR reads the reason; the leader does not."})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"Keep the reason under {REASON_MAX} characters."})
    with transaction.atomic():
        locked = _locked(questionnaire)
        if locked.group == Group.SELF:
            raise Refused("A self-assessment cannot be declined.")
        _require_answerable(locked)
        Answer.objects.filter(questionnaire=locked).delete()
        locked.status = QuestionnaireStatus.DECLINED
        locked.decline_reason = reason
        locked._history_user = history_user(locked)
        locked.save(update_fields=["status", "decline_reason"])
    _copy_state(locked, questionnaire)
    return locked


def _copy_state(source: Questionnaire, target: Questionnaire) -> None:
    """The caller's object reflects what was saved (views render from it after the service)."""
    if source is not target:
        deferred = source.get_deferred_fields()
        for field in ("status", "started_at", "submitted_at", "decline_reason"):
            if field not in deferred:
                setattr(target, field, getattr(source, field))


# --- personal links ---------------------------------------------------------------------------------


def questionnaire_for_token(token: str) -> Questionnaire:
    """The questionnaire a personal link opens. Http404 for a link that never existed (tampered, or a
    nomination that was not approved); `LinkRefused` for a used link (submitted or declined) or one past
    the close."""
    if not token or len(token) > TOKEN_MAX:
        raise Http404("This link is not valid.")
    questionnaire = (
        Questionnaire.objects.select_related("participant__cycle__framework_version__framework",
                                             "participant__person__user")
        .filter(token_hash=hash_token(token), rater__isnull=True).first()
    )
    if questionnaire is None or questionnaire.status not in RATER_STATUSES:
        raise Http404("This link is not valid.")
    if questionnaire.status == QuestionnaireStatus.SUBMITTED:
        raise LinkRefused(f"These answers were submitted on {_day(questionnaire.submitted_at)}. Thank you — "
                          "the link no longer opens the questionnaire.", kind="used")
    if questionnaire.status == QuestionnaireStatus.DECLINED:
        raise LinkRefused("This questionnaire was declined: the link no longer opens it.", kind="used")
    cycle = questionnaire.participant.cycle
    if not cycle.accepts_answers:
        raise LinkRefused(closed_message(cycle), kind="expired")
    return questionnaire
