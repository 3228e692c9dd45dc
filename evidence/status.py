"""Each person's ISO 9001 7.2 status at a glance, for the auditor's landing page and samples.

`status_people(people, as_at=...)` annotates a queryset of people with everything the columns need,
as correlated subqueries, so a page of 25 or of 10,000 people costs one query (plus Django's count
for pagination); `status_rows` turns the rows into `StatusRow`s. Nothing is read per person.

What each column means (the same definitions as the dossier's red flags, evidence.dossier):

- defined: the person holds a role profile that is approved and has requirements (a, competence
  determined). Otherwise: flag `no_competence_defined`.
- assessed: a released 360° result of theirs exists (read through assessments.results' participants).
- gaps with actions: every gap and critical gap of their current gap analysis (the newest released
  cycle's current analysis) has an objective for its competency (same code) in a development plan
  that is no longer a draft. Otherwise: flag `gap_without_action`.
- actions evaluated: every completed training has its effectiveness reviews, none of them overdue
  (due and not recorded), and no training action of a plan is done without the enrolment its review
  hangs on. Otherwise: flag `action_without_review`.
- records present: every *critical* requirement of the role is backed by a documented record on the
  day — a certificate or qualification for the competency (same code, whatever the framework version)
  that has not expired, or a named assessor's sign-off at the required level or above. Critical
  requirements are the ones where a 360° impression alone is not enough evidence; the others are
  covered by the assessment. A requirement of the role whose certificate has expired with no valid
  certificate for it beside: flag `expired_certificate`.
- signatures: the role profile's revision in force carries its approval signature (any change of an
  approved profile makes it a draft again, so a signature at the revision in force is not
  superseded). A leader's acknowledgement is a signature of the profile too, but no approval: it
  does not count here. Otherwise: flag `unsigned_or_superseded`.
- acknowledged (ISO 9001 7.3): the highest revision of the role profile in force the person has
  acknowledged, and how many of the statement revisions current that day that apply to them (to
  everyone, to their org unit or to their role profile) they have not acknowledged. A defined role
  whose revision in force they never acknowledged: flag `role_not_acknowledged`, at once (no grace
  period). Statements waiting show in the column but raise no flag.

"As at" a past date, the person's role, org unit and the profile's revision come from the audit
history (the newest history rows before the end of that day); a statement's revision current that day
is its highest-numbered revision published before the end of the day; acknowledgements, results,
reviews, sign-offs, certificates and plans count only with dates up to that day. The dossier
(evidence.dossier) rebuilds each record from its history in full; this page is the quick screen over
many people.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery)
from django.utils import timezone

from assessments.results import CycleStatus, results_participants
from awareness.models import Acknowledgement, StatementRevision
from core.db import rows_in
from core.history import end_of
from devplans.models import Action, ActionKind, ActionStatus, Objective, PlanStatus
from gaps.models import BELOW, LeaderGap, RequirementGap
from profiles.models import Person, ProfileStatus, Requirement, RoleProfile
from signatures.models import Meaning, Signature
from training.models import Certificate, EffectivenessReview, Enrolment, EnrolmentStatus, Qualification, SignOff

from .dossier import FLAG_TEXTS

#: Flag codes in the order the page shows them (texts: evidence.dossier.FLAG_TEXTS).
FLAG_ORDER = ("no_competence_defined", "gap_without_action", "action_without_review", "expired_certificate",
              "unsigned_or_superseded", "role_not_acknowledged")




@dataclass
class StatusRow:
    person: Person
    role_profile: RoleProfile | None
    defined: bool
    assessed: bool
    open_gaps: int
    unplanned_gaps: int
    reviews_due: int
    reviews_overdue: int
    unreviewed: int
    critical_requirements: int
    critical_without_record: int
    #: Requirements of the role whose certificate has lapsed with no valid one beside it.
    expired_certificates: int
    unsigned: bool
    #: The revision in force of the role profile held that day (None: no role) and the highest
    #: revision of it the person had acknowledged by then (None: none).
    revision_in_force: int | None = None
    acknowledged_revision: int | None = None
    #: Statement revisions current that day that apply to the person, and of them not acknowledged.
    statements_due: int = 0
    statements_waiting: int = 0
    flags: list[str] = field(default_factory=list)

    @property
    def cells(self) -> list[tuple[str, str, str]]:
        """The six status columns as (column, "yes" | "no" | "none", note), for the table."""
        def state(value: bool | None) -> str:
            return "none" if value is None else ("yes" if value else "no")

        return [
            ("defined", state(self.defined), ""),
            ("assessed", state(self.assessed), ""),
            ("gaps", state(self.gaps_with_actions),
             f"{self.unplanned_gaps} of {self.open_gaps} without action" if self.open_gaps else "no gap"),
            ("evaluated", state(self.actions_evaluated),
             f"{self.reviews_overdue + self.unreviewed} not reviewed" if self.reviews_overdue or self.unreviewed
             else ("" if self.actions_evaluated is not None else "nothing due")),
            ("records", state(self.records_present),
             f"{self.critical_without_record} of {self.critical_requirements} critical without a record"
             if self.critical_without_record and self.defined else ("" if self.records_present is not None
                                                                     else "none needed")),
            ("acknowledged", state(self.acknowledged), self.acknowledged_note),
        ]

    @property
    def role_to_acknowledge(self) -> bool:
        """Whether the person owes an acknowledgement of a role: a defined one, with a revision in force."""
        return self.defined and (self.revision_in_force or 0) >= 1

    @property
    def role_acknowledged(self) -> bool:
        return self.role_to_acknowledge and self.acknowledged_revision == self.revision_in_force

    @property
    def acknowledged(self) -> bool | None:
        """None when nothing was there to acknowledge (no defined role, no statement applying)."""
        if not self.role_to_acknowledge and not self.statements_due:
            return None
        return (self.role_acknowledged or not self.role_to_acknowledge) and not self.statements_waiting

    @property
    def acknowledged_note(self) -> str:
        notes = []
        if self.role_to_acknowledge and not self.role_acknowledged:
            earlier = (f", revision {self.acknowledged_revision} was" if self.acknowledged_revision else "")
            notes.append(f"role revision {self.revision_in_force} not acknowledged{earlier}")
        if self.statements_waiting:
            notes.append(f"{self.statements_waiting} statement{'s' if self.statements_waiting != 1 else ''} waiting")
        if not notes and self.acknowledged is None:
            return "nothing to acknowledge"
        return "; ".join(notes)

    @property
    def flag_items(self) -> list[tuple[str, str]]:
        return [(code, FLAG_TEXTS.get(code, code)) for code in self.flags]

    @property
    def gaps_with_actions(self) -> bool | None:
        """None when there is no gap to act on."""
        return None if not self.open_gaps else self.unplanned_gaps == 0

    @property
    def actions_evaluated(self) -> bool | None:
        """None when nothing has fallen due for evaluation yet."""
        if not self.reviews_due and not self.unreviewed:
            return None
        return not self.reviews_overdue and not self.unreviewed

    @property
    def records_present(self) -> bool | None:
        """None when the role asks for no record (not defined, or no critical requirement)."""
        if not self.defined or not self.critical_requirements:
            return None
        return self.critical_without_record == 0


def status_people(people: QuerySet[Person], *, as_at: dt.date | None = None) -> QuerySet[Person]:
    """`people` with the status columns annotated (see the module's docstring); one query to read."""
    today = as_at or timezone.localdate()
    cutoff = end_of(today)
    past = as_at is not None
    person = OuterRef("pk")

    if past:
        HistoricalPerson = Person.history.model
        HistoricalProfile = RoleProfile.history.model
        person_then = (HistoricalPerson.objects.filter(id=person, history_date__lt=cutoff)
                       .order_by("-history_date", "-history_id"))
        people = people.annotate(role_at=Subquery(person_then.values("role_profile_id")[:1]),
                                 unit_at=Subquery(person_then.values("org_unit_id")[:1]))
        people = people.annotate(profile_row=Subquery(
            HistoricalProfile.objects.filter(id=OuterRef("role_at"), history_date__lt=cutoff)
            .order_by("-history_date", "-history_id").values("history_id")[:1]))
        approved = HistoricalProfile.objects.filter(history_id=OuterRef("profile_row"), status=ProfileStatus.APPROVED
                                                    ).exclude(history_type="-").exclude(approved_requirements=[])
        revision = Subquery(HistoricalProfile.objects.filter(history_id=OuterRef("profile_row")).values("revision")[:1])
        people = people.annotate(defined=Exists(approved), revision_at=revision)
    else:
        people = people.annotate(role_at=F("role_profile_id"), unit_at=F("org_unit_id"),
                                 revision_at=F("role_profile__revision"),
                                 defined=Q(role_profile__status=ProfileStatus.APPROVED)
                                 & Exists(Requirement.objects.filter(profile_id=OuterRef("role_profile_id"))))

    # b) assessed: a released result (through the participants assessments.results reads).
    released = results_participants().filter(person_id=person, cycle__status=CycleStatus.RELEASED)
    if past:
        released = released.filter(cycle__released_at__lt=cutoff)

    # c) the current gap analysis: the newest released cycle's current analysis holding the person.
    current = LeaderGap.objects.filter(person_id=person, analysis__current=True,
                                       analysis__cycle__status=CycleStatus.RELEASED)
    if past:
        current = current.filter(analysis__cycle__released_at__lt=cutoff, analysis__finished_at__lt=cutoff)
    current = current.order_by("-analysis__cycle__released_at", "-analysis_id")
    people = people.annotate(gap_analysis=Subquery(current.values("analysis_id")[:1]),
                             gap_participant=Subquery(current.values("participant_id")[:1]))
    gaps = RequirementGap.objects.filter(analysis_id=OuterRef("gap_analysis"),
                                         participant_id=OuterRef("gap_participant"), status__in=BELOW)
    acted_on = Objective.objects.filter(plan__person_id=OuterRef(OuterRef("pk")),
                                        competency__code=OuterRef("competency__code"))
    acted_on = acted_on.exclude(plan__status=PlanStatus.DRAFT)
    if past:
        acted_on = acted_on.filter(plan__submitted_at__lt=cutoff)

    # c) evaluation: completed training without reviews, or with one overdue; done training actions
    # without the enrolment their review belongs to.
    reviews = EffectivenessReview.objects.filter(enrolment__person_id=person)
    recorded = Q(reviewed_on__isnull=False) & (Q(reviewed_on__lte=today) if past else Q())
    due = reviews.filter(Q(due_on__lt=today) | recorded)
    overdue = reviews.filter(due_on__lt=today).exclude(recorded)
    completed = Enrolment.objects.filter(person_id=person, status=EnrolmentStatus.COMPLETED)
    if past:
        completed = completed.filter(completed_on__lte=today)
    unreviewed = completed.exclude(Exists(EffectivenessReview.objects.filter(enrolment_id=OuterRef("pk"))))
    loose = Action.objects.filter(objective__plan__person_id=person, kind=ActionKind.TRAINING, status=ActionStatus.DONE,
                                  enrolment__isnull=True)
    if past:
        loose = loose.filter(done_on__lte=today)

    # d) records for the critical requirements of the role, on the day.
    critical = Requirement.objects.filter(profile_id=OuterRef("role_at"), critical=True)
    code = OuterRef("competency__code")
    holder = OuterRef(OuterRef("pk"))
    valid_certificate = Certificate.objects.filter(person_id=holder, competencies__code=code, issued_on__lte=today
                                                   ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
    valid_qualification = Qualification.objects.filter(person_id=holder, competencies__code=code, awarded_on__lte=today
                                                       ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
    sign_off = SignOff.objects.filter(person_id=holder, competency__code=code, level__gte=OuterRef("required_level"),
                                      signed_on__lte=today)
    uncovered = (critical.exclude(Exists(valid_certificate)).exclude(Exists(valid_qualification))
                 .exclude(Exists(sign_off)))

    lapsed_certificate = Certificate.objects.filter(person_id=holder, competencies__code=code, issued_on__lte=today,
                                                    expires_on__lt=today)
    lapsed = (Requirement.objects.filter(profile_id=OuterRef("role_at"))
              .filter(Exists(lapsed_certificate)).exclude(Exists(valid_certificate)))

    # a) the approval signature of the profile's revision in force.
    profile_signed = Signature.objects.filter(content_type__app_label="profiles", content_type__model="roleprofile",
                                              object_id=OuterRef("role_at"), record_version=OuterRef("revision_at")
                                              ).exclude(meaning=Meaning.ACKNOWLEDGED)
    if past:
        profile_signed = profile_signed.filter(signed_at__lt=cutoff)

    # 7.3 awareness: acknowledgements of the role profile held and of the statements current that day.
    acknowledgements = Acknowledgement.objects.filter(person_id=person)
    if past:
        acknowledgements = acknowledgements.filter(acknowledged_at__lt=cutoff)
    role_acknowledged = (acknowledgements.filter(role_profile_id=OuterRef("role_at"))
                         .order_by("-profile_revision").values("profile_revision")[:1])
    due_statements = _statements_due(past, cutoff)
    statement_acknowledged = Acknowledgement.objects.filter(person_id=OuterRef(OuterRef("pk")),
                                                            revision_id=OuterRef("pk"))
    if past:
        statement_acknowledged = statement_acknowledged.filter(acknowledged_at__lt=cutoff)

    return people.annotate(
        assessed=Exists(released),
        open_gaps=rows_in(gaps),
        unplanned_gaps=rows_in(gaps.exclude(Exists(acted_on))),
        reviews_due=rows_in(due),
        reviews_overdue=rows_in(overdue),
        unreviewed=rows_in(unreviewed) + rows_in(loose),
        critical_requirements=rows_in(critical),
        critical_without_record=rows_in(uncovered),
        expired_certificates=rows_in(lapsed),
        unsigned=Q(defined=True) & ~Exists(profile_signed),
        acknowledged_revision=Subquery(role_acknowledged, output_field=IntegerField()),
        statements_due=rows_in(due_statements),
        statements_waiting=rows_in(due_statements.exclude(Exists(statement_acknowledged))),
    ).select_related("user", "org_unit", "role_profile")


def _statements_due(past: bool, cutoff: dt.datetime) -> QuerySet[StatementRevision]:
    """The statement revisions current on the day that apply to the person of the outer query (its
    `unit_at` and `role_at`), as awareness.selectors.current_revisions_for says for today. A published
    revision's audience is frozen (a change makes a new revision), so its live audience is the day's."""
    units = StatementRevision.org_units.through.objects.filter(
        statementrevision_id=OuterRef("pk"), orgunit_id=OuterRef(OuterRef("unit_at")))
    profiles = StatementRevision.role_profiles.through.objects.filter(
        statementrevision_id=OuterRef("pk"), roleprofile_id=OuterRef(OuterRef("role_at")))
    if past:
        newer = StatementRevision.objects.filter(statement_id=OuterRef("statement_id"), published_at__lt=cutoff,
                                                 number__gt=OuterRef("number"))
        current = StatementRevision.objects.filter(published_at__lt=cutoff).exclude(Exists(newer))
    else:
        current = StatementRevision.objects.filter(current_for__isnull=False)
    return current.filter(Q(applies_to_everyone=True) | Exists(units) | Exists(profiles))


def row_of(person: Person) -> StatusRow:
    """A `StatusRow` from a person annotated by `status_people`."""
    row = StatusRow(
        person=person, role_profile=person.role_profile if person.role_at == person.role_profile_id else None,
        defined=bool(person.defined), assessed=person.assessed, open_gaps=person.open_gaps,
        unplanned_gaps=person.unplanned_gaps, reviews_due=person.reviews_due, reviews_overdue=person.reviews_overdue,
        unreviewed=person.unreviewed, critical_requirements=person.critical_requirements,
        critical_without_record=person.critical_without_record, expired_certificates=person.expired_certificates,
        unsigned=bool(person.unsigned), revision_in_force=person.revision_at if person.role_at else None,
        acknowledged_revision=person.acknowledged_revision, statements_due=person.statements_due,
        statements_waiting=person.statements_waiting,
    )
    raised = {
        "no_competence_defined": not row.defined,
        "gap_without_action": row.unplanned_gaps > 0,
        "action_without_review": row.reviews_overdue > 0 or row.unreviewed > 0,
        "expired_certificate": row.expired_certificates > 0,
        "unsigned_or_superseded": row.unsigned,
        "role_not_acknowledged": row.role_to_acknowledge and not row.role_acknowledged,
    }
    row.flags = [code for code in FLAG_ORDER if raised[code]]
    return row


def status_rows(people: QuerySet[Person], *, as_at: dt.date | None = None) -> list[StatusRow]:
    """One `StatusRow` per person of `people`, in their order: one query whatever their number."""
    return [row_of(person) for person in status_people(people, as_at=as_at)]


def rows_for_page(people: list[Person]) -> list[StatusRow]:
    return [row_of(person) for person in people]


# --- the organisation's flag: roles held without defined competence ------------------------------


def undefined_roles() -> QuerySet[RoleProfile]:
    """Role profiles held by active people that are not approved or have no requirements, with how
    many people hold each. One query."""
    held = Person.objects.filter(role_profile_id=OuterRef("pk"), active=True)
    return (RoleProfile.objects.filter(Exists(held))
            .filter(~Q(status=ProfileStatus.APPROVED) | ~Exists(Requirement.objects.filter(profile_id=OuterRef("pk"))))
            .annotate(holders=rows_in(held)).order_by("name"))


def people_without_role() -> int:
    return Person.objects.filter(active=True, role_profile__isnull=True).count()
