"""The training matrix as auditors read it: per person and competency of their role the required and
observed level, the training status (none, planned, in progress, completed, effective, not effective),
the earliest certificate expiry (expired flagged), and which evidence of competence exists (attendance
alone never counts); filters by unit (with sub-units) and role; managers see their line; the same query
count at 10 and 1,000 people; the export holds the page's rows. And the recommendations for a gap, ranked
by fit."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assessments.models import CellLabel
from tests.factories import OrgUnitFactory, PersonFactory, UserFactory
from tests.gaps.builders import analyse, stored_cycle, stored_leader
from tests.helpers import approved_profile, published_framework
from accounts.models import User
from profiles.models import Person
from training.models import (Certificate, EffectivenessReview, Enrolment, EnrolmentStatus, EvidenceFile, Experience,
                             Prerequisite, Programme, ProgrammeKind, ProgrammeTarget, Qualification, QualificationKind,
                             ReviewMethod, Session, SignOff)
from training.selectors_matrix import matrix_rows
from training.recommendations import recommend

pytestmark = pytest.mark.django_db
M = CellLabel.MANAGER
ATTENDANCE = "attendance only (not evidence)"


def programme(hr, title, targets, *, cost=0, active=True, prerequisites=()):
    p = Programme.objects.create(title=title, kind=ProgrammeKind.WORKSHOP, duration_hours=Decimal(7), cost=Decimal(cost),
                                 created_by=hr, active=active)
    for competency, level in targets:
        ProgrammeTarget.objects.create(programme=p, competency=competency, level=level)
    for competency, level in prerequisites:
        Prerequisite.objects.create(programme=p, competency=competency, level=level)
    return p


def session(hr, prog, days, *, capacity=5):
    starts = timezone.now() + timedelta(days=days)
    return Session.objects.create(programme=prog, starts_at=starts, ends_at=starts + timedelta(hours=7),
                                  capacity=capacity, created_by=hr)


def enrol(person, sess, status, hr, completed=None):
    return Enrolment.objects.create(session=sess, person=person, status=status, requested_by=hr,
                                    completed_on=completed)


def certificate(person, competency, hr, expires_on, title="ISO 9001 internal auditor", verified=False):
    evidence = EvidenceFile.objects.create(file=f"evidence/{title}-{expires_on}", filename="c.pdf",
                                           content_type="application/pdf", size=10, sha256="0" * 64, uploaded_by=hr)
    issued_on = (expires_on or timezone.localdate()) - timedelta(days=700)
    cert = Certificate.objects.create(person=person, title=title, issuer="BSI", issued_on=issued_on,
                                      expires_on=expires_on, file=evidence, verified_by=hr,
                                      verified_at=timezone.now() if verified else None)
    cert.competencies.add(competency)
    return cert


@pytest.fixture
def org(hr):
    """A role requiring A at 3 and B at 2; five people in a plant under head office, one per status in A
    (none, planned, completed, effective, not effective), plus Ivy in progress, all assessed in a released
    cycle (A observed 2.5 for Ed)."""
    cycle, (a, b) = stored_cycle(hr, code="mx")
    role = approved_profile(cycle.framework_version, hr, code="mx-role", levels={a.code: 3, b.code: 2})
    other_role = approved_profile(cycle.framework_version, hr, code="mx-other", levels={b.code: 4})
    head = OrgUnitFactory(name="Head office")
    plant = OrgUnitFactory(name="Plant", parent=head)
    names = ["Ann None", "Ben Planned", "Cat Completed", "Ed Effective", "Fay Ineffective", "Ivy Progress"]
    people = {}
    for name in names:
        first, last = name.split()
        people[last.lower()] = PersonFactory(user=UserFactory(first_name=first, last_name=last), org_unit=plant,
                                             role_profile=role)
    outsider = PersonFactory(user=UserFactory(first_name="Oz", last_name="Other"), org_unit=head, role_profile=other_role)
    prog = programme(hr, "ISO 9001 compliance workshop", [(a, 4)])
    future, past = session(hr, prog, 20), session(hr, prog, -30)
    started = session(hr, prog, -1)
    enrol(people["planned"], future, EnrolmentStatus.ENROLLED, hr)
    enrol(people["progress"], started, EnrolmentStatus.ENROLLED, hr)
    enrol(people["none"], past, EnrolmentStatus.WITHDRAWN, hr)
    completed_on = timezone.localdate() - timedelta(days=29)
    for who, effective in (("completed", None), ("effective", True), ("ineffective", False)):
        enrolment = enrol(people[who], past, EnrolmentStatus.COMPLETED, hr, completed_on)
        EffectivenessReview.objects.create(enrolment=enrolment, competency=a, due_on=completed_on + timedelta(days=90),
                                           planned_method=ReviewMethod.OBSERVATION, effective=effective,
                                           reviewed_on=None if effective is None else timezone.localdate())
    today = timezone.localdate()
    certificate(people["effective"], a, hr, today - timedelta(days=1))
    certificate(people["effective"], a, hr, today + timedelta(days=300), title="Renewed")
    certificate(people["completed"], b, hr, today + timedelta(days=60))
    stored_leader(cycle, requirements={a: (3, 1, False), b: (2, 1, False)}, person=people["effective"],
                  cells={a: {M: (3, 1), CellLabel.PEER: (2, 1)}, b: {M: 2}})
    analyse(cycle)
    return {"a": a, "b": b, "role": role, "other_role": other_role, "head": head, "plant": plant, "people": people,
            "outsider": outsider, "cycle": cycle}


def lines(response) -> list[list[str]]:
    """The matrix page's lines: [employee id, code, required, observed, training, expiry, evidence] per
    competency row."""
    html = response.content.decode()
    found = []
    for body in re.findall(r'<tbody data-person="([^"]*)">(.*?)</tbody>', html, re.S):
        employee, content = body
        for row in re.findall(r'<tr data-testid="matrix-line"[^>]*>(.*?)</tr>', content, re.S):
            cells = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip()
                     for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            found.append([employee, *cells])
    return found


def export_csv(client, query=None) -> list[list[str]]:
    response = client.get(reverse("training:matrix_export", args=["csv"]), query or {})
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def as_page(row: list[str]) -> list[str]:
    """An export row as the page shows it (see `lines`)."""
    employee, _name, _unit, _role, code, name, required, observed, _cycle, training, expires, expired, evidence = row
    return [employee, f"{code} {name}", required, observed or "–", training,
            (f"{expires} expired" if expired == "yes" else expires) or "–", evidence]


def test_the_matrix_shows_levels_statuses_and_expiry(client, hr, org):
    client.force_login(hr)
    response = client.get(reverse("training:matrix"))
    assert response.status_code == 200
    by = {(row[0], row[1].split()[0]): row[2:] for row in lines(response)}
    p = org["people"]
    a, b = org["a"].code, org["b"].code
    assert by[(p["none"].employee_id, a)] == ["3", "–", "None", "–", "none"]
    assert by[(p["planned"].employee_id, a)][2] == "Planned"
    assert by[(p["progress"].employee_id, a)][2] == "In progress"
    assert by[(p["completed"].employee_id, a)][2:] == ["Completed, review pending", "–", ATTENDANCE]
    assert by[(p["effective"].employee_id, a)] == ["3", "2.50", "Effective (reviewed)",
                                                   f"{timezone.localdate() - timedelta(days=1):%Y-%m-%d} expired",
                                                   "effective training (reviewed)"]
    assert by[(p["effective"].employee_id, b)] == ["2", "2.00", "None", "–", "none"]
    assert by[(p["ineffective"].employee_id, a)][2:] == ["Not effective (reviewed)", "–", ATTENDANCE]
    # The certificate for B is not verified: its expiry shows, but it is no evidence yet.
    assert by[(p["completed"].employee_id, b)] == [
        "2", "–", "None", f"{timezone.localdate() + timedelta(days=60):%Y-%m-%d}", "none"]
    assert by[(org["outsider"].employee_id, b)] == ["4", "–", "None", "–", "none"]
    assert by[(p["planned"].employee_id, a)][4] == by[(p["progress"].employee_id, a)][4] == "none"
    assert len(by) == 6 * 2 + 1


def test_filters_by_unit_with_sub_units_and_by_role_and_managers_see_their_line(client, hr, org):
    client.force_login(hr)

    def people(**query):
        return {row[0] for row in lines(client.get(reverse("training:matrix"), query))}

    everyone = {p.employee_id for p in org["people"].values()} | {org["outsider"].employee_id}
    assert people(org_unit=org["head"].pk) == everyone
    assert people(org_unit=org["plant"].pk) == everyone - {org["outsider"].employee_id}
    assert people(role_profile=org["other_role"].pk) == {org["outsider"].employee_id}
    assert client.get(reverse("training:matrix"), {"org_unit": 999999}).status_code == 400
    boss = org["people"]["none"]
    org["people"]["planned"].manager = boss
    org["people"]["planned"].save()
    client.force_login(boss.user)
    assert {row[0] for row in lines(client.get(reverse("training:matrix")))} == {org["people"]["planned"].employee_id}


def qualification(person, competency, hr, expires_on=None, title="MSc Quality"):
    made = Qualification.objects.create(person=person, kind=QualificationKind.DEGREE, title=title, issuer="Uni",
                                        awarded_on=timezone.localdate() - timedelta(days=2000), expires_on=expires_on)
    made.competencies.add(competency)
    return made


def experience(person, competency, hr):
    made = Experience.objects.create(person=person, role="Auditor", organisation="Acme", started_on=date(2015, 1, 1),
                                     ended_on=date(2019, 12, 31), recorded_by=hr)
    made.competencies.add(competency)
    return made


def sign_off(person, competency, hr, level):
    return SignOff.objects.create(person=person, competency=competency, level=level, method=ReviewMethod.OBSERVATION,
                                  assessor=hr, signed_on=timezone.localdate())


def test_the_evidence_column_lists_each_kind_present_and_never_counts_attendance(client, hr, org):
    """Per person and requirement: a verified certificate (valid until, expired on, or not expiring), a
    qualification not expired, experience, a sign-off at or above the required level, an effective review;
    "none" otherwise, and "attendance only (not evidence)" when a completed training is all there is.
    Evidence for a competency of another framework with the same code does not count."""
    p, a, b = org["people"], org["a"], org["b"]
    today = timezone.localdate()
    other = published_framework(hr, code="mx-elsewhere", areas=1, per_area=2).competencies.get(code=a.code)
    # Ann: A has an expired verified certificate and experience; an expired qualification, a sign-off below
    # the required 3 and one of another framework do not count. B has a qualification and a sign-off at 2.
    certificate(p["none"], a, hr, today - timedelta(days=5), title="Lapsed", verified=True)
    experience(p["none"], a, hr)
    qualification(p["none"], a, hr, expires_on=today - timedelta(days=1), title="Old licence")
    sign_off(p["none"], a, hr, 2)
    sign_off(p["none"], other, hr, 5)
    qualification(p["none"], b, hr)
    sign_off(p["none"], b, hr, 2)
    # Ben: A has a valid and an expired verified certificate (the valid one shows); B one that never expires.
    certificate(p["planned"], a, hr, today + timedelta(days=100), title="Valid", verified=True)
    certificate(p["planned"], a, hr, today - timedelta(days=100), title="Older", verified=True)
    certificate(p["planned"], b, hr, None, title="Lifelong", verified=True)
    # Cat: the completed training in A, and a qualification that has not expired yet in B.
    qualification(p["completed"], b, hr, expires_on=today, title="Due today")
    # Ivy: a certificate of another framework's A, verified: not evidence here.
    certificate(p["progress"], other, hr, today + timedelta(days=9), title="Elsewhere", verified=True)

    client.force_login(hr)
    response = client.get(reverse("training:matrix"))
    by = {(row[0], row[1].split()[0]): row[-1] for row in lines(response)}
    lapsed, valid = today - timedelta(days=5), today + timedelta(days=100)
    assert by[(p["none"].employee_id, a.code)] == f"verified certificate, expired on {lapsed:%Y-%m-%d}; experience"
    assert by[(p["none"].employee_id, b.code)] == "qualification; sign-off at level 2"
    assert by[(p["planned"].employee_id, a.code)] == f"verified certificate, valid until {valid:%Y-%m-%d}"
    assert by[(p["planned"].employee_id, b.code)] == "verified certificate"
    assert by[(p["completed"].employee_id, a.code)] == ATTENDANCE
    assert by[(p["completed"].employee_id, b.code)] == "qualification"
    assert by[(p["effective"].employee_id, a.code)] == "effective training (reviewed)"
    assert by[(p["ineffective"].employee_id, a.code)] == ATTENDANCE
    assert by[(p["progress"].employee_id, a.code)] == "none"
    html = response.content.decode()
    assert html.count('data-evidence="attendance"') == 2 and "<th scope=\"col\">Evidence</th>" in html
    # The export says the same, row for row.
    assert [as_page(row) for row in export_csv(client)[1:]] == lines(response)


def grow(org, hr, to: int) -> None:
    """Bulk-create people in `org`'s role until it holds `to`, each with evidence of every kind and a
    completed training (so each of the matrix's reads has rows for every person)."""
    role, plant, a, b = org["role"], org["plant"], org["a"], org["b"]
    have = Person.objects.filter(role_profile=role).count()
    n = to - have
    if n <= 0:
        return
    start = User.objects.count()
    users = User.objects.bulk_create([
        User(email=f"bulk{start + i}@example.com", first_name=f"F{start + i:05d}", last_name=f"Bulk{start + i:05d}",
             password="!") for i in range(n)])
    people = Person.objects.bulk_create([
        Person(user=u, employee_id=f"B{u.pk:06d}", org_unit=plant, role_profile=role,
               sort_last_name=u.last_name, sort_first_name=u.first_name) for u in users])
    today = timezone.localdate()
    past = Session.objects.filter(starts_at__lt=timezone.now() - timedelta(days=10)).first()
    Enrolment.objects.bulk_create([Enrolment(session=past, person=person, status=EnrolmentStatus.COMPLETED,
                                             requested_by=hr, completed_on=today) for person in people])
    SignOff.objects.bulk_create([SignOff(person=person, competency=b, level=2, method=ReviewMethod.TEST, assessor=hr,
                                         signed_on=today) for person in people])
    experiences = Experience.objects.bulk_create([
        Experience(person=person, role="Operator", organisation="Acme", started_on=date(2020, 1, 1), recorded_by=hr)
        for person in people])
    Experience.competencies.through.objects.bulk_create([
        Experience.competencies.through(experience=e, competency=b) for e in experiences])
    qualifications = Qualification.objects.bulk_create([
        Qualification(person=person, kind=QualificationKind.LICENCE, title="Licence", issuer="State",
                      awarded_on=date(2020, 1, 1)) for person in people])
    Qualification.competencies.through.objects.bulk_create([
        Qualification.competencies.through(qualification=q, competency=b) for q in qualifications])
    files = EvidenceFile.objects.bulk_create([
        EvidenceFile(file=f"evidence/bulk-{person.pk}", filename="c.pdf", content_type="application/pdf", size=10,
                     sha256="0" * 64, uploaded_by=hr) for person in people])
    certificates = Certificate.objects.bulk_create([
        Certificate(person=person, title="Bulk", issuer="BSI", issued_on=date(2020, 1, 1),
                    expires_on=today + timedelta(days=person.pk % 3 - 1), file=evidence_file, verified_by=hr,
                    verified_at=timezone.now()) for person, evidence_file in zip(people, files)])
    Certificate.competencies.through.objects.bulk_create([
        Certificate.competencies.through(certificate=c, competency=a) for c in certificates])


def test_the_same_query_count_at_10_and_1000_people_and_the_export_matches_the_page(client, hr, org):
    """The page reads a fixed number of queries whatever the number of people (50 a page), filtered or
    not; the export of all 1,000 holds one row per person and requirement, and its first rows are page 1's."""
    client.force_login(hr)
    url = reverse("training:matrix")
    query = {"role_profile": org["role"].pk}

    def queries(params):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, params)
        assert response.status_code == 200
        return len(captured), response

    client.get(url)  # warm the session
    grow(org, hr, 10)
    small = queries({})[0], queries(query)[0]
    pks = list(Person.objects.filter(role_profile=org["role"]).values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as reads:
        assert len(matrix_rows(pks)) == 10
    assert len(reads) == 8  # people, levels, enrolments, reviews, certificates, qualifications, experience, sign-offs

    grow(org, hr, 1000)
    assert Person.objects.filter(role_profile=org["role"]).count() == 1000
    count, page = queries(query)
    assert (queries({})[0], count) == small
    page_lines = lines(page)
    assert len({row[0] for row in page_lines}) == 50 and len(page_lines) == 50 * 2
    assert "1000 people" in page.content.decode()

    rows = export_csv(client, query)
    assert len(rows) == 1 + 1000 * 2  # the header, then each person's two requirements
    assert [as_page(row) for row in rows[1:101]] == page_lines
    bulk = [row for row in rows[1:] if row[0].startswith("B")]
    assert len(bulk) == (1000 - 6) * 2
    evidence = {(row[4], row[-1].split(",")[0]) for row in bulk}
    assert evidence == {(org["a"].code, "verified certificate"),
                        (org["b"].code, "qualification; experience; sign-off at level 2")}



def test_the_export_holds_the_rows_of_the_page(client, hr, org):
    client.force_login(hr)
    query = {"org_unit": org["plant"].pk}
    page = lines(client.get(reverse("training:matrix"), query))
    rows = export_csv(client, query)
    assert rows[0][:4] == ["Employee id", "Name", "Org unit", "Role"] and rows[0][-1] == "Evidence"
    assert [as_page(row) for row in rows[1:]] == page
    workbook = load_workbook(io.BytesIO(client.get(reverse("training:matrix_export", args=["xlsx"]), query).content))
    sheet = list(workbook["Training matrix"].iter_rows(values_only=True))
    assert len(sheet) == len(rows) and sheet[0][0] == "Employee id"
    assert client.get(reverse("training:matrix_export", args=["pdf"])).status_code == 404


def test_a_formula_in_a_name_is_exported_as_text(client, hr, org):
    user = org["people"]["none"].user
    user.first_name = "=HYPERLINK(1)"
    user.save()
    client.force_login(hr)
    response = client.get(reverse("training:matrix_export", args=["csv"]))
    assert "'=HYPERLINK(1) None" in b"".join(response.streaming_content).decode("utf-8-sig")


def test_recommendations_rank_by_target_prerequisites_next_free_session_and_cost(hr):
    cycle, (a, b) = stored_cycle(hr, code="rec")
    other = published_framework(hr, code="rec-other", areas=1, per_area=1).competencies.get()
    person = PersonFactory()
    stored_leader(cycle, requirements={a: (4, 1, False), b: (2, 1, False)}, person=person, cells={a: {M: 2}, b: {M: 3}})
    analyse(cycle)
    early = programme(hr, "Early", [(a, 4)], cost=500)
    session(hr, early, 5)
    met = programme(hr, "Prerequisite met", [(a, 4)], cost=100, prerequisites=[(b, 2)])
    session(hr, met, 20)
    full = programme(hr, "First session full", [(a, 4)], cost=50)
    enrol(PersonFactory(), session(hr, full, 5, capacity=1), EnrolmentStatus.ENROLLED, hr)
    session(hr, full, 40)
    no_session = programme(hr, "No session", [(a, 4)])
    unmet = programme(hr, "Prerequisite not met", [(a, 4)], prerequisites=[(b, 4)])
    session(hr, unmet, 1)
    higher = programme(hr, "Aims higher", [(a, 5)])
    session(hr, higher, 1)
    programme(hr, "Inactive", [(a, 4)], active=False)
    programme(hr, "Aims lower", [(a, 2)])
    programme(hr, "Another framework", [(other, 4)])
    ranked = recommend(a, 3, person)
    assert [r.programme.title for r in ranked] == ["Early", "Prerequisite met", "First session full", "No session",
                                                   "Prerequisite not met", "Aims higher"]
    assert [r.free_places for r in ranked[:3]] == [5, 5, 5]
    assert ranked[4].prerequisites[0].observed == Decimal("3.00") and not ranked[4].prerequisites_met
    assert [r.programme.title for r in recommend(a, 5)] == ["Aims higher"]
    from django.template.loader import render_to_string

    html = render_to_string("training/_recommendations.html", {"recommendations": ranked})
    assert "Prerequisites: A0-01 level 4 (not met: 3.00)" in re.sub(r"\s+", " ", html)


def test_a_leaders_gaps_page_recommends_the_programmes_for_each_gap_in_the_same_order(client, hr):
    """The gaps page's panel ranks as `recommend` does, for every gap at once: A (required 4, observed 2)
    gets the two programmes aimed at level 4 or more, the sooner session first; B is met and has no panel row."""
    cycle, (a, b) = stored_cycle(hr, code="panel")
    person = PersonFactory()
    participant = stored_leader(cycle, requirements={a: (4, 1, False), b: (2, 1, False)}, person=person,
                                cells={a: {M: 2}, b: {M: 3}})
    analyse(cycle)
    for title, days in (("Later", 20), ("Sooner", 10)):
        session(hr, programme(hr, title, [(a, 4)]), days)
    programme(hr, "Aims lower", [(a, 3)])
    client.force_login(person.user)
    html = client.get(reverse("gaps:leader", args=[participant.pk])).content.decode()
    panel = html.split('data-testid="gap-recommendations"', 1)[1]
    assert [r.programme.title for r in recommend(a, 4, person)] == ["Sooner", "Later"]
    assert panel.index("Sooner") < panel.index("Later") and "Aims lower" not in panel
    assert f"{a.code}</span>" in panel and f"{b.code}</span>" not in panel
