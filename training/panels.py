"""Training's panel on a leader's gaps page (registered with gaps.panels): for each competency the
leader falls short in, the programmes recommended for it, ranked as `recommendations.recommend`
ranks them. Four queries for the whole page, whatever the number of gaps or programmes."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Q
from django.utils import timezone

from gaps.models import BELOW

from .models import EnrolmentStatus, Prerequisite, Programme, ProgrammeTarget, Session
from .recommendations import PrerequisiteCheck, Recommendation


def recommendations_panel(request, gaps) -> tuple[str, dict] | None:
    below = [line for line in gaps.lines if line.status in BELOW]
    if not below:
        return None
    framework_id = gaps.participant.cycle.framework_version.framework_id
    observed = {line.code: line.observed for line in gaps.lines}
    targets = list(ProgrammeTarget.objects.filter(
        programme__active=True, competency__code__in={line.code for line in below},
        competency__version__framework_id=framework_id,
    ).values_list("programme_id", "competency__code", "level", "programme__title").order_by("level", "pk"))
    if not targets:
        return "training/_gap_recommendations.html", {"rows": [(line, []) for line in below]}
    programmes = {pk: None for pk, _code, _level, _title in targets}
    loaded = {p.pk: p for p in Programme.objects.filter(pk__in=programmes)}
    prerequisites: dict[int, list[PrerequisiteCheck]] = defaultdict(list)
    for programme_id, code, name, level in Prerequisite.objects.filter(programme_id__in=programmes).values_list(
            "programme_id", "competency__code", "competency__name", "level"):
        prerequisites[programme_id].append(PrerequisiteCheck(code, name, level, observed.get(code)))
    next_session: dict[int, tuple[Session, int]] = {}
    for session in (Session.objects.filter(programme_id__in=programmes, cancelled=False, starts_at__gt=timezone.now())
                    .annotate(taken=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ENROLLED)))
                    .order_by("starts_at", "pk")):
        if session.programme_id not in next_session and session.taken < session.capacity:
            next_session[session.programme_id] = (session, session.capacity - session.taken)
    rows = []
    for line in below:
        found = []
        for programme_id, code, level, _title in targets:
            if code != line.code or level < line.required or programme_id not in loaded:
                continue
            session, free = next_session.get(programme_id, (None, 0))
            found.append(Recommendation(programme=loaded[programme_id], target_level=level,
                                        prerequisites=prerequisites.get(programme_id, []), next_session=session,
                                        free_places=free))
        rows.append((line, sorted(found, key=lambda r: r.rank(line.required))))
    return "training/_gap_recommendations.html", {"rows": rows}


def expired_certificates_panel(request, gaps) -> tuple[str, dict] | None:
    """Expired certificates flagged beside a leader's gaps (the issue: wherever competence is shown).
    One query."""
    from .models import Certificate

    expired = list(Certificate.objects.filter(person_id=gaps.participant.person_id, expires_on__lt=timezone.localdate())
                   .order_by("expires_on", "pk").values_list("title", "issuer", "expires_on"))
    if not expired:
        return None
    return "training/_expired_certificates.html", {"expired": expired, "person": gaps.participant.person}
