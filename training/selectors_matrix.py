"""The read side of effectiveness reviews and of the training matrix: a fixed number of queries
whatever the number of people, reviews or competencies.

Observed levels come from the gap analyses (`gaps.models.RequirementGap`, the current analysis of a
released cycle); a competency is matched across framework versions by its code within its framework,
as gap trends match them. Attendance is never shown as competence: the matrix says what training a
person had and whether a review found it effective, and the observed level beside it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import F, QuerySet
from django.utils import timezone

from accounts.permissions import is_reader, visible
from assessments.models import CycleStatus
from core.pagination import url_for_each
from gaps.models import RequirementGap
from profiles.models import Person

from .models import Certificate, EffectivenessReview, Enrolment, EnrolmentStatus, Experience, Qualification, SignOff

# --- effectiveness reviews ------------------------------------------------------------------------------

REVIEW_STATES = (("due", "Due"), ("overdue", "Overdue"), ("done", "Recorded"))


def reviews_for(user) -> QuerySet[EffectivenessReview]:
    """The reviews `user` may read: all for HR, quality and auditors; the rows of their own line (and
    their own) for a manager or leader."""
    reviews = EffectivenessReview.objects.all()
    if not is_reader(user):
        reviews = reviews.filter(enrolment__in=visible(user, "record", Enrolment.objects.all()).values("pk"))
    return reviews


def filter_state(reviews: QuerySet, state: str, today: date | None = None) -> QuerySet:
    today = today or timezone.localdate()
    if state == "due":
        return reviews.filter(reviewed_on__isnull=True, due_on__gte=today)
    if state == "overdue":
        return reviews.filter(reviewed_on__isnull=True, due_on__lt=today)
    if state == "done":
        return reviews.filter(reviewed_on__isnull=False)
    return reviews


def review_rows(reviews: QuerySet) -> QuerySet[EffectivenessReview]:
    return reviews.select_related("enrolment__person__user", "enrolment__session__programme", "competency",
                                  "reviewed_by").order_by(F("reviewed_on").asc(nulls_first=True), "due_on", "pk")


def overdue_reviews(user, limit: int = 5) -> list[EffectivenessReview]:
    """The oldest overdue reviews `user` may read (for dashboards): HR, quality and auditors see all, a
    manager their line's. One query."""
    return list(review_rows(filter_state(reviews_for(user), "overdue")).order_by("due_on", "pk")[:limit])


def overdue_count(user) -> int:
    return filter_state(reviews_for(user), "overdue").count()


@dataclass(frozen=True)
class LaterLevel:
    observed: Decimal | None
    cycle: str
    released_on: date


def later_levels(reviews: list[EffectivenessReview]) -> dict[int, LaterLevel]:
    """Per review, the observed level of its competency in the newest released cycle (its current gap
    analysis) released after the training was completed, if any. One query for any number of reviews."""
    if not reviews:
        return {}
    people = {review.enrolment.person_id for review in reviews}
    codes = {review.competency.code for review in reviews}
    rows = (RequirementGap.objects
            .filter(analysis__current=True, analysis__cycle__status=CycleStatus.RELEASED,
                    participant__person_id__in=people, competency__code__in=codes)
            .order_by("-analysis__cycle__released_at", "-analysis_id")
            .values_list("participant__person_id", "competency__code", "competency__version__framework_id",
                         "observed", "analysis__cycle__name", "analysis__cycle__released_at"))
    newest: dict[tuple, list] = defaultdict(list)
    for person_id, code, framework_id, observed, cycle, released_at in rows:
        newest[(person_id, code, framework_id)].append((observed, cycle, timezone.localdate(released_at)))
    found = {}
    for review in reviews:
        completed = review.enrolment.completed_on
        for observed, cycle, released_on in newest.get(
                (review.enrolment.person_id, review.competency.code, review.competency.version.framework_id), []):
            if completed is not None and released_on > completed:
                found[review.pk] = LaterLevel(observed, cycle, released_on)
                break
    return found


# --- the training matrix -------------------------------------------------------------------------------


class Status:
    NONE = "none"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    INEFFECTIVE = "ineffective"
    EFFECTIVE = "effective"


#: What the matrix says, strongest first: a review's finding outweighs a completion, which outweighs
#: training under way or planned.
STATUS_RANK = (Status.EFFECTIVE, Status.INEFFECTIVE, Status.COMPLETED, Status.IN_PROGRESS, Status.PLANNED, Status.NONE)
STATUS_LABEL = {
    Status.EFFECTIVE: "Effective (reviewed)", Status.INEFFECTIVE: "Not effective (reviewed)",
    Status.COMPLETED: "Completed, review pending", Status.IN_PROGRESS: "In progress", Status.PLANNED: "Planned",
    Status.NONE: "None",
}
NO_EVIDENCE = "none"
ATTENDANCE_ONLY = "attendance only (not evidence)"
_PLANNED = (EnrolmentStatus.REQUESTED, EnrolmentStatus.WAITING, EnrolmentStatus.ENROLLED)


@dataclass
class MatrixLine:
    code: str
    name: str
    required: int
    observed: Decimal | None
    status: str
    expires_on: date | None
    expired: bool
    #: The kinds of evidence of competence present, in words; empty when there is none.
    evidence: list[str] = field(default_factory=list)
    #: A completed training exists (attendance, which alone is never evidence).
    attended: bool = False

    @property
    def status_label(self) -> str:
        return STATUS_LABEL[self.status]

    @property
    def evidence_label(self) -> str:
        """What the Evidence column says: the kinds present, or that there is none — and when the only
        thing there is a completed training without an effective review, that attendance is not evidence."""
        if self.evidence:
            return "; ".join(self.evidence)
        return ATTENDANCE_ONLY if self.attended else NO_EVIDENCE


@dataclass
class MatrixPerson:
    pk: int
    url: str
    name: str
    employee_id: str
    unit: str
    role: str
    cycle: str
    lines: list[MatrixLine] = field(default_factory=list)


def matrix_people(user, *, units: set[int] | None = None, role_profile: int | None = None) -> QuerySet[Person]:
    """The active people with a role profile that `user` may see, in list order (filters applied)."""
    people = visible(user, "person", Person.objects.filter(active=True, role_profile__isnull=False))
    if units is not None:
        people = people.filter(org_unit_id__in=units)
    if role_profile is not None:
        people = people.filter(role_profile_id=role_profile)
    return people.order_by(*Person.LIST_ORDER)


def matrix_rows(pks: list[int], today: date | None = None) -> list[MatrixPerson]:
    """The matrix of the people `pks` (one page), in the order given. Eight queries whatever their number:
    the people, observed levels, enrolments, reviews, and one per kind of evidence (certificates,
    qualifications, experience, sign-offs).

    Evidence per requirement (attendance alone never counts): a verified certificate (valid, or "expired
    on …" in words), a qualification not expired, experience, a sign-off at or above the required level,
    an effectiveness review that found the training effective. Matched by competency code within the
    framework of the person's role, as the levels and the training are."""
    today = today or timezone.localdate()
    now = timezone.now()
    url = url_for_each("profiles:person_detail")
    people = {}
    frameworks = {}
    requirements = {}
    for pk, first, last, email, employee_id, unit, role, reqs, framework_id in Person.objects.filter(
            pk__in=pks).values_list("pk", "user__first_name", "user__last_name", "user__email", "employee_id",
                                    "org_unit__name", "role_profile__name", "role_profile__approved_requirements",
                                    "role_profile__framework_version__framework_id"):
        people[pk] = MatrixPerson(pk=pk, url=url(pk), name=f"{first} {last}".strip() or email,
                                  employee_id=employee_id, unit=unit, role=role or "", cycle="")
        frameworks[pk] = framework_id
        requirements[pk] = sorted(reqs or [], key=lambda r: (r.get("area_position", 0), r.get("position", 0),
                                                             r.get("code", "")))

    def ours(person_id, framework_id) -> bool:
        return framework_id == frameworks.get(person_id)

    # Observed levels: the newest current analysis of a released cycle each person was in.
    observed = observed_levels(people, ours)

    # Training per competency, from enrolments (through the programmes' targets) and reviews.
    status: dict[tuple[int, str], str] = {}
    attended: set[tuple[int, str]] = set()

    def note(key, value):
        if STATUS_RANK.index(value) < STATUS_RANK.index(status.get(key, Status.NONE)):
            status[key] = value

    for person_id, state, starts_at, code, framework_id in (
            Enrolment.objects.filter(person_id__in=pks, status__in=(*_PLANNED, EnrolmentStatus.COMPLETED),
                                     session__programme__targets__isnull=False)
            .values_list("person_id", "status", "session__starts_at", "session__programme__targets__competency__code",
                         "session__programme__targets__competency__version__framework_id")):
        if not ours(person_id, framework_id):
            continue
        if state == EnrolmentStatus.COMPLETED:
            note((person_id, code), Status.COMPLETED)
            attended.add((person_id, code))
        elif state == EnrolmentStatus.ENROLLED and starts_at <= now:
            note((person_id, code), Status.IN_PROGRESS)
        else:
            note((person_id, code), Status.PLANNED)
    for person_id, code, framework_id, effective in (
            EffectivenessReview.objects.filter(enrolment__person_id__in=pks, reviewed_on__isnull=False)
            .values_list("enrolment__person_id", "competency__code", "competency__version__framework_id", "effective")):
        if ours(person_id, framework_id):
            note((person_id, code), Status.EFFECTIVE if effective else Status.INEFFECTIVE)
            attended.add((person_id, code))  # a review is of a completed training

    # Certificates: the earliest expiry among those supporting the competency (verified or not), and, as
    # evidence, the verified ones — valid, or the latest expiry when every one has expired.
    expiry: dict[tuple[int, str], date] = {}
    certified: dict[tuple[int, str], date | None] = {}  # the latest expiry of a verified one (None: never expires)
    for person_id, code, framework_id, expires_on, verified_at in (
            Certificate.objects.filter(person_id__in=pks, competencies__isnull=False)
            .values_list("person_id", "competencies__code", "competencies__version__framework_id", "expires_on",
                         "verified_at")):
        if not ours(person_id, framework_id):
            continue
        key = (person_id, code)
        if expires_on is not None and (key not in expiry or expires_on < expiry[key]):
            expiry[key] = expires_on
        if verified_at is not None:
            if key not in certified:
                certified[key] = expires_on
            elif certified[key] is not None and (expires_on is None or expires_on > certified[key]):
                certified[key] = expires_on

    def matched(queryset, *, code="competencies__code", framework="competencies__version__framework_id"):
        return {(person_id, c) for person_id, c, framework_id in queryset.values_list("person_id", code, framework)
                if ours(person_id, framework_id)}

    qualified = matched(Qualification.objects.filter(person_id__in=pks, competencies__isnull=False)
                        .exclude(expires_on__lt=today))
    experienced = matched(Experience.objects.filter(person_id__in=pks, competencies__isnull=False))
    signed: dict[tuple[int, str], int] = {}  # the highest level signed off
    for person_id, code, framework_id, level in SignOff.objects.filter(person_id__in=pks).values_list(
            "person_id", "competency__code", "competency__version__framework_id", "level"):
        if ours(person_id, framework_id) and level > signed.get((person_id, code), 0):
            signed[(person_id, code)] = level

    return fill_lines(pks, people, requirements, day=today, observed=observed, status=status, expiry=expiry,
                      attended=attended, certified=certified, qualified=qualified, experienced=experienced,
                      signed=signed)


MATRIX_HEADER = ["Employee id", "Name", "Org unit", "Role", "Competency code", "Competency", "Required level",
                 "Observed level", "Observed in", "Training", "Certificate expires", "Certificate expired", "Evidence"]


def observed_levels(people: dict, ours, moment: datetime | None = None) -> dict[tuple[int, str], Decimal | None]:
    """{(person id, competency code): observed level} from the newest current analysis of a released
    cycle each of `people` ({pk: MatrixPerson}, whose `cycle` is set to that cycle's name) was in, for
    the competencies `ours(person id, framework id)` admits; with `moment`, among the cycles released
    and the analyses finished by then. One query."""
    rows = RequirementGap.objects.filter(participant__person_id__in=list(people), analysis__current=True,
                                         analysis__cycle__status=CycleStatus.RELEASED)
    if moment is not None:
        rows = rows.filter(analysis__finished_at__lte=moment, analysis__cycle__released_at__lte=moment)
    observed: dict[tuple[int, str], Decimal | None] = {}
    newest: dict[int, int] = {}
    for person_id, analysis_id, cycle, code, framework_id, level in (
            rows.order_by("-analysis__cycle__released_at", "-analysis_id")
            .values_list("participant__person_id", "analysis_id", "analysis__cycle__name", "competency__code",
                         "competency__version__framework_id", "observed")):
        if newest.setdefault(person_id, analysis_id) != analysis_id:
            continue
        people[person_id].cycle = cycle
        if ours(person_id, framework_id):
            observed[(person_id, code)] = level
    return observed


def fill_lines(pks: list[int], people: dict, requirements: dict, *, day: date, observed: dict, status: dict,
               expiry: dict, attended: set, certified: dict, qualified: set, experienced: set,
               signed: dict) -> list[MatrixPerson]:
    """The matrix's lines of `people` ({pk: MatrixPerson}, in the order of `pks`), one per requirement,
    from what was found for each (person id, competency code) as it stood on `day`. The as-at matrix of
    the evidence app fills its lines here too, from the audit history."""

    def evidence(key, required: int) -> list[str]:
        found = []
        if key in certified:
            until = certified[key]
            found.append("verified certificate" if until is None else
                         f"verified certificate, expired on {until:%Y-%m-%d}" if until < day else
                         f"verified certificate, valid until {until:%Y-%m-%d}")
        if key in qualified:
            found.append("qualification")
        if key in experienced:
            found.append("experience")
        if signed.get(key, 0) >= required:
            found.append(f"sign-off at level {signed[key]}")
        if status.get(key) == Status.EFFECTIVE:
            found.append("effective training (reviewed)")
        return found

    result = []
    for pk in pks:
        person = people.get(pk)
        if person is None:
            continue
        for requirement in requirements[pk]:
            key = (pk, requirement["code"])
            expires_on = expiry.get(key)
            person.lines.append(MatrixLine(
                code=requirement["code"], name=requirement.get("name", ""), required=requirement["required_level"],
                observed=observed.get(key), status=status.get(key, Status.NONE), expires_on=expires_on,
                expired=expires_on is not None and expires_on < day,
                evidence=evidence(key, requirement["required_level"]), attended=key in attended))
        result.append(person)
    return result


def matrix_table(person: MatrixPerson) -> list[list]:
    """The export's rows of one person: one per competency of their role (a person whose role has no
    approved requirement still has a row)."""
    base = [person.employee_id, person.name, person.unit, person.role]
    if not person.lines:
        return [base + ["", "", None, None, "", "", None, "", ""]]
    return [base + [line.code, line.name, line.required, line.observed, person.cycle if line.observed is not None else "",
                    line.status_label, line.expires_on, "yes" if line.expired else ("no" if line.expires_on else ""),
                    line.evidence_label]
            for line in person.lines]


def matrix_export_rows(people: QuerySet[Person], chunk: int = 2000):
    """The header, then every person's rows, read `chunk` people at a time (the same reads as a page)."""
    yield MATRIX_HEADER
    pks = list(people.values_list("pk", flat=True))
    for start in range(0, len(pks), chunk):
        for person in matrix_rows(pks[start:start + chunk]):
            yield from matrix_table(person)

