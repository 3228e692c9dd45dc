"""The read side of a running cycle: how far each leader's raters are, for HR's pages and the leader's.

Counts are grouped in the database, once per page: one query for a cycle's totals, one for the
leaders of a page. Nothing here reads an answer. What a leader or their manager may see of their own
raters is `leader_total` (one number of one total) and `nominations` (who was nominated and what was
decided, never whether they answered).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q, QuerySet

from core.db import count_of
from core.pagination import url_for_each
from profiles.models import OrgUnit, Person
from profiles.selectors import unit_and_below

from .models import (
    ANONYMOUS_GROUPS,
    NOMINATED_GROUPS,
    Cycle,
    Group,
    Participant,
    Questionnaire,
    QuestionnaireStatus,
)

S = QuestionnaireStatus
#: Questionnaires handed to their rater (a nomination awaiting a decision, or rejected, is not).
INVITED = (S.PENDING, S.STARTED, S.SUBMITTED, S.DECLINED)
GROUP_ORDER = (Group.SELF, Group.MANAGER, Group.PEER, Group.DIRECT, Group.EXTERNAL)


@dataclass
class Counts:
    """One group's questionnaires (or all of them) by where they stand."""

    pending: int = 0
    started: int = 0
    submitted: int = 0
    declined: int = 0
    nominated: int = 0
    rejected: int = 0

    _FIELDS = {S.PENDING: "pending", S.STARTED: "started", S.SUBMITTED: "submitted", S.DECLINED: "declined",
               S.NOMINATED: "nominated", S.REJECTED: "rejected"}

    def add(self, status: str, n: int) -> None:
        name = self._FIELDS[status]
        setattr(self, name, getattr(self, name) + n)

    @property
    def invited(self) -> int:
        return self.pending + self.started + self.submitted + self.declined

    @property
    def response_rate(self) -> int | None:
        """Submitted as a whole percentage of the invited, or None when nobody was invited."""
        return round(100 * self.submitted / self.invited) if self.invited else None


@dataclass
class GroupLine:
    group: str
    label: str
    counts: Counts


@dataclass
class Progress:
    groups: dict[str, Counts] = field(default_factory=lambda: {group: Counts() for group in GROUP_ORDER})
    total: Counts = field(default_factory=Counts)

    def add(self, group: str, status: str, n: int) -> None:
        self.groups[group].add(status, n)
        self.total.add(status, n)

    def lines(self) -> list[GroupLine]:
        return [GroupLine(group, Group(group).label, self.groups[group]) for group in GROUP_ORDER]

    def under_threshold(self, cycle: Cycle) -> list[str]:
        """Anonymous groups with raters invited but fewer answers than the group's threshold."""
        return [Group(group).label for group in ANONYMOUS_GROUPS
                if self.groups[group].invited and self.groups[group].submitted < cycle.threshold(group)]


def cycle_progress(cycle: Cycle) -> Progress:
    """Every questionnaire of the cycle counted by group and status. One grouped query."""
    progress = Progress()
    rows = (Questionnaire.objects.filter(participant__cycle=cycle).order_by()
            .values_list("group", "status").annotate(n=Count("pk")))
    for group, status, n in rows:
        progress.add(group, status, n)
    return progress


# --- the cycle list --------------------------------------------------------------------------------


def cycles_for_list(status: str = "") -> QuerySet[Cycle]:
    """Cycles with their leaders, invited and submitted questionnaires counted by subqueries (a join
    would multiply one count by the other)."""
    cycles = Cycle.objects.select_related("framework_version__framework")
    if status:
        cycles = cycles.filter(status=status)
    return cycles.annotate(
        leader_count=count_of(Participant.objects.filter(cycle=OuterRef("pk")), "cycle"),
        invited_count=count_of(Questionnaire.objects.filter(participant__cycle=OuterRef("pk"), status__in=INVITED),
                               "participant__cycle"),
        submitted_count=count_of(Questionnaire.objects.filter(participant__cycle=OuterRef("pk"), status=S.SUBMITTED),
                                 "participant__cycle"),
    ).order_by("-opens_on", "name", "pk")


def response_rate(submitted: int, invited: int) -> int | None:
    return round(100 * submitted / invited) if invited else None


# --- leaders of a cycle ----------------------------------------------------------------------------


def matching_people(value: str) -> QuerySet[Person]:
    """People whose name or email contains every word, or whose employee id is one of the words."""
    people = Person.objects.all()
    for word in value.split()[:5]:
        people = people.filter(Q(user__first_name__icontains=word) | Q(user__last_name__icontains=word)
                               | Q(user__email__icontains=word) | Q(employee_id__iexact=word))
    return people


#: The filter of the progress page: where a leader's raters stand.
STATES = [
    ("nominating", "Nominations not yet submitted"),
    ("awaiting", "Nominations awaiting a decision"),
    ("under_threshold", "A group under its threshold"),
    ("outstanding", "Questionnaires outstanding"),
    ("complete", "Every questionnaire answered or declined"),
]


def _of_participant(**lookups) -> QuerySet[Questionnaire]:
    return Questionnaire.objects.filter(participant=OuterRef("pk"), **lookups)


def leaders_of(cycle: Cycle, *, unit: OrgUnit | None = None, with_sub_units: bool = True, state: str = "",
               q: str = "") -> QuerySet[Participant]:
    """The cycle's leaders narrowed by org unit, state and a search, in name order."""
    leaders = Participant.objects.filter(cycle=cycle)
    if unit is not None:
        units = unit_and_below(unit.pk) if with_sub_units else {unit.pk}
        leaders = leaders.filter(person__org_unit_id__in=units)
    if q.strip():
        leaders = leaders.filter(person__in=matching_people(q).values("pk"))
    if state == "nominating":
        leaders = leaders.filter(nominations_submitted_at__isnull=True)
    elif state == "awaiting":
        leaders = leaders.filter(pk__in=Questionnaire.objects.filter(participant__cycle=cycle, status=S.NOMINATED)
                                 .values("participant_id"))
    elif state == "outstanding":
        leaders = leaders.filter(pk__in=Questionnaire.objects.filter(
            participant__cycle=cycle, status__in=(S.PENDING, S.STARTED)).values("participant_id"))
    elif state == "complete":
        leaders = leaders.exclude(pk__in=Questionnaire.objects.filter(
            participant__cycle=cycle, status__in=(S.PENDING, S.STARTED, S.NOMINATED)).values("participant_id"))
    elif state == "under_threshold":
        condition = Q()
        annotations = {}
        for group in ANONYMOUS_GROUPS:
            annotations[f"invited_{group}"] = count_of(_of_participant(group=group, status__in=INVITED), "participant")
            annotations[f"submitted_{group}"] = count_of(_of_participant(group=group, status=S.SUBMITTED), "participant")
            condition |= Q(**{f"invited_{group}__gt": 0, f"submitted_{group}__lt": cycle.threshold(group)})
        leaders = leaders.annotate(**annotations).filter(condition)
    return leaders.order_by("person__sort_last_name", "person__sort_first_name", "person_id")


@dataclass
class LeaderRow:
    pk: int
    url: str
    person_id: int
    name: str
    email: str
    employee_id: str
    unit: str
    manager: str
    nominations_submitted: bool
    progress: Progress
    under_threshold: list[str]
    role: str = ""
    profile_approved: bool = True


def leader_rows(cycle: Cycle, pks: list[int]) -> list[LeaderRow]:
    """The leaders of one page with their questionnaires counted by group and status. Two queries: the
    leaders, and one grouped count over the questionnaires of those leaders."""
    url = url_for_each("assessments:participant_detail")
    progress: dict[int, Progress] = {pk: Progress() for pk in pks}
    counts = (Questionnaire.objects.filter(participant_id__in=pks).order_by()
              .values_list("participant_id", "group", "status").annotate(n=Count("pk")))
    for participant_id, group, status, n in counts:
        progress[participant_id].add(group, status, n)
    rows = Participant.objects.filter(pk__in=pks).values_list(
        "pk", "person_id", "person__user__first_name", "person__user__last_name", "person__user__email",
        "person__employee_id", "person__org_unit__name", "manager__user__first_name", "manager__user__last_name",
        "person__manager__user__first_name", "person__manager__user__last_name", "nominations_submitted_at",
    )
    result = []
    for (pk, person_id, first, last, email, employee_id, unit, m_first, m_last, pm_first, pm_last,
         submitted_at) in rows:
        manager = f"{m_first or ''} {m_last or ''}".strip() or f"{pm_first or ''} {pm_last or ''}".strip()
        result.append(LeaderRow(
            pk=pk, url=url(pk), person_id=person_id, name=f"{first} {last}".strip() or email, email=email,
            employee_id=employee_id, unit=unit, manager=manager, nominations_submitted=submitted_at is not None,
            progress=progress[pk], under_threshold=progress[pk].under_threshold(cycle),
        ))
    return result


def draft_leader_rows(cycle: Cycle, pks: list[int]) -> list[LeaderRow]:
    """The leaders of one page of a draft cycle, with their role profile and whether it is approved
    against the cycle's version. One query."""
    url = url_for_each("assessments:participant_detail")
    rows = Participant.objects.filter(pk__in=pks).values_list(
        "pk", "person_id", "person__user__first_name", "person__user__last_name", "person__user__email",
        "person__employee_id", "person__org_unit__name", "person__manager__user__first_name",
        "person__manager__user__last_name", "person__role_profile__name", "person__role_profile__revision",
        "person__role_profile__framework_version_id", "person__active",
    )
    result = []
    for (pk, person_id, first, last, email, employee_id, unit, m_first, m_last, role, revision, version_id,
         active) in rows:
        result.append(LeaderRow(
            pk=pk, url=url(pk), person_id=person_id, name=f"{first} {last}".strip() or email, email=email,
            employee_id=employee_id, unit=unit, manager=f"{m_first or ''} {m_last or ''}".strip(),
            nominations_submitted=False, progress=Progress(), under_threshold=[], role=role or "",
            profile_approved=bool(active and revision and version_id == cycle.framework_version_id),
        ))
    return result


def without_approved_profile(leaders: QuerySet[Participant], cycle: Cycle) -> QuerySet[Participant]:
    """Leaders of a draft that opening would refuse: no approved profile against the cycle's version,
    or no longer active."""
    return leaders.filter(
        Q(person__role_profile__isnull=True) | Q(person__role_profile__revision=0)
        | ~Q(person__role_profile__framework_version_id=cycle.framework_version_id) | Q(person__active=False)
    )


# --- one leader ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Total:
    """How many of a leader's raters (self left out) have answered: the only figure the leader sees."""

    answered: int
    asked: int


def leader_total(participant: Participant) -> Total:
    """One total over every rater of the leader but themself. One query."""
    figures = Questionnaire.objects.filter(participant=participant, status__in=INVITED).exclude(
        group=Group.SELF).aggregate(asked=Count("pk"), answered=Count("pk", filter=Q(status=S.SUBMITTED)))
    return Total(answered=figures["answered"], asked=figures["asked"])


@dataclass
class RaterRow:
    """A rater as HR, quality and auditors see them: who, in which group, where they stand. No answers."""

    pk: int
    name: str
    email: str
    group: str
    group_label: str
    status: str
    status_label: str
    decline_reason: str
    invited_at: object
    submitted_at: object
    external: bool


def raters(participant: Participant) -> list[RaterRow]:
    """Every questionnaire about the leader, in group order, then by name. One query."""
    questionnaires = (Questionnaire.objects.filter(participant=participant)
                      .select_related("rater__user").order_by("pk"))
    rows = [
        RaterRow(pk=q.pk, name=q.rater_name, email=q.rater.user.email if q.rater_id else q.external_email,
                 group=q.group, group_label=q.get_group_display(), status=q.status, status_label=q.get_status_display(),
                 decline_reason=q.decline_reason, invited_at=q.invited_at, submitted_at=q.submitted_at,
                 external=not q.rater_id)
        for q in questionnaires
    ]
    return sorted(rows, key=lambda row: (GROUP_ORDER.index(row.group), row.name.lower(), row.pk))


class NominationState:
    AWAITING = "awaiting"
    APPROVED = "approved"
    REJECTED = "rejected"
    LABELS = {AWAITING: "Awaiting a decision", APPROVED: "Approved", REJECTED: "Rejected"}


@dataclass
class NominationRow:
    """A nomination as the leader and their manager see it: who, and what was decided. Whether the rater
    has answered, started or declined is not in it."""

    pk: int
    name: str
    email: str
    group: str
    group_label: str
    state: str
    state_label: str
    external: bool

    @property
    def awaiting(self) -> bool:
        return self.state == NominationState.AWAITING


def _nomination_state(status: str) -> str:
    if status == S.NOMINATED:
        return NominationState.AWAITING
    if status == S.REJECTED:
        return NominationState.REJECTED
    return NominationState.APPROVED


@dataclass
class GroupNominations:
    group: str
    label: str
    fewest: int
    most: int
    rows: list[NominationRow]

    @property
    def taken(self) -> int:
        return sum(1 for row in self.rows if row.state != NominationState.REJECTED)

    @property
    def short(self) -> int:
        return max(0, self.fewest - self.taken)

    @property
    def room(self) -> int:
        return max(0, self.most - self.taken)


def nominations(participant: Participant) -> list[GroupNominations]:
    """The nominated groups (peers, external) with their nominations and the cycle's range. One query."""
    cycle = participant.cycle
    rows: dict[str, list[NominationRow]] = {group: [] for group in NOMINATED_GROUPS}
    for q in (Questionnaire.objects.filter(participant=participant, group__in=NOMINATED_GROUPS)
              .select_related("rater__user").order_by("pk")):
        state = _nomination_state(q.status)
        rows[q.group].append(NominationRow(
            pk=q.pk, name=q.rater_name, email="" if q.rater_id else q.external_email, group=q.group,
            group_label=q.get_group_display(), state=state, state_label=NominationState.LABELS[state],
            external=not q.rater_id))
    return [GroupNominations(group, "Peers" if group == Group.PEER else "External raters",
                             *cycle.nomination_range(group), rows[group]) for group in NOMINATED_GROUPS]


@dataclass(frozen=True)
class Candidate:
    pk: int
    name: str
    unit: str


def nomination_candidates(participant: Participant, q: str, *, limit: int = 20) -> list[Candidate]:
    """Active colleagues matching the search whom the leader could nominate as peers: not themself,
    their manager, their reports, or anyone already rating them. One query."""
    if len(q.strip()) < 2:
        return []
    leader = participant.person
    excluded = {leader.pk} | {pk for pk in (participant.manager_id, leader.manager_id) if pk}
    people = (matching_people(q).filter(active=True).exclude(pk__in=excluded).exclude(manager_id=leader.pk)
              .exclude(pk__in=Questionnaire.objects.filter(participant=participant, rater__isnull=False)
                       .values("rater_id"))
              .order_by(*Person.LIST_ORDER)
              .values_list("pk", "user__first_name", "user__last_name", "user__email", "org_unit__name")[:limit])
    return [Candidate(pk, f"{first} {last}".strip() or email, unit) for pk, first, last, email, unit in people]
