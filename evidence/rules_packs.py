"""Who asks for, reads and checks evidence packs, and who reads their log.

Packs, their pages and their PDFs (documents kind "pack", rule "pack.view") are for the reading roles:
auditors, HR and quality. Leaders and managers are refused with the reason on the pages without an
object (the request form, the verify page) and are outside a pack's audience (404). Asking for a pack
and checking a file are reads of the organisation's records, so auditors may do both (the read-only
layer lets these two views through: accounts.middleware.AUDITOR_WRITABLE_VIEWS). The log of every
generation and download is HR's.
"""

from __future__ import annotations

from accounts.models import Role
from accounts.permissions import Denied, RuleResult, is_reader, rule


@rule("pack.browse", "pack.view", "pack.request", "pack.verify")
def _readers(user, obj=None) -> RuleResult:
    if is_reader(user):
        return True
    return Denied("Evidence packs are for auditors, HR and quality.")


@rule("pack_log.browse")
def _hr(user, obj=None) -> RuleResult:
    if user.role == Role.HR:
        return True
    return Denied("The log of evidence packs generated and downloaded is read by HR.")
