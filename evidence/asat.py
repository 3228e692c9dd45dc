"""The training matrix as it stood at the end of a past day, rebuilt from the audit history.

The shapes are the training matrix's (`training.selectors_matrix.MatrixPerson` / `MatrixLine`) so the
page reads the same; what differs is where the facts come from: each person's role and org unit, the
role profile revision then approved, enrolments, reviews, certificates, qualifications, experience and
sign-offs are their history rows as they stood at that moment (`records.rows_as_at`), and observed
levels come from the current gap analysis of each cycle released by then. A certificate is evidence
on the day when it was verified by then and valid that day (issued on or before it, not expired).

A fixed number of queries for a page, whatever the number of people or records on it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from django.db.models import QuerySet

from core.pagination import url_for_each
from training.selectors_matrix import STATUS_RANK, MatrixPerson, Status, fill_lines, observed_levels

from .records import prepare, rows_as_at


def people_as_at(moment: datetime, *, units: set[int] | None = None, role_profile: int | None = None) -> QuerySet:
    """The people active with a role profile at `moment` (filters as they stood then), in list order."""
    from profiles.models import Person

    rows = rows_as_at(Person, moment).filter(active=True, role_profile_id__isnull=False)
    if units is not None:
        rows = rows.filter(org_unit_id__in=units)
    if role_profile is not None:
        rows = rows.filter(role_profile_id=role_profile)
    return Person.objects.filter(pk__in=rows.values("id")).order_by(*Person.LIST_ORDER)


def matrix_rows_as_at(pks: list[int], day: date, moment: datetime) -> list[MatrixPerson]:
    """The matrix of the people `pks` (one page, in that order) as at `moment`, the end of `day`.

    Queries (fixed): people then, their names and units, their profiles then, the frameworks, observed
    levels, enrolments then, the sessions' programmes' targets, reviews then with their competencies,
    certificates then (+ their competencies and codes), qualifications and experience then (+ theirs),
    sign-offs then with their competencies."""
    from competency.models import Competency, FrameworkVersion
    from profiles.models import OrgUnit, Person, RoleProfile
    from training.models import (
        Certificate,
        EffectivenessReview,
        Enrolment,
        EnrolmentStatus,
        Experience,
        ProgrammeTarget,
        Qualification,
        Session,
        SignOff,
    )

    url = url_for_each("evidence:dossier")
    then = {row.id: row for row in rows_as_at(Person, moment, id__in=pks)}
    names = {pk: (first, last, email, employee_id) for pk, first, last, email, employee_id in Person.objects.filter(
        pk__in=pks).values_list("pk", "user__first_name", "user__last_name", "user__email", "employee_id")}
    units = dict(OrgUnit.objects.filter(pk__in={r.org_unit_id for r in then.values()}).values_list("pk", "name"))
    profiles = {row.id: row for row in rows_as_at(RoleProfile, moment, id__in={
        r.role_profile_id for r in then.values() if r.role_profile_id})}
    frameworks_of_version = dict(FrameworkVersion.objects.filter(
        pk__in={p.framework_version_id for p in profiles.values()}).values_list("pk", "framework_id"))

    people: dict[int, MatrixPerson] = {}
    frameworks: dict[int, int | None] = {}
    requirements: dict[int, list[dict]] = {}
    for pk in pks:
        row = then.get(pk)
        if row is None or pk not in names:
            continue
        first, last, email, employee_id = names[pk]
        profile = profiles.get(row.role_profile_id)
        people[pk] = MatrixPerson(pk=pk, url=f"{url(pk)}?as_at={day:%Y-%m-%d}", name=f"{first} {last}".strip() or email,
                                  employee_id=employee_id, unit=units.get(row.org_unit_id, ""),
                                  role=profile.name if profile else "", cycle="")
        frameworks[pk] = frameworks_of_version.get(profile.framework_version_id) if profile else None
        approved = profile.approved_requirements if profile is not None and profile.revision > 0 else []
        requirements[pk] = sorted(approved or [], key=lambda r: (r.get("area_position", 0), r.get("position", 0),
                                                                  r.get("code", "")))

    def ours(person_id, framework_id) -> bool:
        return framework_id is not None and framework_id == frameworks.get(person_id)

    # Observed: the newest cycle released by then with a current analysis finished by then.
    observed = observed_levels(people, ours, moment)

    status: dict[tuple[int, str], str] = {}
    attended: set[tuple[int, str]] = set()

    def note(key, value):
        if STATUS_RANK.index(value) < STATUS_RANK.index(status.get(key, Status.NONE)):
            status[key] = value

    enrolments = list(rows_as_at(Enrolment, moment, person_id__in=list(people)))
    sessions, sessions_start = {}, {}
    for pk, programme_id, starts_at in Session.objects.filter(pk__in={e.session_id for e in enrolments}).values_list(
            "pk", "programme_id", "starts_at"):
        sessions[pk], sessions_start[pk] = programme_id, starts_at <= moment
    targets: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for programme_id, code, framework_id in ProgrammeTarget.objects.filter(
            programme_id__in=set(sessions.values())).values_list("programme_id", "competency__code",
                                                                 "competency__version__framework_id"):
        targets[programme_id].append((code, framework_id))
    for enrolment in enrolments:
        for code, framework_id in targets.get(sessions.get(enrolment.session_id), []):
            if not ours(enrolment.person_id, framework_id):
                continue
            key = (enrolment.person_id, code)
            if enrolment.status == EnrolmentStatus.COMPLETED:
                note(key, Status.COMPLETED)
                attended.add(key)
            elif enrolment.status == EnrolmentStatus.ENROLLED:
                note(key, Status.IN_PROGRESS if sessions_start.get(enrolment.session_id) else Status.PLANNED)
            elif enrolment.status in (EnrolmentStatus.REQUESTED, EnrolmentStatus.WAITING):
                note(key, Status.PLANNED)
    person_of_enrolment = {e.id: e.person_id for e in enrolments}
    reviews = [r for r in rows_as_at(EffectivenessReview, moment, enrolment_id__in=list(person_of_enrolment))
               if r.reviewed_on is not None and r.reviewed_on <= day]
    review_codes = {pk: (code, framework_id) for pk, code, framework_id in Competency.objects.filter(
        pk__in={r.competency_id for r in reviews}).values_list("pk", "code", "version__framework_id")}
    for review in reviews:
        person_id = person_of_enrolment[review.enrolment_id]
        code, framework_id = review_codes.get(review.competency_id, ("", None))
        if ours(person_id, framework_id):
            note((person_id, code), Status.EFFECTIVE if review.effective else Status.INEFFECTIVE)
            attended.add((person_id, code))

    # Competencies are matched by code within the person's framework.
    def linked(rows) -> list[tuple[object, list[str]]]:
        return [(row, row._competency_codes) for row in prepare(rows)]

    certificates = linked([c for c in rows_as_at(Certificate, moment, person_id__in=list(people)) if c.issued_on <= day])
    qualifications = linked([q for q in rows_as_at(Qualification, moment, person_id__in=list(people))
                             if q.awarded_on <= day and (q.expires_on is None or q.expires_on >= day)])
    experience = linked([e for e in rows_as_at(Experience, moment, person_id__in=list(people)) if e.started_on <= day])
    sign_offs = [s for s in rows_as_at(SignOff, moment, person_id__in=list(people)) if s.signed_on <= day]
    sign_off_codes = dict(Competency.objects.filter(pk__in={s.competency_id for s in sign_offs}).values_list("pk", "code"))
    required_codes = {(pk, r["code"]) for pk, reqs in requirements.items() for r in reqs}

    expiry: dict[tuple[int, str], date] = {}
    certified: dict[tuple[int, str], date | None] = {}
    for certificate, codes in certificates:
        for code in codes:
            key = (certificate.person_id, code)
            if key not in required_codes:
                continue
            expires_on = certificate.expires_on
            if expires_on is not None and (key not in expiry or expires_on < expiry[key]):
                expiry[key] = expires_on
            if certificate.verified_at is not None and certificate.verified_at <= moment:
                if key not in certified:
                    certified[key] = expires_on
                elif certified[key] is not None and (expires_on is None or expires_on > certified[key]):
                    certified[key] = expires_on
    qualified = {(row.person_id, code) for row, codes in qualifications for code in codes}
    experienced = {(row.person_id, code) for row, codes in experience for code in codes}
    signed: dict[tuple[int, str], int] = {}
    for sign_off in sign_offs:
        key = (sign_off.person_id, sign_off_codes.get(sign_off.competency_id, ""))
        signed[key] = max(signed.get(key, 0), sign_off.level)

    return fill_lines(pks, people, requirements, day=day, observed=observed, status=status, expiry=expiry,
                      attended=attended, certified=certified, qualified=qualified, experienced=experienced,
                      signed=signed)
