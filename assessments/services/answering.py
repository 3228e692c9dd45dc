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
from django.http import Http404
from django.utils import timezone

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
from ..selectors import RATER_STATUSES, required_ids, scale_values

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


def _mark_started(questionnaire: Questionnaire) -> None:
    if questionnaire.status == QuestionnaireStatus.PENDING:
        questionnaire.status = QuestionnaireStatus.STARTED
        questionnaire.started_at = questionnaire.started_at or timezone.now()
        questionnaire._history_user = history_user(questionnaire)
        questionnaire.save(update_fields=["status", "started_at"])


# --- answering --------------------------------------------------------------------------------------


def save_answer(questionnaire: Questionnaire, competency_id: int, level: int | None, comment: str = "") -> Answer:
    """Saves one answer (level None = "not observed"); the first answer marks the questionnaire started."""
    return save_answers(questionnaire, {competency_id: AnswerInput(level, comment)})[competency_id]


def save_answers(questionnaire: Questionnaire, answers: dict[int, AnswerInput]) -> dict[int, Answer]:
    """Saves several answers at once, all or none (the page's save button without JavaScript)."""
    with transaction.atomic():
        locked = _locked(questionnaire)
        _require_answerable(locked)
        required = set(required_ids(locked.participant))
        values = set(scale_values(locked.participant.cycle)) if answers else set()
        errors = []
        clean: dict[int, AnswerInput] = {}
        for competency_id, given in answers.items():
            if not isinstance(competency_id, int) or competency_id not in required:
                errors.append(f"Competency {competency_id} is not one this questionnaire asks about.")
                continue
            level = given.level
            if level is not None and (isinstance(level, bool) or not isinstance(level, int) or level not in values):
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
        existing = {answer.competency_id: answer
                    for answer in Answer.objects.filter(questionnaire=locked, competency_id__in=list(clean))}
        saved: dict[int, Answer] = {}
        for competency_id, given in clean.items():
            answer = existing.get(competency_id)
            if answer is None:
                answer = Answer.objects.create(questionnaire=locked, competency_id=competency_id,
                                               level=given.level, comment=given.comment)
            elif (answer.level, answer.comment) != (given.level, given.comment):
                answer.level, answer.comment = given.level, given.comment
                answer.save(update_fields=["level", "comment", "updated_at"])
            saved[competency_id] = answer
        if clean:
            _mark_started(locked)
    _copy_state(locked, questionnaire)
    return saved


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
        for field in ("status", "started_at", "submitted_at", "decline_reason"):
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
