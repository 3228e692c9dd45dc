"""Training's panel on a leader's gaps page (registered with gaps.panels): for each competency the
leader falls short in, the programmes recommended for it, ranked as `recommendations.recommend`
ranks them (`recommendations.recommend_for`). Three queries for the whole page, whatever the number of
gaps or programmes; one when no programme aims at any of them."""

from __future__ import annotations

from django.utils import timezone

from gaps.models import BELOW

from .recommendations import recommend_for


def recommendations_panel(request, gaps) -> tuple[str, dict] | None:
    below = [line for line in gaps.lines if line.status in BELOW]
    if not below:
        return None
    framework_id = gaps.participant.cycle.framework_version.framework_id
    found = recommend_for(framework_id, [(line.code, line.required) for line in below],
                          {(framework_id, line.code): line.observed for line in gaps.lines})
    return "training/_gap_recommendations.html", {"rows": [(line, found.get(line.code, [])) for line in below]}


def expired_certificates_panel(request, gaps) -> tuple[str, dict] | None:
    """Expired certificates flagged beside a leader's gaps (the issue: wherever competence is shown).
    One query."""
    from .models import Certificate

    expired = list(Certificate.objects.filter(person_id=gaps.participant.person_id, expires_on__lt=timezone.localdate())
                   .order_by("expires_on", "pk").values_list("title", "issuer", "expires_on"))
    if not expired:
        return None
    return "training/_expired_certificates.html", {"expired": expired, "person": gaps.participant.person}
