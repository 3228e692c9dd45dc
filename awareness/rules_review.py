"""Who reads the management review and who receives it by email.

HR and quality read the review for any period and create its PDF; auditors read it (read-only, as
everywhere). Leaders and managers have no part in it: 403 with the reason. Quality managers choose how
often the report comes to them by email (HR reads the review but subscribes nobody).
"""

from __future__ import annotations

from accounts.models import Role
from accounts.permissions import Denied, RuleResult, is_reader, rule


@rule("mreview.view")
def _review_view(user, obj=None) -> RuleResult:
    if is_reader(user):
        return True
    return Denied("The management review is for HR, quality and auditors.")


@rule("mreview.subscribe")
def _review_subscribe(user, obj=None) -> RuleResult:
    if user.role == Role.QUALITY:
        return True
    if user.role == Role.AUDITOR:
        return Denied("Auditors have read-only access.")
    return Denied("Quality managers choose the scheduled management review.")
