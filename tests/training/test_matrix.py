"""The training matrix as auditors read it: per person and competency of their role the required and
observed level, the training status (none, planned, in progress, completed, effective, not effective),
the earliest certificate expiry (expired flagged); filters by unit (with sub-units) and role; managers
see their line; a constant query count at 10 and 60 people; the export holds the page's rows. And the
recommendations for a gap, ranked by fit."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
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
from training.models import (Certificate, EffectivenessReview, Enrolment, EnrolmentStatus, EvidenceFile, Prerequisite,
                             Programme, ProgrammeKind, ProgrammeTarget, ReviewMethod, Session)
from training.recommendations import recommend

pytestmark = pytest.mark.django_db
M = CellLabel.MANAGER


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


def certificate(person, competency, hr, expires_on, title="ISO 9001 internal auditor"):
    evidence = EvidenceFile.objects.create(file=f"evidence/{title}-{expires_on}", filename="c.pdf",
                                           content_type="application/pdf", size=10, sha256="0" * 64, uploaded_by=hr)
    cert = Certificate.objects.create(person=person, title=title, issuer="BSI", issued_on=expires_on - timedelta(days=700),
                                      expires_on=expires_on, file=evidence, verified_by=hr)
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
    """The matrix page's lines: [employee id, code, required, observed, training, expiry] per competency row."""
    html = response.content.decode()
    found = []
    for body in re.findall(r'<tbody data-person="([^"]*)">(.*?)</tbody>', html, re.S):
        employee, content = body
        for row in re.findall(r'<tr data-testid="matrix-line"[^>]*>(.*?)</tr>', content, re.S):
            cells = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip()
                     for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            found.append([employee, *cells])
    return found


def test_the_matrix_shows_levels_statuses_and_expiry(client, hr, org):
    client.force_login(hr)
    response = client.get(reverse("training:matrix"))
    assert response.status_code == 200
    by = {(row[0], row[1].split()[0]): row[2:] for row in lines(response)}
    p = org["people"]
    a, b = org["a"].code, org["b"].code
    assert by[(p["none"].employee_id, a)] == ["3", "–", "None", "–"]
    assert by[(p["planned"].employee_id, a)][2] == "Planned"
    assert by[(p["progress"].employee_id, a)][2] == "In progress"
    assert by[(p["completed"].employee_id, a)][2] == "Completed, review pending"
    assert by[(p["effective"].employee_id, a)] == ["3", "2.50", "Effective (reviewed)",
                                                   f"{timezone.localdate() - timedelta(days=1):%Y-%m-%d} expired"]
    assert by[(p["effective"].employee_id, b)] == ["2", "2.00", "None", "–"]
    assert by[(p["ineffective"].employee_id, a)][2] == "Not effective (reviewed)"
    assert by[(p["completed"].employee_id, b)] == ["2", "–", "None", f"{timezone.localdate() + timedelta(days=60):%Y-%m-%d}"]
    assert by[(org["outsider"].employee_id, b)] == ["4", "–", "None", "–"]
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


def test_the_query_count_does_not_grow_with_the_people(client, hr, org):
    client.force_login(hr)
    url = reverse("training:matrix")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    def grow(to):
        now = Person.objects.filter(active=True, role_profile__isnull=False).count()
        for _ in range(to - now):
            person = PersonFactory(org_unit=org["plant"], role_profile=org["role"])
            enrol(person, Session.objects.first(), EnrolmentStatus.REQUESTED, hr)
            certificate(person, org["a"], hr, timezone.localdate() + timedelta(days=5), title=f"C{person.pk}")

    from profiles.models import Person

    grow(10)
    small = queries()
    grow(60)
    assert queries() == small
    assert len({row[0] for row in lines(client.get(url))}) == 50  # a page of 50 people


def test_the_export_holds_the_rows_of_the_page(client, hr, org):
    client.force_login(hr)
    query = {"org_unit": org["plant"].pk}
    page = lines(client.get(reverse("training:matrix"), query))
    response = client.get(reverse("training:matrix_export", args=["csv"]), query)
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:4] == ["Employee id", "Name", "Org unit", "Role"]

    def as_page(row):
        employee, _name, _unit, _role, code, name, required, observed, _cycle, training, expires, expired = row
        return [employee, f"{code} {name}", required, observed or "–", training,
                (f"{expires} expired" if expired == "yes" else expires) or "–"]

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
