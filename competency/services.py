"""Use cases that change competency frameworks. Each is one transaction and validates before it writes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.shortcuts import save_unique

from .models import (
    BehaviouralIndicator,
    CommentStatus,
    Competency,
    CompetencyArea,
    Framework,
    FrameworkVersion,
    FrozenVersionError,
    IsoClause,
    ProficiencyScale,
    ReviewComment,
    ReviewInvitation,
    VersionStatus,
)

# --- frameworks and versions ---------------------------------------------------------------------


@transaction.atomic
def framework_create(*, name: str, code: str, description: str, scale: ProficiencyScale, owner) -> FrameworkVersion:
    """A new framework with an empty draft v1."""
    framework = Framework(name=name, code=code, description=description, scale=scale, owner=owner)
    framework.full_clean()
    save_unique(framework, "code", "A framework with this code was just created; choose another code.")
    return FrameworkVersion.objects.create(framework=framework, number=1, created_by=owner)


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
def version_approve(*, version: FrameworkVersion, actor, change_note: str) -> FrameworkVersion:
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
    version.status = VersionStatus.APPROVED
    version.change_note = change_note.strip()
    version.approved_by = actor
    version.approved_at = timezone.now()
    version.save()
    return version


@transaction.atomic
def version_publish(*, version: FrameworkVersion, actor, effective_date: date) -> FrameworkVersion:
    """Publishes an approved version and retires the one it supersedes."""
    version = _locked(version, actor)
    _require_status(version, VersionStatus.APPROVED, action="published")
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
            draft = FrameworkVersion.objects.create(
                framework=framework, number=number, based_on=version, created_by=actor
            )
    except IntegrityError:
        raise ValidationError("Someone else revised this framework at the same moment; reload the page.") from None
    copy_version_content(source=version, target=draft)
    return draft


def copy_version_content(*, source: FrameworkVersion, target: FrameworkVersion) -> None:
    """Copies areas, competencies (keeping their nesting), indicators, clause and related links."""
    areas = list(source.areas.order_by("position", "pk"))
    new_areas = bulk_create_with_history(
        [
            CompetencyArea(
                version=target, uuid=a.uuid, code=a.code, name=a.name, description=a.description,
                position=a.position, extra=a.extra,
            )
            for a in areas
        ],
        CompetencyArea,
    )
    # PostgreSQL and SQLite (3.35+) return the new primary keys from bulk inserts.
    area_map = {old.pk: new for old, new in zip(areas, new_areas, strict=True)}

    competencies = list(source.competencies.order_by("pk"))
    new_competencies = bulk_create_with_history(
        [
            Competency(
                version=target, area=area_map[c.area_id], uuid=c.uuid, code=c.code, name=c.name,
                description=c.description, position=c.position, extra=c.extra,
            )
            for c in competencies
        ],
        Competency,
    )
    comp_map = {old.pk: new for old, new in zip(competencies, new_competencies, strict=True)}
    with_parent = []
    for old in competencies:
        if old.parent_id:
            comp_map[old.pk].parent = comp_map[old.parent_id]
            with_parent.append(comp_map[old.pk])
    bulk_update_with_history(with_parent, Competency, ["parent"])

    bulk_create_with_history(
        [
            BehaviouralIndicator(competency=comp_map[i.competency_id], level=i.level, text=i.text, position=i.position)
            for i in BehaviouralIndicator.objects.filter(competency__version=source)
        ],
        BehaviouralIndicator,
    )
    ClauseLink = Competency.clauses.through
    ClauseLink.objects.bulk_create(
        [
            ClauseLink(competency_id=comp_map[link.competency_id].pk, isoclause_id=link.isoclause_id)
            for link in ClauseLink.objects.filter(competency__version=source)
        ]
    )
    RelatedLink = Competency.related.through
    RelatedLink.objects.bulk_create(
        [
            RelatedLink(from_competency_id=comp_map[link.from_competency_id].pk,
                        to_competency_id=comp_map[link.to_competency_id].pk)
            for link in RelatedLink.objects.filter(from_competency__version=source)
        ]
    )


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
    _ensure_editable(_locked(area.version))
    _ensure_code_free(area.version, code, exclude=area)
    area.code, area.name, area.description = code, name, description
    area.full_clean()
    area.save()
    return area


@transaction.atomic
def area_delete(*, area: CompetencyArea) -> None:
    _ensure_editable(_locked(area.version))
    if area.competencies.exists():
        raise ValidationError(f"{area.name} still has competencies; delete them first.")
    area.delete()


@transaction.atomic
def competency_create(
    *, area: CompetencyArea, code: str, name: str, description: str = "",
    parent: Competency | None = None, clauses: Iterable[IsoClause] = (),
) -> Competency:
    version = _locked(area.version)
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
    version = _locked(competency.version)
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
    _ensure_editable(_locked(competency.version))
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
    _ensure_editable(_locked(node.version))
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
def review_invite(*, version: FrameworkVersion, users: Iterable, actor, base_url: str) -> list[ReviewInvitation]:
    version = _locked(version)
    _require_status(version, VersionStatus.IN_REVIEW, action="reviewed by stakeholders")
    already = set(version.invitations.values_list("user_id", flat=True))
    created = [
        ReviewInvitation.objects.create(version=version, user=user, invited_by=actor)
        for user in users
        if user.pk not in already
    ]
    if created:
        from . import tasks  # the one place services reach tasks (tasks import services, not the reverse)

        ids = [invitation.pk for invitation in created]
        transaction.on_commit(lambda: tasks.send_review_invitations.delay(ids, base_url))
    return created


def review_invitations_send(*, invitation_ids: list[int], base_url: str) -> int:
    """Emails each invited stakeholder the link to the review; a failing mail server is retried by the task."""
    invitations = ReviewInvitation.objects.filter(pk__in=invitation_ids).select_related(
        "user", "invited_by", "version__framework"
    )
    messages = [
        (
            f"Your review is requested: {invitation.version}",
            render_to_string("competency/email/review_invitation.txt", {
                "invitation": invitation, "version": invitation.version, "actor": invitation.invited_by,
                "link": base_url + reverse("competency:version_review", args=[invitation.version_id]),
            }),
            settings.DEFAULT_FROM_EMAIL,
            [invitation.user.email],
        )
        for invitation in invitations
    ]
    return send_mass_mail(messages, fail_silently=False) if messages else 0


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
    return ReviewComment.objects.create(version=version, competency=competency, author=author, body=body.strip())


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
    comment.save()
    return comment

