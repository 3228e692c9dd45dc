"""Use cases that change competency frameworks and scales. Each is one transaction and validates before it writes."""

from __future__ import annotations

import uuid as uuidlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CharField, Max, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone

from core.db import first_free, queue_after_commit, save_unique
from core.emails import absolute_url, render_plain
from core.history import record_m2m_history
from core.uploads import ImportFailed, decode
from signatures import services as signing
from signatures.models import Meaning

from . import formats
from .models import (
    BehaviouralIndicator,
    CommentStatus,
    Competency,
    CompetencyArea,
    Framework,
    FrameworkImport,
    FrameworkVersion,
    FrozenVersionError,
    IsoClause,
    ProficiencyLevel,
    ProficiencyScale,
    ReviewComment,
    ReviewInvitation,
    VersionStatus,
)
from .selectors import matching_scale, scale_levels_by_scale


# --- frameworks and versions ---------------------------------------------------------------------


@transaction.atomic
def framework_create(*, name: str, code: str, description: str, scale: ProficiencyScale, owner) -> FrameworkVersion:
    """A new framework with an empty draft v1."""
    if not scale.levels.exists():
        raise ValidationError({"scale": f"The scale {scale} has no levels yet; give it its levels first."})
    framework = Framework(name=name, code=code, description=description, scale=scale, owner=owner)
    framework._history_user = owner
    framework.full_clean()
    save_unique(framework, "code", "A framework with this code was just created; choose another code.")
    return FrameworkVersion.objects.create(framework=framework, number=1, created_by=owner)


@transaction.atomic
def framework_update(*, framework: Framework, actor, name: str, description: str) -> Framework:
    """The framework's name and description: what it is called in lists, exports and on people's pages."""
    framework = Framework.objects.select_for_update().get(pk=framework.pk)
    if (framework.name, framework.description) == (name, description):
        return framework
    framework.name, framework.description = name, description
    framework._history_user = actor
    framework.full_clean()
    framework.save()
    return framework


@transaction.atomic
def framework_delete(*, framework: Framework, actor) -> None:
    """Deletes a framework that never left draft (a mistaken import, a false start) with all it holds.
    Anything that was reviewed or approved stays: it is part of the record."""
    framework = Framework.objects.select_for_update().get(pk=framework.pk)
    refusal = framework.deletion_refusal()
    if refusal:
        raise ValidationError(refusal)
    versions = list(framework.versions.all())
    ReviewComment.objects.filter(version__in=versions).delete()
    for version in versions:
        for area in version.areas.all():
            area.delete()  # with its competencies and their indicators; each deletion has its history row
        version._history_user = actor
        version.delete()
    FrameworkImport.objects.filter(framework=framework).update(framework=None)
    framework._history_user = actor
    framework.delete()


def _locked(version: FrameworkVersion, actor=None) -> FrameworkVersion:
    """The version re-read under a lock on its framework, so that two people acting at once on any
    version of one framework take turns (publishing one version retires another)."""
    list(Framework.objects.select_for_update().filter(pk=version.framework_id).values_list("pk", flat=True))
    locked = FrameworkVersion.objects.select_for_update().select_related("framework").get(pk=version.pk)
    if actor is not None:
        locked._history_user = actor  # the audit history names who took the step, also outside a request
    return locked


def _ensure_editable(version: FrameworkVersion) -> None:
    if not version.is_editable:
        raise FrozenVersionError(version.frozen_message())


def _require_status(version: FrameworkVersion, *allowed: str, action: str) -> None:
    if version.status not in allowed:
        raise ValidationError(
            f"{version} is {version.get_status_display().lower()}, so it cannot be {action}."
        )


@transaction.atomic
def version_submit_for_review(*, version: FrameworkVersion, actor) -> FrameworkVersion:
    version = _locked(version, actor)
    _require_status(version, VersionStatus.DRAFT, action="sent for review")
    if not version.competencies.exists():
        raise ValidationError("Add at least one competency before sending the version for review.")
    version.status = VersionStatus.IN_REVIEW
    version.submitted_at = timezone.now()
    version.save()
    return version


@transaction.atomic
def version_return_to_draft(*, version: FrameworkVersion, actor) -> FrameworkVersion:
    version = _locked(version, actor)
    _require_status(version, VersionStatus.IN_REVIEW, action="returned to draft")
    version.status = VersionStatus.DRAFT
    version.save()
    return version


@transaction.atomic
def version_approve(*, version: FrameworkVersion, actor, change_note: str, password: str,
                    meaning: str = Meaning.APPROVED) -> FrameworkVersion:
    """Approves a version in review with the approver's electronic signature (see signatures.services)."""
    version = _locked(version, actor)
    _require_status(version, VersionStatus.IN_REVIEW, action="approved")
    open_comments = version.comments.filter(status=CommentStatus.OPEN).count()
    if open_comments:
        raise ValidationError(
            f"{open_comments} stakeholder comment{'s are' if open_comments > 1 else ' is'} still open. "
            "Accept or reject each one before approving."
        )
    if not change_note.strip():
        raise ValidationError({"change_note": "Say what this version changes: the note is part of the record."})
    signing.check_segregation(version, actor)
    version.status = VersionStatus.APPROVED
    version.change_note = change_note.strip()
    version.approved_by = actor
    version.approved_at = timezone.now()
    version.save()
    signing.sign(version, signer=actor, password=password, meaning=meaning)
    return version


@transaction.atomic
def version_publish(*, version: FrameworkVersion, actor, effective_date: date) -> FrameworkVersion:
    """Publishes an approved version and retires the one it supersedes."""
    version = _locked(version, actor)
    _require_status(version, VersionStatus.APPROVED, action="published")
    approved_on = timezone.localdate(version.approved_at)
    if effective_date < approved_on:
        raise ValidationError({"effective_date": f"{version} was approved on {approved_on:%-d %b %Y}: it cannot be "
                                                 "in force before that. Choose that day or a later one."})
    now = timezone.now()
    superseded = list(FrameworkVersion.objects.filter(framework=version.framework, status=VersionStatus.PUBLISHED))
    newer = [previous for previous in superseded if previous.number > version.number]
    if newer:
        raise ValidationError(f"{newer[0]} is in force and newer; {version} can no longer be published.")
    for previous in superseded:
        previous.status = VersionStatus.RETIRED
        previous.retired_at = now
        previous._history_user = actor
        previous.save()
    version.status = VersionStatus.PUBLISHED
    version.published_at = now
    version.effective_date = effective_date
    version.save()
    return version


@transaction.atomic
def version_retire(*, version: FrameworkVersion, actor) -> FrameworkVersion:
    version = _locked(version, actor)
    _require_status(version, VersionStatus.PUBLISHED, action="retired")
    version.status = VersionStatus.RETIRED
    version.retired_at = timezone.now()
    version.save()
    return version


@transaction.atomic
def version_revise(*, version: FrameworkVersion, actor) -> FrameworkVersion:
    """Copies a published (or retired) version into a new draft: the only way to change frozen content."""
    version = _locked(version, actor)
    _require_status(version, VersionStatus.PUBLISHED, VersionStatus.RETIRED, action="revised")
    framework = version.framework
    pending = framework.versions.filter(
        status__in=[VersionStatus.DRAFT, VersionStatus.IN_REVIEW, VersionStatus.APPROVED]
    ).first()
    if pending is not None:
        raise ValidationError(
            f"{pending} is {pending.get_status_display().lower()} and not yet published; "
            "finish it before starting another revision."
        )
    number = (framework.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    try:
        with transaction.atomic():
            draft = FrameworkVersion(framework=framework, number=number, based_on=version, created_by=actor)
            draft._history_user = actor
            draft.save()
    except IntegrityError:
        raise ValidationError("Someone else revised this framework at the same moment; reload the page.") from None
    copy_version_content(source=version, target=draft, actor=actor)
    return draft


def copy_version_content(*, source: FrameworkVersion, target: FrameworkVersion, actor=None) -> None:
    """Copies areas, competencies (keeping their nesting), indicators, clause and related links, each
    with its history row."""
    areas = list(source.areas.order_by("position", "pk"))
    new_areas = CompetencyArea.objects.bulk_create([
        CompetencyArea(version=target, uuid=a.uuid, code=a.code, name=a.name, description=a.description,
                       position=a.position, extra=a.extra)
        for a in areas
    ])
    # PostgreSQL and SQLite (3.35+) return the new primary keys from bulk inserts.
    area_map = {old.pk: new for old, new in zip(areas, new_areas, strict=True)}
    competencies = list(source.competencies.order_by("pk"))
    new_competencies = Competency.objects.bulk_create([
        Competency(version=target, area=area_map[c.area_id], uuid=c.uuid, code=c.code, name=c.name,
                   description=c.description, position=c.position, extra=c.extra)
        for c in competencies
    ])
    comp_map = {old.pk: new for old, new in zip(competencies, new_competencies, strict=True)}
    with_parent = []
    for old in competencies:
        if old.parent_id:
            comp_map[old.pk].parent = comp_map[old.parent_id]
            with_parent.append(comp_map[old.pk])
    Competency.objects.bulk_update(with_parent, ["parent"])
    indicators = BehaviouralIndicator.objects.bulk_create([
        BehaviouralIndicator(competency=comp_map[i.competency_id], level=i.level, text=i.text, position=i.position)
        for i in BehaviouralIndicator.objects.filter(competency__version=source)
    ])
    ClauseLink = Competency.clauses.through
    ClauseLink.objects.bulk_create([
        ClauseLink(competency_id=comp_map[link.competency_id].pk, isoclause_id=link.isoclause_id)
        for link in ClauseLink.objects.filter(competency__version=source)
    ])
    RelatedLink = Competency.related.through
    RelatedLink.objects.bulk_create([
        RelatedLink(from_competency_id=comp_map[link.from_competency_id].pk,
                    to_competency_id=comp_map[link.to_competency_id].pk)
        for link in RelatedLink.objects.filter(from_competency__version=source)
    ])
    _record_created(new_areas, new_competencies, indicators, actor)


def _record_created(areas: list[CompetencyArea], competencies: list[Competency],
                    indicators: list[BehaviouralIndicator], actor) -> None:
    """History rows for content written in bulk, taken once every link is in place, so that each
    record's history row is the record as it now stands (clause links included)."""
    CompetencyArea.history.bulk_history_create(areas, default_user=actor)
    rows = Competency.history.bulk_history_create(competencies, default_user=actor)
    record_m2m_history(Competency, rows, "clauses")
    BehaviouralIndicator.history.bulk_history_create(indicators, default_user=actor)


# --- content of a version ------------------------------------------------------------------------


def _ensure_code_free(version: FrameworkVersion, code: str, *, exclude: object | None = None) -> None:
    """Codes are unique across a version's areas and competencies (they are one namespace on export)."""
    areas = version.areas.filter(code=code)
    competencies = version.competencies.filter(code=code)
    if isinstance(exclude, CompetencyArea):
        areas = areas.exclude(pk=exclude.pk)
    if isinstance(exclude, Competency):
        competencies = competencies.exclude(pk=exclude.pk)
    if areas.exists() or competencies.exists():
        raise ValidationError({"code": f"The code {code} is already used in {version}."})


def _next_position(queryset) -> int:
    return (queryset.aggregate(top=Max("position"))["top"] or 0) + 1


@transaction.atomic
def area_create(*, version: FrameworkVersion, code: str, name: str, description: str = "") -> CompetencyArea:
    version = _locked(version)
    _ensure_editable(version)
    _ensure_code_free(version, code)
    area = CompetencyArea(
        version=version, code=code, name=name, description=description, position=_next_position(version.areas)
    )
    area.full_clean()
    area.save()
    return area


@transaction.atomic
def area_update(*, area: CompetencyArea, code: str, name: str, description: str) -> CompetencyArea:
    area.version = _locked(area.version)  # the version as it is now, also for the model's own checks
    _ensure_editable(area.version)
    _ensure_code_free(area.version, code, exclude=area)
    area.code, area.name, area.description = code, name, description
    area.full_clean()
    area.save()
    return area


@transaction.atomic
def area_delete(*, area: CompetencyArea) -> None:
    area.version = _locked(area.version)
    _ensure_editable(area.version)
    if area.competencies.exists():
        raise ValidationError(f"{area.name} still has competencies; delete them first.")
    area.delete()


@transaction.atomic
def competency_create(
    *, area: CompetencyArea, code: str, name: str, description: str = "",
    parent: Competency | None = None, clauses: Iterable[IsoClause] = (),
) -> Competency:
    version = area.version = _locked(area.version)
    _ensure_editable(version)
    _ensure_code_free(version, code)
    siblings = Competency.objects.filter(area=area, parent=parent)
    competency = Competency(
        version=version, area=area, parent=parent, code=code, name=name, description=description,
        position=_next_position(siblings),
    )
    competency.full_clean()
    competency.save()
    competency.clauses.set(clauses)
    return competency


@transaction.atomic
def competency_update(
    *, competency: Competency, code: str, name: str, description: str, clauses: Iterable[IsoClause],
    indicators: dict[int, list[str]] | None = None,
) -> Competency:
    version = competency.version = _locked(competency.version)
    _ensure_editable(version)
    _ensure_code_free(version, code, exclude=competency)
    competency.code, competency.name, competency.description = code, name, description
    competency.full_clean()
    competency.save()
    competency.clauses.set(clauses)
    if indicators is not None:
        indicators_replace(competency=competency, indicators=indicators)
    return competency


@transaction.atomic
def competency_delete(*, competency: Competency) -> None:
    competency.version = _locked(competency.version)
    _ensure_editable(competency.version)
    if competency.children.exists():
        raise ValidationError(f"{competency.code} has competencies below it; delete them first.")
    if competency.review_comments.exists():
        raise ValidationError(
            f"{competency.code} has stakeholder comments, which are part of the review record; it cannot be deleted."
        )
    competency.delete()


def indicators_replace(*, competency: Competency, indicators: dict[int, list[str]]) -> None:
    """Sets the indicators of every level at once (one text per indicator, in order)."""
    levels = set(competency.version.framework.scale.levels.values_list("value", flat=True))
    unknown = set(indicators) - levels
    if unknown:
        raise ValidationError(f"Level {min(unknown)} is not on the scale {competency.version.framework.scale}.")
    existing = {(i.level, i.position): i for i in competency.indicators.all()}
    wanted = {
        (level, position): text.strip()
        for level, texts in indicators.items()
        for position, text in enumerate(t for t in texts if t.strip())
    }
    for key, indicator in existing.items():
        if key not in wanted:
            indicator.delete()
        elif indicator.text != wanted[key]:
            indicator.text = wanted[key]
            indicator.save()
    for (level, position), text in wanted.items():
        if (level, position) not in existing:
            BehaviouralIndicator(competency=competency, level=level, position=position, text=text).save()


@transaction.atomic
def node_move(*, node: CompetencyArea | Competency, direction: str) -> None:
    """Moves an area or competency one place up or down among its siblings."""
    node.version = _locked(node.version)
    _ensure_editable(node.version)
    if isinstance(node, CompetencyArea):
        siblings = CompetencyArea.objects.filter(version=node.version_id)
    else:
        siblings = Competency.objects.filter(area=node.area_id, parent=node.parent_id)
    ordered = list(siblings.order_by("position", "pk"))
    index = next(i for i, sibling in enumerate(ordered) if sibling.pk == node.pk)
    target = index - 1 if direction == "up" else index + 1
    if direction not in {"up", "down"} or not 0 <= target < len(ordered):
        return  # already first or last: nothing to do
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, sibling in enumerate(ordered, start=1):
        if sibling.position != position:
            sibling.position = position
            sibling.save(update_fields=["position"])


# --- stakeholder review --------------------------------------------------------------------------


@transaction.atomic
def review_invite(*, version: FrameworkVersion, users: Iterable, actor) -> list[ReviewInvitation]:
    version = _locked(version)
    _require_status(version, VersionStatus.IN_REVIEW, action="reviewed by stakeholders")
    already = set(version.invitations.values_list("user_id", flat=True))
    created = [
        ReviewInvitation.objects.create(version=version, user=user, invited_by=actor)
        for user in users
        if user.pk not in already
    ]
    if created:
        queue_after_commit("competency.tasks.send_review_invitations", [invitation.pk for invitation in created])
    return created


def review_invitations_send(*, invitation_ids: list[int]) -> int:
    """Emails each invited stakeholder the link to the review, once: each invitation is claimed under
    a row lock, sent and marked in its own transaction, so a retry or a second delivery of the task
    sends only what is still unsent."""
    sent = 0
    with mail.get_connection() as connection:
        for invitation_id in invitation_ids:
            with transaction.atomic():
                invitation = (
                    ReviewInvitation.objects.select_for_update(skip_locked=True)
                    .select_related("user", "invited_by", "version__framework")
                    .filter(pk=invitation_id, email_sent_at__isnull=True).first()
                )
                if invitation is None:
                    continue
                body = render_plain("competency/email/review_invitation.txt", {
                    "invitation": invitation, "version": invitation.version, "actor": invitation.invited_by,
                    "link": absolute_url(reverse("competency:version_review", args=[invitation.version_id])),
                })
                connection.send_messages([mail.EmailMessage(
                    f"Your review is requested: {invitation.version}", body, settings.DEFAULT_FROM_EMAIL,
                    [invitation.user.email],
                )])
                invitation.email_sent_at = timezone.now()
                invitation.save(update_fields=["email_sent_at"])
                sent += 1
    return sent


@transaction.atomic
def review_comment_add(
    *, version: FrameworkVersion, author, body: str, competency: Competency | None = None
) -> ReviewComment:
    version = _locked(version)
    _require_status(version, VersionStatus.IN_REVIEW, action="commented on")
    if competency is not None and competency.version_id != version.pk:
        raise ValidationError("That competency belongs to another version.")
    if not body.strip():
        raise ValidationError({"body": "Write a comment."})
    comment = ReviewComment(version=version, competency=competency, author=author, body=body.strip())
    comment._history_user = author
    comment.save()
    return comment


@transaction.atomic
def review_comment_resolve(*, comment: ReviewComment, actor, accept: bool, reply: str) -> ReviewComment:
    comment = ReviewComment.objects.select_for_update().get(pk=comment.pk)
    if comment.status != CommentStatus.OPEN:
        raise ValidationError(f"This comment was already {comment.get_status_display().lower()}.")
    if not reply.strip():
        raise ValidationError({"reply": "Reply to the stakeholder: say what you did with the comment."})
    comment.status = CommentStatus.ACCEPTED if accept else CommentStatus.REJECTED
    comment.reply = reply.strip()
    comment.resolved_by = actor
    comment.resolved_at = timezone.now()
    comment._history_user = actor
    comment.save()
    return comment


# --- proficiency scales --------------------------------------------------------------------------


@dataclass(frozen=True)
class LevelInput:
    name: str
    description: str = ""


def _check_levels(levels: list[LevelInput], proficient_value: int) -> None:
    problems = formats.plan.level_problems([level.name for level in levels], proficient_value)
    if problems:
        field, message = problems[0]
        raise ValidationError({field: message})


@transaction.atomic
def scale_create(*, actor, name: str, description: str, proficient_value: int,
                 levels: list[LevelInput]) -> ProficiencyScale:
    """A scale with its levels, numbered 1 to n in the order given."""
    _check_levels(levels, proficient_value)
    scale = ProficiencyScale(name=name.strip(), description=description, proficient_value=proficient_value)
    scale._history_user = actor
    scale.full_clean(exclude=["proficient_value"])  # the levels that make it valid come next
    save_unique(scale, "name", "A scale with this name was just created; choose another name.")
    for value, level in enumerate(levels, start=1):
        row = ProficiencyLevel(scale=scale, value=value, name=level.name.strip(), description=level.description.strip())
        row._history_user = actor
        row.save()
    return scale


@transaction.atomic
def scale_update(*, actor, scale: ProficiencyScale, name: str, description: str, proficient_value: int,
                 levels: list[LevelInput]) -> ProficiencyScale:
    """Renames, re-describes and re-levels a scale that no version beyond draft uses yet."""
    scale = ProficiencyScale.objects.select_for_update().get(pk=scale.pk)
    scale.check_editable()
    _check_levels(levels, proficient_value)
    existing = {level.value: level for level in scale.levels.all()}
    dropped = sorted(set(existing) - set(range(1, len(levels) + 1)))
    if dropped:
        in_use = (BehaviouralIndicator.objects.filter(competency__version__framework__scale=scale, level__in=dropped)
                  .select_related("competency").first())
        if in_use is not None:
            raise ValidationError({"levels": f"Level {in_use.level} has behavioural indicators in "
                                             f"{in_use.competency.code} ({in_use.competency.version}); "
                                             "remove them before removing the level."})
    for value in dropped:
        existing[value]._history_user = actor
        existing[value].delete()
    # Names are unique within a scale: park the names that change first, so that swapping two names
    # works. A plain UPDATE, so the parked names leave no history row; each level's final save has one.
    moving = [existing[v].pk for v in existing if v not in dropped and existing[v].name != levels[v - 1].name.strip()]
    ProficiencyLevel.objects.filter(pk__in=moving).update(name=Concat(Value("moving "), Cast("pk", CharField())))
    for value, wanted in enumerate(levels, start=1):
        level = existing.get(value) or ProficiencyLevel(scale=scale, value=value)
        level_name, text = wanted.name.strip(), wanted.description.strip()
        if level.pk is None or (level.name, level.description) != (level_name, text):
            level.name, level.description = level_name, text
            level._history_user = actor
            level.save()
    scale.name, scale.description, scale.proficient_value = name.strip(), description, proficient_value
    scale._history_user = actor
    scale.full_clean()
    save_unique(scale, "name", "Another scale has this name.")
    return scale


@transaction.atomic
def scale_delete(*, actor, scale: ProficiencyScale) -> None:
    """Deletes a scale no framework uses (a copy made by mistake, one left by a deleted import)."""
    scale = ProficiencyScale.objects.select_for_update().get(pk=scale.pk)
    refusal = scale.deletion_refusal()
    if refusal:
        raise ValidationError(refusal)
    for level in scale.levels.all():
        level._history_user = actor
        level.delete()
    scale._history_user = actor
    scale.delete()


def _scale_names() -> set[str]:
    return set(ProficiencyScale.objects.values_list("name", flat=True))


def scale_copy(*, actor, scale: ProficiencyScale) -> ProficiencyScale:
    """A draft copy of a (perhaps frozen) scale, to change for a new framework."""
    levels = [LevelInput(level.name, level.description) for level in scale.levels.order_by("value")]
    base = f"{scale.name} (copy)"[:110]
    name = first_free(base, lambda number: f"{base} {number}", _scale_names())
    return scale_create(actor=actor, name=name, description=scale.description,
                        proficient_value=scale.proficient_value, levels=levels)


def _create_scale_from(spec: formats.ScaleSpec, actor) -> ProficiencyScale:
    """The scale a file asks for, under a free name."""
    base = spec.name[:110]  # room for " (n)" within the 120 characters of a scale name
    name = first_free(base, lambda number: f"{base} ({number})", _scale_names())
    return scale_create(actor=actor, name=name, description=spec.description,
                        proficient_value=spec.proficient_value,
                        levels=[LevelInput(level_name, text) for _value, level_name, text in spec.levels()])


# --- importing a framework from a file -----------------------------------------------------------


def framework_import_stage(*, actor, fmt: str, filename: str, raw: bytes, delimiter: str,
                           encoding: str) -> FrameworkImport:
    """Keeps an uploaded file for its preview, after checking that it can be read at all. Raises
    ImportFailed with the file's problems."""
    text = decode(raw, encoding, formats.FRAMEWORK_LIMITS)
    options = {"delimiter": delimiter, "encoding": encoding}
    try:
        formats.read_plan(fmt, text, options)
    except formats.NeedsMapping:
        pass  # the preview page asks for the column mapping
    return FrameworkImport.objects.create(created_by=actor, format=fmt, filename=filename[:255], content=text,
                                          options=options)


def framework_import_set_mapping(*, pending: FrameworkImport, mapping: dict[str, int]) -> FrameworkImport:
    """Saves the column mapping of a Moodle file once the file reads well with it; ImportFailed otherwise."""
    formats.read_plan(pending.format, pending.content, {**pending.options, "mapping": mapping})
    pending.options = {**pending.options, "mapping": mapping}
    pending.save(update_fields=["options"])
    return pending


@transaction.atomic
def framework_import_confirm(*, pending: FrameworkImport, actor, name: str, code: str,
                             scale: ProficiencyScale | None) -> FrameworkVersion:
    """Creates the framework from a previewed upload, once: the row lock makes a second confirmation
    of the same upload wait, then find it used."""
    locked = FrameworkImport.objects.select_for_update().get(pk=pending.pk)
    if locked.framework_id:
        raise ValidationError(f"{locked.filename} has already been imported.")
    plan = formats.read_plan(locked.format, locked.content, locked.options)
    version = framework_import_apply(plan, actor=actor, name=name, code=code, scale=scale,
                                     change_note=f"Imported from {locked.filename}.")
    locked.framework = version.framework
    locked.save(update_fields=["framework"])
    return version


def framework_import_apply(plan: formats.ImportPlan, *, actor, name: str, code: str,
                           scale: ProficiencyScale | None, change_note: str = "") -> FrameworkVersion:
    """Creates the framework and its draft v1 with the whole tree, or nothing at all."""
    with transaction.atomic():
        return _apply(plan, actor=actor, name=name, code=code, scale=scale, change_note=change_note)


def _apply(plan: formats.ImportPlan, *, actor, name: str, code: str, scale: ProficiencyScale | None,
           change_note: str) -> FrameworkVersion:
    if scale is None:
        if plan.scale is None:
            raise ValidationError({"scale": "Choose the proficiency scale for this framework."})
        scale = matching_scale(plan.scale) or _create_scale_from(plan.scale, actor)
    level_values = scale_levels_by_scale([scale.pk]).get(scale.pk, set())
    beyond = plan.indicator_levels - level_values
    if beyond:
        raise ValidationError({"scale": f"The file has indicators for level {max(beyond)}, "
                                        f"which the scale {scale.name} does not have."})
    framework = Framework(name=name, code=code, description=plan.description, scale=scale, owner=actor,
                          source=plan.source, extra=plan.framework_extra)
    if plan.uuid and not Framework.objects.filter(uuid=plan.uuid).exists():
        framework.uuid = uuidlib.UUID(plan.uuid)  # the file's identity of the framework, when it is free
    framework._history_user = actor
    framework.full_clean()
    save_unique(framework, "code", "A framework with this code was just created; choose another code.")
    version = FrameworkVersion(framework=framework, number=1, created_by=actor, change_note=change_note)
    version._history_user = actor
    version.save()

    ordered = plan.ordered()
    positions: dict[str, int] = {}
    sibling_count: Counter[str | None] = Counter()
    for node, _depth in ordered:
        sibling_count[node.parent_code] += 1
        positions[node.code] = sibling_count[node.parent_code]
    by_code = {node.code: node for node in plan.nodes}

    def area_code_of(node: formats.NodeSpec) -> str:
        while node.parent_code is not None:
            node = by_code[node.parent_code]
        return node.code

    def as_uuid(value: str | None) -> uuidlib.UUID:
        try:
            return uuidlib.UUID(value) if value else uuidlib.uuid4()
        except ValueError:
            return uuidlib.uuid4()

    area_specs = [node for node, depth in ordered if depth == 0]
    areas = CompetencyArea.objects.bulk_create([
        CompetencyArea(version=version, uuid=as_uuid(n.uuid), code=n.code, name=n.name, description=n.description,
                       position=positions[n.code], extra=n.extra)
        for n in area_specs
    ])
    area_by_code = {area.code: area for area in areas}
    competency_specs = [node for node, depth in ordered if depth > 0]
    competencies = Competency.objects.bulk_create([
        Competency(version=version, area=area_by_code[area_code_of(n)], uuid=as_uuid(n.uuid), code=n.code,
                   name=n.name, description=n.description, position=positions[n.code], extra=n.extra)
        for n in competency_specs
    ])
    competency_by_code = {competency.code: competency for competency in competencies}
    nested = []
    for spec in competency_specs:
        if spec.parent_code in competency_by_code:
            competency_by_code[spec.code].parent = competency_by_code[spec.parent_code]
            nested.append(competency_by_code[spec.code])
    Competency.objects.bulk_update(nested, ["parent"])
    indicators = BehaviouralIndicator.objects.bulk_create([
        BehaviouralIndicator(competency=competency_by_code[spec.code], level=level, position=position, text=text)
        for spec in competency_specs for level, texts in sorted(spec.indicators.items())
        for position, text in enumerate(texts)
    ])
    clause_ids = dict(IsoClause.objects.values_list("number", "pk"))
    ClauseLink = Competency.clauses.through
    ClauseLink.objects.bulk_create(
        ClauseLink(competency_id=competency_by_code[spec.code].pk, isoclause_id=clause_ids[number])
        for spec in competency_specs for number in dict.fromkeys(spec.clauses) if number in clause_ids
    )
    pairs = {
        tuple(sorted((competency_by_code[spec.code].pk, competency_by_code[ref].pk)))
        for spec in competency_specs for ref in spec.related
        if ref in competency_by_code and ref != spec.code
    }
    RelatedLink = Competency.related.through
    RelatedLink.objects.bulk_create(
        [RelatedLink(from_competency_id=a, to_competency_id=b) for a, b in pairs]
        + [RelatedLink(from_competency_id=b, to_competency_id=a) for a, b in pairs]
    )
    _record_created(areas, competencies, indicators, actor)
    return version


__all__ = ["ImportFailed"]
