"""The catalogue's use cases: programmes with the competencies they develop and their prerequisites, and
the sessions they run. Every function is atomic and names who acted in the audit history."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from competency.models import Competency, ProficiencyLevel, VersionStatus

from core.db import queue_after_commit

from ..models import ACTIVE_ENROLMENT, EnrolmentStatus, Prerequisite, Programme, ProgrammeKind, ProgrammeTarget, ReviewMethod, Session

#: The programme's fields a form may set.
PROGRAMME_FIELDS = ("title", "kind", "provider", "duration_hours", "cost", "description", "review_after_days",
                    "review_method", "active")
#: The session's fields a form may set.
SESSION_FIELDS = ("starts_at", "ends_at", "place", "link", "trainer", "capacity")

LevelPairs = Iterable[tuple[Competency, int]]


def _save(obj, actor) -> None:
    obj._history_user = actor
    obj.save()


def _set_fields(obj, fields: tuple[str, ...], values: dict) -> None:
    unknown = set(values) - set(fields)
    if unknown:
        raise TypeError(f"Unknown fields: {', '.join(sorted(unknown))}")
    for name, value in values.items():
        setattr(obj, name, value.strip() if isinstance(value, str) and name != "description" else value)


# --- programmes -------------------------------------------------------------------------------------------


@transaction.atomic
def programme_create(*, actor, title: str, kind: str = ProgrammeKind.WORKSHOP, duration_hours: Decimal,
                     provider: str = "", cost: Decimal = Decimal(0), description: str = "", review_after_days: int = 90,
                     review_method: str = ReviewMethod.REASSESSMENT, active: bool = True,
                     targets: LevelPairs | None = None, prerequisites: LevelPairs | None = None) -> Programme:
    programme = Programme(created_by=actor)
    _set_fields(programme, PROGRAMME_FIELDS, dict(
        title=title, kind=kind, provider=provider, duration_hours=duration_hours, cost=cost, description=description,
        review_after_days=review_after_days, review_method=review_method, active=active))
    return _store_programme(programme, actor, targets, prerequisites)


@transaction.atomic
def programme_update(programme: Programme, *, actor, targets: LevelPairs | None = None,
                     prerequisites: LevelPairs | None = None, **fields) -> Programme:
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    _set_fields(programme, PROGRAMME_FIELDS, fields)
    return _store_programme(programme, actor, targets, prerequisites)


def _store_programme(programme: Programme, actor, targets: LevelPairs | None,
                     prerequisites: LevelPairs | None) -> Programme:
    """Validates and saves the programme, then replaces the targets and prerequisites that were given."""
    programme.full_clean()
    _save(programme, actor)
    if targets is not None:
        programme_targets_set(programme, targets, actor=actor)
    if prerequisites is not None:
        programme_prerequisites_set(programme, prerequisites, actor=actor)
    return programme


def _checked_levels(pairs: LevelPairs, what: str) -> dict[int, tuple[Competency, int]]:
    """{competency pk: (competency, level)}, refusing a competency outside a published framework version,
    a level that is not on the competency's scale, and a competency named twice."""
    wanted: dict[int, tuple[Competency, int]] = {}
    pairs = list(pairs)
    competencies = {c.pk: c for c in Competency.objects.filter(pk__in=[c.pk for c, _ in pairs])
                    .select_related("version__framework__scale")}
    scales = {c.version.framework.scale_id for c in competencies.values()}
    values: dict[int, set[int]] = {}
    for scale_id, value in ProficiencyLevel.objects.filter(scale_id__in=scales).values_list("scale_id", "value"):
        values.setdefault(scale_id, set()).add(value)
    for given, level in pairs:
        competency = competencies.get(given.pk)
        if competency is None:
            raise ValidationError(f"A {what} names a competency that does not exist.")
        if competency.version.status != VersionStatus.PUBLISHED:
            raise ValidationError(
                f"{competency.code} belongs to {competency.version}, which is "
                f"{competency.version.get_status_display().lower()}: a programme names competencies of a published "
                "framework version only.")
        scale = competency.version.framework.scale
        if level not in values.get(scale.pk, set()):
            levels = sorted(values.get(scale.pk, set()))
            raise ValidationError(
                f"Level {level} is not on the scale {scale.name} of {competency.code} "
                f"(its levels are {', '.join(map(str, levels))}).")
        if competency.pk in wanted:
            raise ValidationError(f"{competency.code} appears twice as a {what}; name each competency once.")
        wanted[competency.pk] = (competency, level)
    return wanted


def _replace_levels(model, programme: Programme, pairs: LevelPairs, what: str, actor) -> None:
    wanted = _checked_levels(pairs, what)
    for row in model.objects.filter(programme=programme).select_for_update():
        if row.competency_id not in wanted:
            row._history_user = actor
            row.delete()
            continue
        _competency, level = wanted.pop(row.competency_id)
        if row.level != level:
            row.level = level
            _save(row, actor)
    for competency, level in wanted.values():
        _save(model(programme=programme, competency=competency, level=level), actor)


@transaction.atomic
def programme_targets_set(programme: Programme, targets: LevelPairs, *, actor) -> None:
    """The competencies the programme develops, each with the level it aims at (replaces the old list)."""
    _replace_levels(ProgrammeTarget, programme, targets, "target", actor)


@transaction.atomic
def programme_prerequisites_set(programme: Programme, prerequisites: LevelPairs, *, actor) -> None:
    """The levels a participant should have before the programme (replaces the old list)."""
    _replace_levels(Prerequisite, programme, prerequisites, "prerequisite", actor)


# --- sessions ----------------------------------------------------------------------------------------------


def _check_session(session: Session) -> None:
    if session.starts_at and session.ends_at and session.ends_at <= session.starts_at:
        raise ValidationError({"ends_at": "The session must end after it starts."})
    session.full_clean()


@transaction.atomic
def session_create(programme: Programme, *, actor, **fields) -> Session:
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    if not programme.active:
        raise ValidationError(f"{programme} is inactive: make it active again before planning a session.")
    session = Session(programme=programme, created_by=actor)
    _set_fields(session, SESSION_FIELDS, fields)
    _check_session(session)
    _save(session, actor)
    return session


@transaction.atomic
def session_update(session: Session, *, actor, **fields) -> Session:
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.cancelled:
        raise ValidationError("This session is cancelled: it can no longer change.")
    _set_fields(session, SESSION_FIELDS, fields)
    _check_session(session)
    enrolled = session.enrolments.filter(status=EnrolmentStatus.ENROLLED).count()
    if session.capacity < enrolled:
        raise ValidationError({"capacity": f"{enrolled} people are enrolled: the capacity cannot be lower."})
    _save(session, actor)
    return session


@transaction.atomic
def session_cancel(session: Session, *, actor) -> Session:
    """Cancels the session. It stays on record with its enrolments; each place, waiting place or request
    in it ends as "session cancelled", and those people are told by email after the commit (once)."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.cancelled:
        raise ValidationError("This session is already cancelled.")
    if session.ends_at <= timezone.now():
        raise ValidationError("This session has already taken place: it stays on record as it was.")
    session.cancelled = True
    _save(session, actor)
    affected = list(session.enrolments.filter(status__in=ACTIVE_ENROLMENT).order_by("pk"))
    for enrolment in affected:
        enrolment.status, enrolment.waiting_position = EnrolmentStatus.CANCELLED, None
        _save(enrolment, actor)
    if affected:
        queue_after_commit("training.tasks.send_cancellation_emails", session.pk)
    return session
