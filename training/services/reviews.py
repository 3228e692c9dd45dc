"""Effectiveness reviews (ISO 9001 7.2 c): whether a completed training worked, recorded by the
person's manager, HR or quality. The reviews themselves are created when an enrolment completes (one
per competency the programme aims at); here they are recorded, and corrected: a correction overwrites
the review and the audit history keeps every earlier state."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.permissions import require
from competency.models import ProficiencyLevel

from ..models import EffectivenessReview, EnrolmentStatus, ReviewMethod


def scale_bounds(review: EffectivenessReview) -> tuple[int, int]:
    """The lowest and highest level of the scale of the review's competency's framework. One query."""
    values = list(ProficiencyLevel.objects.filter(scale__frameworks__versions__competencies=review.competency_id)
                  .values_list("value", flat=True))
    return (min(values), max(values)) if values else (1, 5)


def _level(value, name: str, low: int, high: int, errors: dict) -> Decimal | None:
    try:
        level = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        errors[name] = "Give a level as a number."
        return None
    if not low <= level <= high:
        errors[name] = f"Give a level on the scale, from {low} to {high}."
        return None
    return level


@transaction.atomic
def record_review(review: EffectivenessReview, level_before, level_after, method_used: str, evidence: str,
                  effective: bool, actor) -> EffectivenessReview:
    """Records (or corrects) the review: the levels before and after the training on the competency's
    scale, the method used, the evidence (required: a judgement without evidence is no record) and
    whether the action was effective. Reviewed by `actor`, today. Only the person's manager (up the
    line), HR or quality may; nothing is written on bad input."""
    review = EffectivenessReview.objects.select_for_update().select_related("enrolment__person").get(pk=review.pk)
    require(actor, "review.record", review.enrolment.person)
    if review.enrolment.status != EnrolmentStatus.COMPLETED:
        raise ValidationError("The training has not been completed: there is nothing to review yet.")
    low, high = scale_bounds(review)
    errors: dict[str, str] = {}
    before = _level(level_before, "level_before", low, high, errors)
    after = _level(level_after, "level_after", low, high, errors)
    if method_used not in ReviewMethod.values:
        errors["method_used"] = "Choose how the effectiveness was judged."
    if not (evidence or "").strip():
        errors["evidence"] = "Say what the judgement rests on: the evidence is part of the record."
    if not isinstance(effective, bool):
        errors["effective"] = "Say whether the training was effective."
    if errors:
        raise ValidationError(errors)
    review.level_before, review.level_after = before, after
    review.method_used = method_used
    review.evidence = evidence.strip()
    review.effective = effective
    review.reviewed_by = actor
    review.reviewed_on = timezone.localdate()
    review._history_user = actor
    review.save()
    return review
