"""Who uses the auditor's landing page, its samples and the log of what auditors opened.

The landing page, sampling and the samples drawn (with their log) are for the reading roles: auditors,
HR and quality. Leaders and managers are refused with the reason (the page is not theirs), and a
logged sample is outside their audience (404). The access log — every page an auditor opened — is
HR's: it watches the auditors' use of their access (quality and auditors themselves are refused).
"""

from __future__ import annotations

from accounts.models import Role
from accounts.permissions import Denied, RuleResult, is_reader, rule


@rule("sampling.browse", "sampling.view", "sampling.draw")
def _readers(user, obj=None) -> RuleResult:
    if is_reader(user):
        return True
    return Denied("The auditor's landing page and its samples are for auditors, HR and quality.")


@rule("access_log.browse")
def _hr(user, obj=None) -> RuleResult:
    if user.role == Role.HR:
        return True
    return Denied("The log of what auditors opened is read by HR.")
