"""A person's dossier for an auditor (ISO 9001 7.2 a-d), as it stands today or as it stood on a past day.

"As at" a day is rebuilt from the audit history: every controlled record is read from its history row
as it stood at the end of that day (`rows_as_at`), so the role the person held, the role profile
revision then approved, the framework version then in force, the certificates valid that day and the
plans and reviews as they were are what the records said then, whatever changed since. Released
results are those whose cycle had been released by then, read through `assessments.results` (stored
shown cells only, never an answer); the gap analysis is the cycle's current one.

A requirement is met on a day when the newest released result by then shows its level (the gap
analysis of that cycle says "met") and no certificate supporting it has lapsed without a valid one
beside it. Red flags (`FLAG_TEXTS`, shared with the landing page) are listed, never hidden.

Awareness (ISO 9001 7.3): the acknowledgement of the role profile revision in force (none: red flag
`role_not_acknowledged`, raised at once), the statement revisions current that day that apply to the
person with theirs, and the acknowledgements of earlier revisions, each for its revision.

Queries: a fixed number per section (person, profile, framework, signatures, results — three per
released cycle the person took part in —, certificates, training, plans, awareness, register), whatever
the number of certificates, enrolments, reviews, objectives, actions or acknowledgements.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from . import records
from .records import RecordRef, rows_as_at

#: Red flags: code -> what it means (the landing page, the dossier and the pack say the same).
FLAG_TEXTS: dict[str, str] = {
    "no_competence_defined": "The role has no defined competence: no approved role profile with requirements.",
    "unsigned_or_superseded": "The role profile's approval signature is missing or superseded.",
    "gap_without_action": "A gap without an action: no objective for it in an approved development plan.",
    "action_without_review": "A completed training action without its effectiveness review (missing or overdue).",
    "expired_certificate": "An expired certificate for a requirement of the role.",
    "role_not_acknowledged": "Working under a role profile revision the person never acknowledged.",
}


@dataclass
class Flag:
    code: str
    text: str
    #: What it is about, e.g. the competency codes or the certificate titles (for the pages).
    detail: str = ""


def flag(code: str, detail: str = "") -> Flag:
    return Flag(code=code, text=FLAG_TEXTS[code], detail=detail)


@dataclass
class Awareness:
    """ISO 9001 7.3 on the day: the role profile revision in force and its acknowledgement, the statement
    revisions then current that apply to the person with theirs, and the acknowledgements of earlier
    revisions (they stay on record for their revision)."""

    #: (profile id, name, revision) in force, or None when no defined role was held.
    role: tuple[int, str, int] | None
    role_acknowledgement: Any  # the Acknowledgement of that revision by then, or None
    earlier_role_acknowledgements: list  # of other revisions or roles, newest first
    #: [{"revision": StatementRevision current that day, "acknowledgement": Acknowledgement | None}]
    statements: list[dict]
    earlier_statement_acknowledgements: list  # of revisions no longer current that day, newest first
    #: Every acknowledgement made by then, newest first (the register lists each).
    acknowledgements: list = field(default_factory=list)

    @property
    def statements_waiting(self) -> int:
        return sum(1 for s in self.statements if s["acknowledgement"] is None)


@dataclass
class Dossier:
    person: Any
    as_at: date
    moment: datetime
    today: bool
    #: The person's record as it stood (org unit, role, active); None when they did not exist yet.
    person_row: Any
    org_unit_name: str
    role_profile: Any  # the profile's history row that day (revision, approved_at, approved_requirements)
    framework_version: Any  # the framework version then in force (history row), or None
    requirements: list[dict]
    approval_signatures: list
    results: list  # ParticipantResults of released participations up to as_at, newest first
    analysis_by_participant: dict
    certificates: list[dict]
    qualifications: list
    experience: list
    sign_offs: list
    training: list[dict]
    plans: list[dict]
    register: list[RecordRef]
    awareness: Awareness | None = None
    flags: list[Flag] = field(default_factory=list)

    @property
    def defined(self) -> bool:
        return bool(self.requirements)

    @property
    def assessed(self) -> bool:
        return bool(self.results)

    @property
    def flag_codes(self) -> list[str]:
        return [f.code for f in self.flags]

    @property
    def qualified(self) -> bool:
        """Every requirement of the role met on the day (and there are requirements)."""
        return bool(self.requirements) and all(r["met"] for r in self.requirements)


def moment_of(as_at: date | None) -> tuple[date, datetime, bool]:
    """The day, the moment its records are read at (the end of that day, or now for today), and
    whether it is today."""
    today = timezone.localdate()
    if as_at is None or as_at >= today:
        return today, timezone.now(), True
    end = timezone.make_aware(datetime.combine(as_at + timedelta(days=1), time.min)) - timedelta(microseconds=1)
    return as_at, end, False


def _one(model, moment, **filters):
    rows = list(rows_as_at(model, moment, **filters)[:1])
    return rows[0] if rows else None


def _mark(row, moment):
    """Tells `records` which moment a history row stands for (related rows are read as at it)."""
    row._as_of = moment
    return row


def build_dossier(person, *, as_at: date | None = None) -> Dossier:
    from assessments.models import CycleStatus, Participant
    from assessments.results import participant_results
    from competency.models import Competency, FrameworkVersion, VersionStatus
    from devplans.models import Action, ActionKind, ActionStatus, Objective, Plan, PlanStatus
    from gaps.models import BELOW, Analysis, GapStatus, RequirementGap
    from profiles.models import OrgUnit, Person, RoleProfile
    from signatures.services import signatures_for
    from training.models import (
        Certificate,
        EffectivenessReview,
        Enrolment,
        EvidenceFile,
        EnrolmentStatus,
        Experience,
        Qualification,
        SignOff,
    )

    day, moment, is_today = moment_of(as_at)
    register: list[RecordRef] = []
    flags: list[Flag] = []

    # --- the person and their role that day (1 query + 1 for the unit) ---------------------------------
    person_row = _one(Person, moment, id=person.pk)
    profile_id = person_row.role_profile_id if person_row else None
    unit_id = person_row.org_unit_id if person_row else person.org_unit_id
    org_unit_name = OrgUnit.objects.filter(pk=unit_id).values_list("name", flat=True).first() or ""

    # --- 7.2 a: the role profile revision then approved, its signature, the framework version --------
    profile = _one(RoleProfile, moment, id=profile_id) if profile_id else None
    requirements: list[dict] = []
    signatures: list = []
    framework_version = None
    if profile is not None:
        _mark(profile, moment)
        if profile.revision > 0:
            requirements = [dict(r) for r in profile.approved_requirements or []]
        framework = FrameworkVersion.objects.filter(pk=profile.framework_version_id).values_list(
            "framework_id", flat=True).first()
        in_force = [v for v in rows_as_at(FrameworkVersion, moment, framework_id=framework)
                    if v.status == VersionStatus.PUBLISHED and (v.effective_date is None or v.effective_date <= day)]
        framework_version = max(in_force, key=lambda v: v.number) if in_force else None
        profile_ref = records.ref(profile, "role_profile")
        signatures = profile_ref.signatures
        register.append(profile_ref)
        if framework_version is not None:
            register.append(records.ref(_mark(framework_version, moment), "framework_version"))
    if not requirements:
        flags.append(flag("no_competence_defined", profile.name if profile is not None else "No role profile"))
    elif not signatures or signatures[0].superseded:
        flags.append(flag("unsigned_or_superseded", profile.name))
    requirements.sort(key=lambda r: (not r.get("critical"), r.get("area_position", 0), r.get("position", 0),
                                     r.get("code", "")))

    # --- 7.2 b: released results up to the day, and their gap analyses ------------------------------
    participants = list(
        Participant.objects.filter(person_id=person.pk, cycle__status=CycleStatus.RELEASED, cycle__released_at__lte=moment)
        .select_related("cycle__framework_version__framework", "person__user").order_by("-cycle__released_at", "-pk"))
    results = [participant_results(p) for p in participants]
    analyses = {a.cycle_id: a for a in Analysis.objects.filter(
        cycle_id__in=[p.cycle_id for p in participants], current=True, finished_at__lte=moment)}
    gap_rows: dict[int, dict[str, Any]] = defaultdict(dict)
    if analyses:
        codes = {}
        for row in (RequirementGap.objects.filter(
                analysis_id__in=[a.pk for a in analyses.values()], participant_id__in=[p.pk for p in participants])
                .select_related("competency").only("participant_id", "competency__code", "required_level", "observed",
                                                   "status", "gap", "critical")):
            gap_rows[row.participant_id][row.competency.code] = row
            codes[row.competency_id] = row.competency.code
    for participant in participants:
        register.append(records.ref(participant, "result"))
    latest = next((p for p in participants if p.cycle_id in analyses), None)
    latest_gaps = gap_rows.get(latest.pk, {}) if latest else {}

    # --- certificates and the other evidence, as they stood -----------------------------------------
    certificate_rows = records.prepare([_mark(c, moment) for c in rows_as_at(Certificate, moment, person_id=person.pk)
                                        if c.issued_on <= day])
    certificate_rows.sort(key=lambda c: (c.issued_on, c.id), reverse=True)
    files = {f.pk: f for f in EvidenceFile.objects.filter(pk__in=[c.file_id for c in certificate_rows])}
    required_codes = {r.get("code") for r in requirements}
    certificates = []
    for row in certificate_rows:
        expired = row.expires_on is not None and row.expires_on < day
        codes_ = row._competency_codes
        certificates.append({
            "row": row, "pk": row.id, "title": row.title, "issuer": row.issuer, "issued_on": row.issued_on,
            "expires_on": row.expires_on, "valid_on_date": not expired, "expired": expired,
            "competencies": codes_, "file_id": row.file_id, "file_ids": [row.file_id],
            "file": files.get(row.file_id), "verified": row.verified_at is not None and row.verified_at <= moment,
        })
        register.append(records.ref(row, "certificate"))
    valid_codes = {code for c in certificates if c["valid_on_date"] for code in c["competencies"]}
    lapsed = {code: c for c in certificates if c["expired"] for code in c["competencies"]
              if code in required_codes and code not in valid_codes}
    if lapsed:
        flags.append(flag("expired_certificate", ", ".join(
            f"{c['title']} ({code}, expired {c['expires_on']:%d %b %Y})" for code, c in sorted(lapsed.items()))))

    qualifications = records.prepare([_mark(q, moment) for q in rows_as_at(Qualification, moment, person_id=person.pk)
                                      if q.awarded_on <= day])
    experience = records.prepare([_mark(e, moment) for e in rows_as_at(Experience, moment, person_id=person.pk)
                                  if e.started_on <= day])
    sign_offs = [_mark(s, moment) for s in rows_as_at(SignOff, moment, person_id=person.pk) if s.signed_on <= day]
    for kind, rows in (("qualification", qualifications), ("experience", experience), ("sign_off", sign_offs)):
        register.extend(records.ref(row, kind) for row in rows)

    # --- requirements met that day ----------------------------------------------------------------------
    for requirement in requirements:
        gap = latest_gaps.get(requirement.get("code"))
        requirement["observed"] = gap.observed if gap is not None else None
        requirement["status"] = gap.status if gap is not None else None
        requirement["status_display"] = GapStatus(gap.status).label if gap is not None else "Not assessed"
        requirement["certificate_lapsed"] = requirement.get("code") in lapsed
        observed = requirement["observed"]
        requirement["shown_met"] = observed is not None and observed >= Decimal(requirement.get("required_level") or 0)
        requirement["met"] = requirement["shown_met"] and not requirement["certificate_lapsed"]

    # --- training: enrolments and their effectiveness reviews -------------------------------------------
    enrolments = [_mark(e, moment) for e in rows_as_at(Enrolment, moment, person_id=person.pk)]
    enrolment_ids = [e.id for e in enrolments]
    reviews_by_enrolment: dict[int, list] = defaultdict(list)
    review_rows = [_mark(r, moment) for r in rows_as_at(EffectivenessReview, moment, enrolment_id__in=enrolment_ids)]
    for review in review_rows:
        reviews_by_enrolment[review.enrolment_id].append(review)
    from training.models import Session

    sessions = {s.pk: s for s in Session.objects.filter(pk__in={e.session_id for e in enrolments})
                .select_related("programme")}
    review_codes = dict(Competency.objects.filter(pk__in={r.competency_id for r in review_rows})
                        .values_list("pk", "code"))
    training = []
    unreviewed: list[str] = []
    for enrolment in sorted(enrolments, key=lambda e: (e.completed_on or date.max, e.id), reverse=True):
        session = sessions.get(enrolment.session_id)
        reviews = sorted(reviews_by_enrolment.get(enrolment.id, []), key=lambda r: (r.due_on, r.id))
        for review in reviews:
            review.code = review_codes.get(review.competency_id, "")
            review.done_then = review.reviewed_on is not None and review.reviewed_on <= day
            review.overdue_then = not review.done_then and review.due_on < day
        completed = enrolment.status == EnrolmentStatus.COMPLETED
        title = session.programme.title if session else ""
        if completed and (not reviews or any(r.overdue_then for r in reviews)):
            unreviewed.append(title)
        training.append({"row": enrolment, "programme": title, "session": session,
                         "status": EnrolmentStatus(enrolment.status).label, "completed": completed,
                         "completed_on": enrolment.completed_on, "result": enrolment.result, "reviews": reviews})
        register.append(records.ref(enrolment, "enrolment"))
        register.extend(records.ref(review, "effectiveness_review") for review in reviews)

    # --- 7.2 c: development plans as they stood ---------------------------------------------------------
    plan_rows = sorted((_mark(p, moment) for p in rows_as_at(Plan, moment, person_id=person.pk)),
                       key=lambda p: (p.created_at, p.id), reverse=True)
    objective_rows = [_mark(o, moment) for o in rows_as_at(Objective, moment, plan_id__in=[p.id for p in plan_rows])]
    action_rows = [_mark(a, moment) for a in rows_as_at(Action, moment, objective_id__in=[o.id for o in objective_rows])]
    objective_codes = dict(Competency.objects.filter(pk__in={o.competency_id for o in objective_rows})
                           .values_list("pk", "code"))
    actions_by_objective: dict[int, list] = defaultdict(list)
    for action in sorted(action_rows, key=lambda a: (a.position, a.id)):
        actions_by_objective[action.objective_id].append(action)
    objectives_by_plan: dict[int, list] = defaultdict(list)
    for objective in sorted(objective_rows, key=lambda o: (o.position, o.id)):
        objective.code = objective_codes.get(objective.competency_id, "")
        objective.actions_then = actions_by_objective.get(objective.id, [])
        objectives_by_plan[objective.plan_id].append(objective)
    plan_signatures = {}
    for plan_row in plan_rows:
        live = Plan.objects.filter(pk=plan_row.id).first()
        plan_signatures[plan_row.id] = [s for s in signatures_for(live) if s.signed_at <= moment] if live else []
    enrolment_reviews = {e.id: reviews_by_enrolment.get(e.id, []) for e in enrolments}
    plans = []
    acted_codes = set()
    for plan_row in plan_rows:
        objectives = objectives_by_plan.get(plan_row.id, [])
        if plan_row.status != PlanStatus.DRAFT:
            acted_codes |= {o.code for o in objectives}
        for objective in objectives:
            for action in objective.actions_then:
                action.reviews_then = enrolment_reviews.get(action.enrolment_id, []) if action.enrolment_id else []
                if (action.kind == ActionKind.TRAINING and action.status == ActionStatus.DONE
                        and not action.enrolment_id):
                    unreviewed.append(action.title)
        plans.append({"row": plan_row, "status": PlanStatus(plan_row.status).label, "objectives": objectives,
                      "signatures": plan_signatures.get(plan_row.id, [])})
        plan_ref = records.ref(plan_row, "plan")
        plan_ref.signatures = plan_signatures.get(plan_row.id, [])
        register.append(plan_ref)
        for objective in objectives:
            register.append(records.ref(objective, "objective"))
            register.extend(records.ref(action, "action") for action in objective.actions_then)
    if unreviewed:
        flags.append(flag("action_without_review", ", ".join(sorted(set(unreviewed)))))

    awareness = _awareness(person, person_row, profile if requirements else None, moment)
    register.extend(records.ref(a, "acknowledgement") for a in awareness.acknowledgements)
    if awareness.role is not None and awareness.role_acknowledgement is None:
        flags.append(flag("role_not_acknowledged", f"{profile.name}, revision {profile.revision}"))

    without_action = sorted(code for code, row in latest_gaps.items() if row.status in BELOW and code not in acted_codes)
    if without_action:
        flags.append(flag("gap_without_action", ", ".join(without_action)))
    order = list(FLAG_TEXTS)
    flags.sort(key=lambda f: order.index(f.code))
    return Dossier(
        person=person, as_at=day, moment=moment, today=is_today, person_row=person_row, org_unit_name=org_unit_name,
        role_profile=profile, framework_version=framework_version, requirements=requirements,
        approval_signatures=signatures, results=results, analysis_by_participant={
            p.pk: analyses.get(p.cycle_id) for p in participants},
        certificates=certificates, qualifications=qualifications, experience=experience, sign_offs=sign_offs,
        training=training, plans=plans, register=register, awareness=awareness, flags=flags,
    )


def _awareness(person, person_row, profile, moment: datetime) -> Awareness:
    """The awareness section (see `Awareness`) as at `moment`: two queries, the person's acknowledgements by
    then (with what they acknowledged and their signatures) and the statement revisions then current that
    apply to them, whatever the number of either. `profile` is the role profile's history row in force, or
    None when no defined role was held."""
    from django.db.models import Exists, OuterRef, Q

    from awareness.models import Acknowledgement, StatementRevision

    acknowledgements = list(
        Acknowledgement.objects.filter(person_id=person.pk, acknowledged_at__lte=moment)
        .select_related("revision__statement", "role_profile", "signature", "person__user")
        .order_by("-acknowledged_at", "-pk"))
    unit_id = person_row.org_unit_id if person_row else None
    role_id = person_row.role_profile_id if person_row else None
    newer = StatementRevision.objects.filter(statement_id=OuterRef("statement_id"), published_at__lte=moment,
                                             number__gt=OuterRef("number"))
    units = StatementRevision.org_units.through.objects.filter(statementrevision_id=OuterRef("pk"),
                                                               orgunit_id=unit_id)
    roles = StatementRevision.role_profiles.through.objects.filter(statementrevision_id=OuterRef("pk"),
                                                                   roleprofile_id=role_id)
    current = list(
        StatementRevision.objects.filter(published_at__lte=moment).exclude(Exists(newer))
        .filter(Q(applies_to_everyone=True) | Exists(units) | Exists(roles))
        .select_related("statement").order_by("statement__kind", "statement__title", "statement_id")
    ) if person_row is not None else []  # nothing applied to someone not on record yet
    current_ids = {revision.pk for revision in current}
    by_revision = {a.revision_id: a for a in acknowledgements if a.revision_id}
    role = (profile.id, profile.name, profile.revision) if profile is not None and profile.revision >= 1 else None
    in_force = next((a for a in acknowledgements if role and a.role_profile_id == role[0]
                     and a.profile_revision == role[2]), None)
    for a in acknowledgements:  # the template says "an earlier revision" or "another role"
        a.same_role = bool(role) and a.role_profile_id == role[0]
    return Awareness(
        role=role, role_acknowledgement=in_force,
        earlier_role_acknowledgements=[a for a in acknowledgements if a.role_profile_id and a is not in_force],
        statements=[{"revision": r, "acknowledgement": by_revision.get(r.pk)} for r in current],
        earlier_statement_acknowledgements=[a for a in acknowledgements
                                            if a.revision_id and a.revision_id not in current_ids],
        acknowledgements=acknowledgements)
