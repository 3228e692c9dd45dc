"""Who may manage accounts: HR managers only, on Proficio's own account pages.

Roles, the admin (staff) flag and the email of an account that is not a plain leader account change
nowhere else: not through a people import, a person's page or any other role's form.
"""

from __future__ import annotations

from .models import Role
from .permissions import Denied, RuleResult, rule, scope


@rule("account.browse", "account.create", "account.edit")
def _account_admin(user, obj=None) -> RuleResult:
    if user.role == Role.HR:
        return True
    if user.role == Role.AUDITOR:
        return Denied("Auditors have read-only access.")
    return Denied("Only HR managers manage accounts and their roles.")


@rule("account.view")
def _account_view(user, account) -> RuleResult:
    return user.role == Role.HR or account.pk == user.pk


@scope("account")
def _visible_accounts(user, queryset):
    return queryset if user.role == Role.HR else queryset.filter(pk=user.pk)
