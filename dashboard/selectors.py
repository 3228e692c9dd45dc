"""Figures and to-dos for the home dashboards. Each is a fixed number of queries, whatever the data size."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse

from accounts.models import Role
from accounts.permissions import is_managing, visible
from competency.models import CommentStatus, Framework, FrameworkVersion, ReviewComment, ReviewInvitation, VersionStatus
from core.db import count_of
from devplans.models import Plan, PlanStatus
from profiles.models import Person, ProfileStatus, Requirement, RoleProfile
from profiles.rules import person_of
from profiles.selectors import profile_sheet

#: Each kind of to-do lists at most this many items; the rest are a link away.
TODO_LIMIT = 10


def organisation_figures() -> dict[str, int]:
    """Three queries: people, frameworks, role profiles."""
    people = Person.objects.aggregate(
        active_count=Count("pk", filter=Q(active=True)),
        total=Count("pk"),
        without_role=Count("pk", filter=Q(active=True, role_profile__isnull=True)),
    )
    def having(status: str) -> Exists:
        return Exists(FrameworkVersion.objects.filter(framework=OuterRef("pk"), status=status))

    frameworks = Framework.objects.aggregate(
        total=Count("pk"),
        published=Count("pk", filter=having(VersionStatus.PUBLISHED)),
        in_review=Count("pk", filter=having(VersionStatus.IN_REVIEW)),
    )
    profiles = RoleProfile.objects.aggregate(
        total=Count("pk"), drafts=Count("pk", filter=Q(status=ProfileStatus.DRAFT))
    )
    return {
        "people_active": people["active_count"], "people_total": people["total"], "people_without_role": people["without_role"],
        "frameworks": frameworks["total"], "frameworks_published": frameworks["published"],
        "frameworks_in_review": frameworks["in_review"],
        "profiles": profiles["total"], "profiles_draft": profiles["drafts"],
    }


@dataclass(frozen=True)
class Todo:
    kind: str
    text: str
    url: str
    detail: str = ""


def todos(user) -> list[Todo]:
    """What waits for this person: reviews to comment on, comments to answer, versions and profiles
    to approve or publish, development plans to submit or to decide. Four queries for HR and quality,
    two for leaders, one for auditors."""
    items: list[Todo] = plan_todos(user)
    invitations = (
        ReviewInvitation.objects.filter(user=user, version__status=VersionStatus.IN_REVIEW)
        .select_related("version__framework")
        .annotate(my_comments=count_of(ReviewComment.objects.filter(version=OuterRef("version_id"), author=user),
                                     "version"))
        .order_by("invited_at")[:TODO_LIMIT]
    )
    for invitation in invitations:
        version = invitation.version
        url = reverse("competency:version_review", args=[version.pk])
        if invitation.my_comments:
            items.append(Todo("review", f"Your review of {version}", url,
                              f"{invitation.my_comments} comment{'s' if invitation.my_comments != 1 else ''} so far"))
        else:
            items.append(Todo("review", f"Comment on {version}", url, "your review is requested"))
    if not is_managing(user):
        return items
    versions = (
        FrameworkVersion.objects.filter(status__in=[VersionStatus.IN_REVIEW, VersionStatus.APPROVED])
        .select_related("framework")
        .annotate(open_comments=count_of(ReviewComment.objects.filter(version=OuterRef("pk"), status=CommentStatus.OPEN),
                                       "version"))
        .order_by("framework__name", "number")[:TODO_LIMIT]
    )
    for version in versions:
        if version.status == VersionStatus.APPROVED:
            items.append(Todo("publish", f"Publish {version}", reverse("competency:version_detail", args=[version.pk]),
                              "approved, not yet in force"))
        elif version.open_comments:
            items.append(Todo("answer", f"Answer {version.open_comments} comment{'s' if version.open_comments != 1 else ''} "
                                        f"on {version}", reverse("competency:version_review", args=[version.pk]),
                              "approval waits for every answer"))
        else:
            items.append(Todo("approve", f"Approve {version}", reverse("competency:version_approve", args=[version.pk]),
                              "in review, no open comments"))
    profiles = (
        RoleProfile.objects.filter(status=ProfileStatus.DRAFT)
        .filter(Exists(Requirement.objects.filter(profile=OuterRef("pk"))))
        .annotate(holders=count_of(Person.objects.filter(role_profile=OuterRef("pk"), active=True), "role_profile"))
        .order_by("name")[:TODO_LIMIT]
    )
    for profile in profiles:
        detail = "changes since revision %d" % profile.revision if profile.revision else "never approved"
        if profile.holders:
            detail += f" · held by {profile.holders}"
        items.append(Todo("approve-profile", f"Approve the role profile {profile.name}",
                          reverse("profiles:profile_approve", args=[profile.pk]), detail))
    return items


def plan_todos(user) -> list[Todo]:
    """The user's own plan while it is a draft (returned or not yet submitted), and the submitted plans
    of the people whose plans they may see (a manager's line; everyone's for HR and quality). One query."""
    if user.role == Role.AUDITOR:
        return []
    plans = (visible(user, "plan", Plan.objects.all())
             .filter(Q(person__user=user, status=PlanStatus.DRAFT) | Q(status=PlanStatus.SUBMITTED) & ~Q(person__user=user))
             .select_related("person__user").order_by("submitted_at", "pk")[:TODO_LIMIT])
    items = []
    for plan in plans:
        url = reverse("devplans:plan_detail", args=[plan.pk])
        if plan.person.user_id == user.pk:
            items.append(Todo("plan-returned", "Your development plan was returned", url, "see the comments, edit, submit again")
                         if plan.returned_comment else Todo("plan-draft", "Submit your development plan", url, "a draft"))
        else:
            items.append(Todo("plan-approve", f"Approve the development plan of {plan.person}",
                              reverse("devplans:approve", args=[plan.pk]),
                              f"submitted {plan.submitted_at:%-d %b %Y}" if plan.submitted_at else "submitted"))
    return items


def leader_overview(user) -> dict:
    person = person_of(user)
    if person is None:
        return {"person": None, "reports": []}
    person = (
        with_profile_acknowledged(Person.objects.select_related(
            "org_unit", "manager__user", "role_profile__framework_version__framework"))
        .filter(pk=person.pk)
        .first()
    )
    reports = list(person.reports.select_related("user", "org_unit", "role_profile").filter(active=True))
    sheet = profile_sheet(person.role_profile, with_extras=False, approved_only=True) if person.role_profile else None
    return {"person": person, "reports": reports, "sheet": sheet}


# --- 360° assessments --------------------------------------------------------------------------------


def open_cycles(limit: int = 5) -> list:
    """Open cycles with their response rates, for HR's and quality's dashboard. One query."""
    from assessments.models import CycleStatus
    from assessments.progress import cycles_for_list, response_rate

    cycles = list(cycles_for_list(CycleStatus.OPEN)[:limit])
    for cycle in cycles:
        cycle.response_rate = response_rate(cycle.submitted_count, cycle.invited_count)
    return cycles


def leader_assessments(person) -> dict:
    """A leader's questionnaires still to answer, the cycles in which they nominate raters, and their
    latest released results (read from the stored cells only)."""
    from assessments.models import CycleStatus, Participant
    from assessments.results import latest_results_for
    from assessments.selectors import my_questionnaires

    if person is None:
        return {}
    pending = my_questionnaires(person).pending
    return {
        "pending_questionnaires": pending[:5],
        "pending_count": len(pending),
        "open_participations": list(Participant.objects.filter(person=person, cycle__status=CycleStatus.OPEN)
                                    .select_related("cycle").order_by("cycle__closes_on")),
        "latest_results": latest_results_for(person),
        "latest_gaps": latest_gaps_for(person),
    }


def latest_gaps_for(person):
    """The person's standing in their newest released cycle's gap analysis, or None. One query."""
    from assessments.models import CycleStatus
    from gaps.models import LeaderGap

    return (LeaderGap.objects.filter(person=person, analysis__current=True, analysis__cycle__status=CycleStatus.RELEASED)
            .select_related("analysis__cycle").order_by("-analysis__cycle__released_at", "-analysis_id").first())


def organisation_gaps(limit: int = 3) -> dict:
    """The newest released cycle's analysis and its largest gaps across the organisation. Two queries."""
    from gaps.models import Aggregate, AggregateKind
    from gaps.selectors import current_analyses

    analysis = current_analyses().first()
    if analysis is None:
        return {}
    top = list(Aggregate.objects.filter(analysis=analysis, kind=AggregateKind.ORGANISATION, competency__isnull=False,
                                        mean_gap__gt=0).select_related("competency")
               .order_by("-mean_gap", "-share_below", "competency__code")[:limit])
    return {"gap_analysis": analysis, "top_gaps": top}


def overdue_training_reviews(user, limit: int = 5) -> dict:
    """The effectiveness reviews past their due date that the user may read (HR, quality and auditors:
    all; a manager: their line's), oldest first, and how many there are. Two queries."""
    from training.selectors_matrix import overdue_count, overdue_reviews

    count = overdue_count(user)
    return {"overdue_reviews": overdue_reviews(user, limit) if count else [], "overdue_review_count": count}


# --- awareness: statements and acknowledgements -------------------------------------------------------


def with_profile_acknowledged(people):
    """`people` annotated with `profile_acknowledged`: whether each has acknowledged their role profile's
    current revision (the leader's home page reads it with the person, in the same query)."""
    from awareness.models import Acknowledgement

    return people.annotate(profile_acknowledged=Exists(Acknowledgement.objects.filter(
        person=OuterRef("pk"), role_profile=OuterRef("role_profile"),
        profile_revision=OuterRef("role_profile__revision"))))


def acknowledgement_todos(person) -> list[Todo]:
    """What `person` has still to acknowledge on /awareness/mine/: each current statement revision that
    applies to them, and their role profile's approved revision. One query (the role profile and whether
    it is acknowledged come with `person`, loaded through `with_profile_acknowledged`)."""
    from awareness.selectors import current_revisions_for

    if person is None:
        return []
    mine = reverse("awareness:mine")
    items = [Todo("acknowledge", f"Acknowledge {revision.statement}, revision {revision.number}",
                  f"{mine}#revision-{revision.pk}",
                  f"{revision.statement.get_kind_display().lower()} · effective {revision.effective_date:%-d %b %Y}")
             for revision in current_revisions_for(person).filter(acknowledged=False)[:TODO_LIMIT]]
    profile = person.role_profile
    if (profile is not None and profile.revision >= 1 and profile.status == ProfileStatus.APPROVED
            and not person.profile_acknowledged):
        items.append(Todo("acknowledge-profile", f"Acknowledge your role profile, revision {profile.revision}",
                          f"{mine}#role-profile", profile.name))
    return items


def statement_todos(user) -> list[Todo]:
    """For HR and quality: approved revisions to publish, and drafts waiting for the signature of someone other
    than their author (segregation of duties: the author's own drafts wait for a colleague). One query."""
    from awareness.models import RevisionStatus, StatementRevision

    revisions = (StatementRevision.objects.filter(status__in=[RevisionStatus.DRAFT, RevisionStatus.APPROVED])
                 .exclude(status=RevisionStatus.DRAFT, created_by=user)
                 .select_related("statement", "created_by").order_by("statement__title", "statement_id")[:TODO_LIMIT])
    items = []
    for revision in revisions:
        if revision.status == RevisionStatus.APPROVED:
            items.append(Todo("publish-statement", f"Publish {revision.statement}, revision {revision.number}",
                              reverse("awareness:statement_detail", args=[revision.statement_id]),
                              "approved, not yet current"))
        else:
            author = revision.created_by.get_full_name() or revision.created_by.email
            items.append(Todo("approve-statement", f"Approve {revision.statement}, revision {revision.number}",
                              reverse("awareness:revision_approve", args=[revision.pk]),
                              f"a draft by {author}, waiting for your signature"))
    return items


def statement_coverage() -> dict | None:
    """Of the acknowledgements the current statement revisions ask of active people, how many are given: the
    figure on HR's and quality's home page (the coverage page breaks it down). One query (awareness counts it
    as the management review does, over today's current revisions); None when no statement is current."""
    from awareness.acknowledgements import statement_counts
    from awareness.models import RevisionStatus, StatementRevision

    counts = statement_counts(StatementRevision.objects.filter(current_for__isnull=False,
                                                               status=RevisionStatus.PUBLISHED))
    if not counts["revisions"]:
        return None
    asked, given = counts["due"], counts["acknowledged"]
    return {"revisions": counts["revisions"], "asked": asked, "given": given,
            "percent": round(100 * given / asked) if asked else None}

