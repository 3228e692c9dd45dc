"""Who manages API tokens: HR managers only (a token acts with a role's permissions, like an account)."""

from __future__ import annotations

from accounts.models import Role
from accounts.permissions import Denied, RuleResult, rule, scope


@rule("apitoken.browse", "apitoken.view", "apitoken.create", "apitoken.revoke")
def _hr_only(user, obj=None) -> RuleResult:
    if user.role == Role.HR:
        return True
    if user.role == Role.AUDITOR:
        return Denied("Auditors have read-only access.")
    return Denied("Only HR managers manage API tokens.")


@scope("apitoken")
def _visible_tokens(user, queryset):
    return queryset if user.role == Role.HR else queryset.none()
