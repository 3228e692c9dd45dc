"""Who may read and change frameworks, scales and their reviews.

HR and quality managers build frameworks and scales and see every version. Everyone else reads the
versions that are or were in force (published and retired: a role profile may still be written
against a retired version until it is moved). Stakeholders invited to review a version read it and
comment on it while it is in review; auditors also read the review record.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Role
from accounts.permissions import Denied, RuleResult, is_managing, managing_only, request_cache, rule, scope

from .models import EDITABLE_STATUSES, FrameworkVersion, ReviewInvitation, VersionStatus

#: What readers (everyone signed in) see without an invitation: what is or was in force.
IN_FORCE = frozenset({VersionStatus.PUBLISHED, VersionStatus.RETIRED})


def is_invited(user, version: FrameworkVersion) -> bool:
    cache = request_cache(user, "invited_versions")
    if version.pk not in cache:
        cache[version.pk] = ReviewInvitation.objects.filter(version=version, user=user).exists()
    return cache[version.pk]


def visible_statuses(user) -> frozenset[str]:
    """The version statuses a user reads without an invitation."""
    return frozenset(VersionStatus.values) if is_managing(user) else IN_FORCE


def visible_versions_q(user, prefix: str = "") -> Q:
    """The versions a user reads, as a filter (`prefix` reaches versions from another model): managers
    all; others those in force, and invited stakeholders a version while it is in review."""
    if is_managing(user):
        return Q()
    return Q(**{f"{prefix}status__in": visible_statuses(user)}) | Q(
        **{f"{prefix}status": VersionStatus.IN_REVIEW, f"{prefix}invitations__user": user}
    )


@scope("framework")
def _visible_frameworks(user, queryset: QuerySet) -> QuerySet:
    if is_managing(user):
        return queryset
    return queryset.filter(pk__in=FrameworkVersion.objects.filter(visible_versions_q(user)).values("framework_id"))


@rule("framework.browse", "scale.browse", "scale.view")
def _anyone(user, obj=None) -> RuleResult:
    """Everyone who reads a framework reads its scale."""
    return True


@rule("framework.create", "framework.import", "framework.edit", "version.manage", "comment.resolve", "scale.create")
def _managing(user, obj=None) -> RuleResult:
    return managing_only(user)


@rule("framework.view")
def _framework_view(user, framework) -> RuleResult:
    return is_managing(user) or framework.versions.filter(visible_versions_q(user)).exists()


@rule("framework.delete")
def _framework_delete(user, framework) -> RuleResult:
    if not is_managing(user):
        return managing_only(user)
    refusal = framework.deletion_refusal()
    return Denied(refusal) if refusal else True


@rule("version.view", "version.export")
def _version_view(user, version) -> RuleResult:
    return version.status in visible_statuses(user) or (
        version.status == VersionStatus.IN_REVIEW and is_invited(user, version)
    )


@rule("version.review")
def _version_review(user, version) -> RuleResult:
    """The review page: owners, invited stakeholders while it is in review, and auditors (the record)."""
    if is_managing(user) or user.role == Role.AUDITOR or (
        version.status == VersionStatus.IN_REVIEW and is_invited(user, version)
    ):
        return True
    return Denied("The review page is for the framework's owners and invited stakeholders.")


@rule("version.edit")
def _version_edit(user, version) -> RuleResult:
    if not is_managing(user):
        return managing_only(user)
    if version.status not in EDITABLE_STATUSES:
        return Denied(version.frozen_message())
    return True


@rule("version.comment")
def _version_comment(user, version) -> RuleResult:
    if user.role == Role.AUDITOR:
        return Denied("Auditors have read-only access.")
    if not (is_managing(user) or is_invited(user, version)):
        return Denied("Only invited stakeholders comment on a version.")
    if version.status != VersionStatus.IN_REVIEW:
        return Denied("Comments are taken only while a version is in review.")
    return True


@rule("area.view", "competency.view", "comment.view")
def _content_view(user, obj) -> RuleResult:
    return _version_view(user, obj.version)


@rule("area.edit", "competency.edit")
def _content_edit(user, obj) -> RuleResult:
    return _version_edit(user, obj.version)


# An uploaded file waiting for confirmation is seen by the HR or quality manager who uploaded it only.
@rule("import.view", "import.confirm")
def _own_upload(user, upload) -> RuleResult:
    return is_managing(user) and upload.created_by_id == user.pk


# --- proficiency scales ---------------------------------------------------------------------------
# HR and quality manage scales, and a scale that a version in force (or approved) uses is frozen with it.


@rule("scale.delete")
def _scale_delete(user, scale) -> RuleResult:
    if not is_managing(user):
        return managing_only(user)
    refusal = scale.deletion_refusal()
    return Denied(refusal) if refusal else True


@rule("scale.edit")
def _scale_edit(user, scale) -> RuleResult:
    if not is_managing(user):
        return managing_only(user)
    frozen_by = scale.frozen_by()
    if frozen_by is not None:
        return Denied(scale.frozen_message(frozen_by))
    return True
