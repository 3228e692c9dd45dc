"""The one place that decides who may see or change what.

Every view, download and endpoint asks this module, through `can`, `require`, `get_for_user`,
`permission_required` or one of the `visible_*` scopes for lists. Rules are named `<thing>.<verb>`;
`<thing>.view` defines the audience of an object: people outside it get 404 (they are not told the
object exists), people inside it who may not do the action get 403 with the reason.

Rules read objects through their fields only, so this module imports no other app's models and the
apps' one-way dependencies stay intact.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from .models import Role

#: Roles that run the competency system: they build frameworks and profiles and manage people.
MANAGING_ROLES = frozenset({Role.HR, Role.QUALITY})
#: Roles that may read everything in the organisation (auditors only read).
READING_ROLES = frozenset({Role.HR, Role.QUALITY, Role.AUDITOR})


class Denied(str):
    """A refusal that carries its reason; falsy, so a rule can return it in place of False."""

    def __bool__(self) -> bool:
        return False


RuleResult = bool | Denied
Rule = Callable[[Any, Any], RuleResult]
_RULES: dict[str, Rule] = {}


def rule(*actions: str) -> Callable[[Rule], Rule]:
    def register(check: Rule) -> Rule:
        for action in actions:
            if action in _RULES:
                raise ImproperlyConfigured(f"Two permission rules for {action!r}.")
            _RULES[action] = check
        return check

    return register


def _check(user, action: str, obj: Any) -> RuleResult:
    try:
        check = _RULES[action]
    except KeyError:
        raise ImproperlyConfigured(f"No permission rule is defined for {action!r}.") from None
    if user is None or not user.is_authenticated or not user.is_active:
        return Denied("Please sign in.")
    return check(user, obj)


def can(user, action: str, obj: Any = None) -> bool:
    """May `user` do `action` (to `obj`)?"""
    return bool(_check(user, action, obj))


def require(user, action: str, obj: Any = None) -> None:
    """Raise PermissionDenied (403) with the reason unless `user` may do `action`."""
    result = _check(user, action, obj)
    if not result:
        raise PermissionDenied(str(result) if isinstance(result, Denied) else "")


def audience_action(action: str) -> str:
    return action.split(".", 1)[0] + ".view"


def get_for_user(user, queryset: QuerySet | type[Model], action: str, **lookup) -> Any:
    """Fetch one object for `action`: 404 outside its audience, 403 inside it without the right."""
    obj = get_object_or_404(queryset, **lookup)
    if not can(user, audience_action(action), obj):
        raise Http404("No such object.")
    if action != audience_action(action):
        require(user, action, obj)
    return obj


def permission_required(action: str):
    """View decorator for pages without an object (lists, create forms, imports)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            require(request.user, action)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# --- facts about a user, cached on the user object for the length of a request -----------------


def person_of(user):
    """The user's person record (profiles.Person), or None. One query per request at most."""
    if not hasattr(user, "_proficio_person"):
        user._proficio_person = getattr(user, "person", None)
    return user._proficio_person


def manages_anyone(user) -> bool:
    if not hasattr(user, "_proficio_manages"):
        person = person_of(user)
        user._proficio_manages = bool(person and person.reports.filter(active=True).exists())
    return user._proficio_manages


def is_managing(user) -> bool:
    return user.role in MANAGING_ROLES


def is_reader(user) -> bool:
    return user.role in READING_ROLES


def _managing_only(user, obj=None) -> RuleResult:
    if is_managing(user):
        return True
    if user.role == Role.AUDITOR:
        return Denied("Auditors have read-only access.")
    return Denied("Only HR and quality managers may do this.")


# --- the rules ------------------------------------------------------------------------------------


# What every signed-in person may open: the dashboard, the lists (each scoped to what its reader may
# see) and the organisation chart.
@rule("dashboard.view", "framework.browse", "profile.browse", "orgunit.browse", "orgunit.view")
def _anyone_signed_in(user, obj=None) -> RuleResult:
    return True


# An uploaded file waiting for confirmation is seen by the HR or quality manager who uploaded it only.
@rule("import.view", "import.confirm", "peopleimport.view")
def _own_upload(user, upload) -> RuleResult:
    return is_managing(user) and upload.created_by_id == user.pk


# --- competency frameworks ------------------------------------------------------------------------
# HR and quality managers build frameworks and see every version; everyone else reads published
# versions (auditors also retired ones, which were once in force); stakeholders invited to review a
# version read it and comment on it while it is in review.

PUBLISHED = "published"
RETIRED = "retired"
IN_REVIEW = "in_review"


def _is_invited(user, version) -> bool:
    cache = user.__dict__.setdefault("_proficio_invited_versions", {})
    if version.pk not in cache:
        cache[version.pk] = version.invitations.filter(user=user).exists()
    return cache[version.pk]


def visible_statuses(user) -> set[str]:
    """The version statuses a user reads without an invitation."""
    if is_managing(user):
        return {"draft", IN_REVIEW, "approved", PUBLISHED, RETIRED}
    if user.role == Role.AUDITOR:
        return {PUBLISHED, RETIRED}
    return {PUBLISHED}


@rule("framework.create", "framework.import")
def _framework_create(user, obj=None) -> RuleResult:
    return _managing_only(user)


def visible_versions_q(user, prefix: str = ""):
    """The versions a user reads, as a filter (`prefix` reaches versions from another model): managers
    all; others those of the statuses they read, and invited stakeholders a version while it is in review."""
    from django.db.models import Q

    if is_managing(user):
        return Q()
    return Q(**{f"{prefix}status__in": visible_statuses(user)}) | Q(
        **{f"{prefix}status": IN_REVIEW, f"{prefix}invitations__user": user}
    )


@rule("framework.view")
def _framework_view(user, framework) -> RuleResult:
    return is_managing(user) or framework.versions.filter(visible_versions_q(user)).exists()


@rule("version.view", "version.export")
def _version_view(user, version) -> RuleResult:
    return version.status in visible_statuses(user) or (version.status == IN_REVIEW and _is_invited(user, version))


@rule("version.review")
def _version_review(user, version) -> RuleResult:
    """The review page: owners, invited stakeholders while it is in review, and auditors (the record)."""
    if is_managing(user) or user.role == Role.AUDITOR or (version.status == IN_REVIEW and _is_invited(user, version)):
        return True
    return Denied("The review page is for the framework's owners and invited stakeholders.")


@rule("version.edit")
def _version_edit(user, version) -> RuleResult:
    if not is_managing(user):
        return _managing_only(user)
    if not version.is_editable:
        return Denied(version.frozen_message())
    return True


@rule("version.manage")
def _version_manage(user, version) -> RuleResult:
    return _managing_only(user)


@rule("version.comment")
def _version_comment(user, version) -> RuleResult:
    if user.role == Role.AUDITOR:
        return Denied("Auditors have read-only access.")
    if not (is_managing(user) or _is_invited(user, version)):
        return Denied("Only invited stakeholders comment on a version.")
    if version.status != IN_REVIEW:
        return Denied("Comments are taken only while a version is in review.")
    return True


@rule("area.view", "competency.view", "comment.view")
def _content_view(user, obj) -> RuleResult:
    return _version_view(user, obj.version)


@rule("area.edit", "competency.edit")
def _content_edit(user, obj) -> RuleResult:
    return _version_edit(user, obj.version)


@rule("comment.resolve")
def _comment_resolve(user, comment) -> RuleResult:
    return _managing_only(user)


def visible_frameworks(user, queryset: QuerySet) -> QuerySet:
    if is_managing(user):
        return queryset
    return queryset.filter(visible_versions_q(user, prefix="versions__")).distinct()


# --- role profiles, people and org units --------------------------------------------------------
# HR, quality and auditors read everything; a leader reads their own person page and role profile,
# a manager also those of their direct reports.


def _reports_of(user) -> QuerySet:
    from django.apps import apps

    Person = apps.get_model("profiles", "Person")
    person = person_of(user)
    return Person.objects.filter(manager=person) if person else Person.objects.none()


@rule("profile.view")
def _profile_view(user, profile) -> RuleResult:
    if is_reader(user):
        return True
    person = person_of(user)
    if person is None:
        return False
    return person.role_profile_id == profile.pk or _reports_of(user).filter(role_profile=profile).exists()


@rule("profile.create", "profile.edit", "profile.approve", "people.import", "orgunit.create", "orgunit.edit")
def _people_admin(user, obj=None) -> RuleResult:
    return _managing_only(user)


@rule("person.browse")
def _person_browse(user, obj=None) -> RuleResult:
    if is_reader(user) or manages_anyone(user):
        return True
    return Denied("The people list is for HR, quality, auditors and managers. Your own page is linked from your dashboard.")


@rule("person.view")
def _person_view(user, person) -> RuleResult:
    if is_reader(user) or person.user_id == user.pk:
        return True
    own = person_of(user)
    return own is not None and person.manager_id == own.pk


@rule("person.edit")
def _person_edit(user, person) -> RuleResult:
    return _managing_only(user)


def visible_people(user, queryset: QuerySet) -> QuerySet:
    if is_reader(user):
        return queryset
    person = person_of(user)
    return queryset.filter(manager=person) if person else queryset.none()


def visible_profiles(user, queryset: QuerySet) -> QuerySet:
    if is_reader(user):
        return queryset
    from django.db.models import Q

    person = person_of(user)
    if person is None:
        return queryset.none()
    return queryset.filter(Q(pk=person.role_profile_id) | Q(people__manager=person)).distinct()
