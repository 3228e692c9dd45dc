"""The permission engine: the one place every view, download and endpoint asks who may do what.

Apps register their own rules in `<app>/rules.py` (loaded from the app's `AppConfig.ready()`):

- `@rule("<thing>.<verb>", ...)` decides one action, given the user and the object (or None).
  `<thing>.view` defines the audience of an object: people outside it get 404 (they are not told the
  object exists), people inside it who may not do the action get 403 with the reason.
- `@scope("<thing>")` narrows a queryset of things to those a user may see in lists.

Views ask through `can`, `require`, `get_for_user`, `permission_required` and `visible`. This module
knows roles only; what a role may do with an app's objects is that app's business.
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
Scope = Callable[[Any, QuerySet], QuerySet]
_RULES: dict[str, Rule] = {}
_SCOPES: dict[str, Scope] = {}


def rule(*actions: str) -> Callable[[Rule], Rule]:
    def register(check: Rule) -> Rule:
        for action in actions:
            if action in _RULES:
                raise ImproperlyConfigured(f"Two permission rules for {action!r}.")
            _RULES[action] = check
        return check

    return register


def scope(thing: str) -> Callable[[Scope], Scope]:
    def register(narrow: Scope) -> Scope:
        if thing in _SCOPES:
            raise ImproperlyConfigured(f"Two list scopes for {thing!r}.")
        _SCOPES[thing] = narrow
        return narrow

    return register


def registered_rules() -> dict[str, Rule]:
    return dict(_RULES)


def registered_scopes() -> dict[str, Scope]:
    return dict(_SCOPES)


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def _check(user, action: str, obj: Any) -> RuleResult:
    try:
        check = _RULES[action]
    except KeyError:
        raise ImproperlyConfigured(f"No permission rule is defined for {action!r}.") from None
    if not _signed_in(user):
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


def visible(user, thing: str, queryset: QuerySet) -> QuerySet:
    """`queryset` narrowed to the `thing`s `user` may see in a list (nothing for signed-out users)."""
    try:
        narrow = _SCOPES[thing]
    except KeyError:
        raise ImproperlyConfigured(f"No list scope is defined for {thing!r}.") from None
    if not _signed_in(user):
        return queryset.none()
    return narrow(user, queryset)


def permission_required(action: str):
    """View decorator for pages without an object (lists, create forms, imports)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            require(request.user, action)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# --- facts about roles, which every app's rules build on -------------------------------------------


def is_managing(user) -> bool:
    return user.role in MANAGING_ROLES


def is_reader(user) -> bool:
    return user.role in READING_ROLES


def managing_only(user, obj=None) -> RuleResult:
    if is_managing(user):
        return True
    if user.role == Role.AUDITOR:
        return Denied("Auditors have read-only access.")
    return Denied("Only HR and quality managers may do this.")


def request_cache(user, name: str) -> dict:
    """A dict kept on the user object for the length of a request, for rules that would otherwise
    ask the database the same question for every row of a page."""
    return user.__dict__.setdefault(f"_proficio_{name}", {})
