"""The catalogue's read side: the programme list with each programme's next session that has free places,
and a programme's sessions with their places taken and free. Counts are correlated subqueries, so a page
asks the same number of queries however many programmes, sessions and enrolments there are.

Free places = capacity − enrolments with status "enrolled" (waiting and requested ones hold no place)."""

from __future__ import annotations

from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from core.db import count_of

from .models import Enrolment, EnrolmentStatus, Prerequisite, Programme, ProgrammeTarget, Session


def sessions_with_places(queryset: QuerySet | None = None) -> QuerySet:
    """Sessions annotated with `taken` (enrolled), `waiting` (on the waiting list) and `free` places."""
    queryset = Session.objects.all() if queryset is None else queryset
    return queryset.annotate(
        taken=count_of(Enrolment.objects.filter(session=OuterRef("pk"), status=EnrolmentStatus.ENROLLED), "session"),
        waiting=count_of(Enrolment.objects.filter(session=OuterRef("pk"), status=EnrolmentStatus.WAITING), "session"),
    ).annotate(free=F("capacity") - F("taken"))


def _next_open_session(now) -> Subquery:
    return Subquery(
        sessions_with_places(Session.objects.filter(programme=OuterRef("pk"), cancelled=False, starts_at__gt=now))
        .filter(free__gt=0).order_by("starts_at", "pk").values("pk")[:1])


def programme_list(*, kind: str = "", active: bool | None = True, competency: str = "", q: str = "") -> list[Programme]:
    """Programmes (filtered), each with `target_rows` (competency and level), `next_session` (the next
    session that is not cancelled and has a free place, annotated as in `sessions_with_places`) or None."""
    now = timezone.now()
    programmes = Programme.objects.all()
    if kind:
        programmes = programmes.filter(kind=kind)
    if active is not None:
        programmes = programmes.filter(active=active)
    if competency:
        programmes = programmes.filter(pk__in=ProgrammeTarget.objects.filter(competency__code__iexact=competency)
                                       .values("programme"))
    if q:
        matching_targets = ProgrammeTarget.objects.filter(
            Q(competency__code__icontains=q) | Q(competency__name__icontains=q)).values("programme")
        programmes = programmes.filter(Q(title__icontains=q) | Q(provider__icontains=q) | Q(description__icontains=q)
                                       | Q(pk__in=matching_targets))
    programmes = list(programmes.annotate(next_session_id=_next_open_session(now)).prefetch_related(
        Prefetch("targets", queryset=ProgrammeTarget.objects.select_related("competency").order_by("competency__code"),
                 to_attr="target_rows")))
    wanted = [p.next_session_id for p in programmes if p.next_session_id]
    sessions = {s.pk: s for s in sessions_with_places(Session.objects.filter(pk__in=wanted))} if wanted else {}
    for programme in programmes:
        programme.next_session = sessions.get(programme.next_session_id)
    return programmes


def programme_sheet(programme: Programme) -> dict:
    """What the programme's page shows: targets, prerequisites and its sessions, upcoming and past."""
    now = timezone.now()
    sessions = list(sessions_with_places(programme.sessions.all()).order_by("starts_at", "pk"))
    return {
        "targets": list(ProgrammeTarget.objects.filter(programme=programme)
                        .select_related("competency__version__framework").order_by("competency__code")),
        "prerequisites": list(Prerequisite.objects.filter(programme=programme)
                              .select_related("competency__version__framework").order_by("competency__code")),
        "upcoming": [s for s in sessions if s.ends_at > now],
        "past": [s for s in sessions if s.ends_at <= now][::-1],
    }


def session_with_places(pk: int) -> QuerySet:
    return sessions_with_places(Session.objects.filter(pk=pk).select_related("programme", "created_by"))
