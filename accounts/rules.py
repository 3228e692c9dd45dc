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


@rule("account.sessions_end", "account.two_factor_reset")
def _account_security(user, account) -> RuleResult:
    """HR signs out all of an account's sessions, or turns off the two-factor sign-in of someone who lost
    their phone, from the account's page."""
    if user.role == Role.HR:
        return True
    return Denied("Only HR managers end other people's sessions or turn off their two-factor sign-in.")


@rule("security.manage")
def _security_policy(user, obj=None) -> RuleResult:
    if user.role == Role.HR:
        return True
    if user.role == Role.AUDITOR:
        return Denied("Auditors have read-only access.")
    return Denied("Only HR managers change the organisation's sign-in policy.")


@rule("two_factor.manage", "user_session.list")
def _own_two_factor_and_sessions(user, obj=None) -> RuleResult:
    """Everyone may set up (and remove) two-factor sign-in for their own account, and list and end their
    own sessions; auditors too."""
    return True


@rule("user_session.view", "user_session.end")
def _own_session(user, session) -> RuleResult:
    """One's own sessions only; HR ends someone else's all at once from their account page."""
    return session.user_id == user.pk


@scope("user_session")
def _own_sessions(user, queryset):
    return queryset.filter(user=user)
