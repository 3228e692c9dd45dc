"""Who publishes, acknowledges and reads controlled statements and management reviews.

- HR and quality managers write statements and their revisions, approve them by signature (never their own
  revision: segregation of duties), publish them and see coverage and reminders;
- auditors read statements and coverage;
- a leader (any account with a person record) acknowledges the current revisions that apply to them and
  their own role profile's current revision; statements' back office is not theirs (404: they read the
  words on their "waiting" page).
"""

from __future__ import annotations

from accounts.models import Role
from accounts.permissions import Denied, RuleResult, is_reader, managing_only, rule, scope
from profiles.rules import person_of

from . import signing  # noqa: F401  (registers statement revisions with the signature service)


@rule("statement.view")
def _view(user, statement=None) -> RuleResult:
    if is_reader(user):
        return True
    return Denied("Statements are managed by HR and quality; auditors read them.")


@rule("statement.browse", "statement.coverage")
def _browse(user, obj=None) -> RuleResult:
    return _view(user, obj)


@rule("statement.create", "statement.revise", "statement.approve", "statement.publish")
def _manage(user, obj=None) -> RuleResult:
    return managing_only(user, obj)


@rule("statement.acknowledge")
def _acknowledge(user, obj=None) -> RuleResult:
    if person_of(user) is not None:
        return True
    if user.role == Role.AUDITOR:
        return Denied("Auditors have read-only access.")
    return Denied("Acknowledgements are given by leaders: your account is not a person's.")


@scope("statement")
def _visible_statements(user, queryset):
    return queryset if is_reader(user) else queryset.none()
