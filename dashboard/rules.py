"""Everyone signed in has a home page, shaped by their role."""

from accounts.permissions import RuleResult, rule


@rule("dashboard.view")
def _anyone(user, obj=None) -> RuleResult:
    return True
