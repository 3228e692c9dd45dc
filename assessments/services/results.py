"""Changes to released results that HR may make: withholding a comment (never editing one)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import ResultComment

REASON_MAX_LENGTH = 1000


def withhold_comment(comment: ResultComment, reason: str, *, actor) -> ResultComment:
    """Hides a released comment from every page and export, with the reason on record (history).
    The text stays as written; nobody can change it."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for withholding the comment: it is kept on record."})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": f"Keep the reason under {REASON_MAX_LENGTH} characters."})
    with transaction.atomic():
        comment = ResultComment.objects.select_for_update().get(pk=comment.pk)
        if comment.withheld:
            when = timezone.localtime(comment.withheld_at)
            raise ValidationError(f"This comment was already withheld on {when:%d %b %Y}.")
        comment.withheld = True
        comment.withheld_reason = reason
        comment.withheld_by = actor
        comment.withheld_at = timezone.now()
        comment._history_user = actor
        comment.save(update_fields=["withheld", "withheld_reason", "withheld_by", "withheld_at"])
    return comment
