"""Who reads the evidence for auditors: HR, quality and auditors (an auditor outside their access
window is refused sign-in and every request before any rule is asked). Leaders and managers are
refused with the reason (403), as the organisation's gap analyses refuse them; a forged id is 404.

The parts' own rules live in rules_<part>.py, imported from `EvidenceConfig.ready()`."""

from __future__ import annotations

from accounts.permissions import Denied, RuleResult, is_reader, rule

READERS_ONLY = ("Evidence for auditors is read by HR, quality and auditors. "
                "Your own records are under your profile and your development plan.")


@rule("dossier.read", "dossier.view", "dossier.matrix")
def _readers(user, obj=None) -> RuleResult:
    return True if is_reader(user) else Denied(READERS_ONLY)
