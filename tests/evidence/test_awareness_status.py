"""Acknowledgement status (ISO 9001 7.3) in the evidence pages: the red flag `role_not_acknowledged` for a
leader working under a role profile revision they never acknowledged (acceptance 2 of issue 13), the
"acknowledged" column of the landing page, the dossier's awareness section and register, the pack, each
today and as at a past day, at a fixed number of queries.

The world is dated as the evidence builders date theirs (tests/evidence/builders.py `dated`), T = today:

    T-30  framework, role profile "Team Leader" revision 1, Leo (leader, unit Plant) holds it; the quality
          policy's revision 1 published; Leo acknowledges his role profile revision 1 and the policy
    T-20  HR revises the profile, quality signs it: revision 2 (`revise_profile`)
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from awareness.models import Acknowledgement, StatementKind
from awareness.services import acknowledge_profile, acknowledge_revision
from evidence import records
from evidence.dossier import FLAG_TEXTS, build_dossier
from evidence.packs import records_fingerprint
from evidence.status import FLAG_ORDER, status_rows
from profiles.models import Person
from tests.awareness.test_acknowledgements import revise_profile
from tests.awareness.test_statements import new_revision, published
from tests.evidence.builders import dated
from tests.factories import TEST_PASSWORD, OrgUnitFactory, PersonFactory, UserFactory
from tests.helpers import approved_profile, published_framework, visible_text

pytestmark = pytest.mark.django_db
LANDING = reverse("evidence:landing")


@pytest.fixture
def world():
    today = timezone.localdate()
    with dated(today - timedelta(days=30)):
        hr = UserFactory(role=Role.HR, first_name="Hana", last_name="HR")
        quality = UserFactory(role=Role.QUALITY, first_name="Quinn", last_name="Quality")
        version = published_framework(hr)
        profile = approved_profile(version, hr)
        plant, office = OrgUnitFactory(name="Plant", code="PLANT"), OrgUnitFactory(name="Office", code="OFFICE")
        leader = PersonFactory(user=UserFactory(first_name="Leo", last_name="Leader"), org_unit=plant,
                               role_profile=profile)
        w = SimpleNamespace(hr=hr, quality=quality, profile=profile, plant=plant, office=office, leader=leader,
                            today=today, days_ago=lambda days: today - timedelta(days=days))
        w.policy = published(w)
        acknowledge_profile(person=leader, password=TEST_PASSWORD)
        acknowledge_revision(person=leader, revision=w.policy.current_revision, password=TEST_PASSWORD)
    with dated(w.days_ago(20)):
        w.profile.refresh_from_db()
        w.profile = revise_profile(w, "Leads the team and its quality checks.")
    w.auditor = UserFactory(auditor=True, first_name="Ada", last_name="Auditor")
    return w


def _row(world, as_at=None):
    return status_rows(Person.objects.filter(pk=world.leader.pk), as_at=as_at)[0]


def _dossier_page(client, world, as_at=None):
    client.force_login(world.auditor)
    response = client.get(reverse("evidence:dossier", args=[world.leader.pk]),
                          {"as_at": as_at.isoformat()} if as_at else {})
    assert response.status_code == 200
    return response


def _awareness_text(response) -> str:
    html = response.content.decode()
    start = html.index('data-testid="dossier-awareness"')
    section = visible_text(type("R", (), {"content": html[start:html.index("</section>", start)].encode()}))
    return section.replace(" ,", ",")  # a tag's end before a comma is no space on the page


def _landing_row(client, world, as_at=None):
    client.force_login(world.auditor)
    query = {"role_profile": world.profile.pk, **({"as_at": as_at.isoformat()} if as_at else {})}
    response = client.get(LANDING, query)
    assert response.status_code == 200
    return response


# --- acceptance 2 ----------------------------------------------------------------------------------------------


def test_a_new_role_revision_shows_the_old_acknowledgement_for_its_revision_and_raises_the_flag_until_acknowledged(
        client, world):
    assert world.profile.revision == 2
    dossier = build_dossier(world.leader)
    assert "role_not_acknowledged" in dossier.flag_codes
    assert dossier.awareness.role_acknowledgement is None
    assert [a.profile_revision for a in dossier.awareness.earlier_role_acknowledgements] == [1]

    page = _dossier_page(client, world)
    assert 'data-flag="role_not_acknowledged"' in page.content.decode()
    assert FLAG_TEXTS["role_not_acknowledged"] in visible_text(page)
    section = _awareness_text(page)
    assert "revision 2 (in force): Never acknowledged" in section
    assert "Acknowledged for revision 1 (an earlier revision) by Leo Leader" in section
    landing = _landing_row(client, world).content.decode()
    assert 'data-flags="role_not_acknowledged"' in landing
    assert "role revision 2 not acknowledged, revision 1 was" in visible_text(_landing_row(client, world))

    with dated(world.days_ago(10)):
        acknowledge_profile(person=world.leader, password=TEST_PASSWORD)

    assert "role_not_acknowledged" not in build_dossier(world.leader).flag_codes
    page = _dossier_page(client, world)
    assert 'data-flag="role_not_acknowledged"' not in page.content.decode()
    section = _awareness_text(page)
    assert "revision 2 (in force): Acknowledged revision 2 by Leo Leader" in section
    signature = Acknowledgement.objects.get(profile_revision=2).signature
    assert signature.content_sha256 in section and "UTC" in section
    assert 'data-flags=""' in _landing_row(client, world).content.decode()

    # As at a day before the second acknowledgement the flag was up; before the revision it was not.
    then = _dossier_page(client, world, world.days_ago(15))
    assert 'data-flag="role_not_acknowledged"' in then.content.decode()
    assert "for revision 1 (an earlier revision)" in _awareness_text(then)
    assert 'data-flags="role_not_acknowledged"' in _landing_row(client, world, world.days_ago(15)).content.decode()
    assert _row(world, world.days_ago(15)).flags == ["role_not_acknowledged"]
    before = build_dossier(world.leader, as_at=world.days_ago(25))
    assert "role_not_acknowledged" not in before.flag_codes
    assert before.awareness.role == (world.profile.pk, world.profile.name, 1)
    assert before.awareness.role_acknowledgement.profile_revision == 1


def test_the_flag_is_raised_at_once_for_a_role_never_acknowledged_and_not_beside_undefined_competence(world):
    newcomer = PersonFactory(org_unit=world.plant, role_profile=world.profile)
    assert "role_not_acknowledged" in build_dossier(newcomer).flag_codes
    assert "role_not_acknowledged" in status_rows(Person.objects.filter(pk=newcomer.pk))[0].flags
    roleless = PersonFactory(org_unit=world.plant)
    assert build_dossier(roleless).flag_codes == ["no_competence_defined"]
    assert status_rows(Person.objects.filter(pk=roleless.pk))[0].flags == ["no_competence_defined"]
    assert FLAG_ORDER[-1] == "role_not_acknowledged" and "role_not_acknowledged" in FLAG_TEXTS


# --- statements -------------------------------------------------------------------------------------------------


def test_statements_waiting_show_in_the_column_and_raise_no_flag(client, world):
    acknowledge_profile(person=world.leader, password=TEST_PASSWORD)
    assert _row(world).acknowledged is True and _row(world).cells[-1] == ("acknowledged", "yes", "")
    new_revision(world, world.policy, "We deliver what we promise, on time.")
    published(world, "Delivery on time", kind=StatementKind.OBJECTIVE)
    published(world, "Office tidiness", applies_to_everyone=False, org_units=[world.office])  # not Leo's unit
    row = _row(world)
    assert (row.statements_due, row.statements_waiting) == (2, 2)
    assert row.cells[-1] == ("acknowledged", "no", "2 statements waiting")
    assert row.flags == []
    assert "2 statements waiting" in visible_text(_landing_row(client, world))
    # As at a day before the new revisions, the policy's revision 1 was current and acknowledged.
    earlier = _row(world, world.days_ago(25))
    assert (earlier.statements_due, earlier.statements_waiting) == (1, 0)


def test_the_dossier_lists_each_current_statement_and_earlier_acknowledgements_with_their_revision(client, world):
    new_revision(world, world.policy, "We deliver what we promise, on time.")
    objective = published(world, "Delivery on time", kind=StatementKind.OBJECTIVE)
    acknowledge_revision(person=world.leader, revision=objective.current_revision, password=TEST_PASSWORD)
    page = _dossier_page(client, world)
    assert f'data-statement="{world.policy.pk}" data-acknowledged="no"' in page.content.decode()
    assert f'data-statement="{objective.pk}" data-acknowledged="yes"' in page.content.decode()
    section = _awareness_text(page)
    assert "Quality policy, revision 2 (quality policy, published" in section
    assert "Delivery on time, revision 1 (quality objective" in section
    assert "acknowledged revision 1 on" in section
    assert "Quality policy: acknowledged revision 1 (an earlier revision)" in section
    then = _awareness_text(_dossier_page(client, world, world.days_ago(25)))
    assert "Delivery on time" not in then and "Quality policy, revision 1" in then


# --- register, verify, fingerprint -------------------------------------------------------------------------------


def test_each_acknowledgement_is_a_record_of_the_register_with_what_was_acknowledged(world):
    dossier = build_dossier(world.leader)
    refs = [r for r in dossier.register if r.kind == "acknowledgement"]
    assert sorted(r.version for r in refs) == ["revision 1", "revision 1"]
    policy = next(r for r in refs if "Quality policy" in r.label)
    assert policy.label == "Leo Leader: Quality policy, revision 1"
    ack = Acknowledgement.objects.get(revision__isnull=False)
    content = records.content_of(ack)
    assert content["revision"] == 1 and content["signature_sha256"] == ack.signature.content_sha256
    assert len(content["text_sha256"]) == 64
    assert policy.sha256 == records.sha256_of(ack) and [s.pk for s in policy.signatures] == [ack.signature_id]
    # The profile's own signatures are its approvals: acknowledgements are listed with their records.
    profile = next(r for r in dossier.register if r.kind == "role_profile")
    assert profile.signatures and all(s.meaning == "approved" for s in profile.signatures)
    assert all(s.meaning == "approved" for s in dossier.approval_signatures)
    # Verify reads an acknowledgement as at a moment: there once it was made.
    assert records.as_at("awareness.acknowledgement", ack.pk, timezone.now()).pk == ack.pk
    assert records.as_at("awareness.acknowledgement", ack.pk, ack.acknowledged_at - timedelta(seconds=1)) is None


def test_a_packs_fingerprint_changes_when_someone_acknowledges(world):
    before = records_fingerprint()
    acknowledge_profile(person=world.leader, password=TEST_PASSWORD)
    after = records_fingerprint()
    assert before != after
    changed = {name for (name, value), (_, old) in zip(after, before) if value != old}
    assert "awareness.acknowledgement.id" in changed


def test_the_pack_shows_the_acknowledgements_with_their_revision_and_the_flag(world):
    from evidence.models import PackScope
    from evidence.pack_pdf import render_pack_pdf
    from evidence.packs import pack_request
    from tests.documents.pdfcheck import pdf_text

    pack, _document = pack_request(user=world.hr, scope=PackScope.LEADER, target=world.leader)
    text = " ".join(pdf_text(render_pack_pdf(pack)).split())
    assert "Awareness (ISO 9001 7.3)" in text
    assert "revision 2 never acknowledged" in text
    assert "Acknowledged for revision 1 (an earlier revision)" in text
    assert "acknowledged revision 1 on" in text  # the quality policy
    assert FLAG_TEXTS["role_not_acknowledged"] in text


# --- queries -------------------------------------------------------------------------------------------------------


def _more_acknowledgements(world, n: int) -> None:
    for i in range(n):
        statement = published(world, f"Objective {i}", kind=StatementKind.OBJECTIVE)
        acknowledge_revision(person=world.leader, revision=statement.current_revision, password=TEST_PASSWORD)
        PersonFactory(org_unit=world.plant, role_profile=world.profile)


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def test_the_status_and_the_dossier_cost_the_same_queries_at_two_sizes(client, world, django_assert_num_queries):
    people = Person.objects.filter(org_unit=world.plant)
    dossier_today = _queries(lambda: build_dossier(world.leader))
    dossier_then = _queries(lambda: build_dossier(world.leader, as_at=world.days_ago(15)))
    _dossier_page(client, world)  # warm the content types and the session
    page = _queries(lambda: _dossier_page(client, world))
    with django_assert_num_queries(1):  # the people with every column, the acknowledgements too, as subqueries
        status_rows(people)
    _more_acknowledgements(world, 4)
    with django_assert_num_queries(1):
        rows = status_rows(people)
    with django_assert_num_queries(1):
        status_rows(people, as_at=world.days_ago(15))
    assert len(rows) == 5 and sum(1 for r in rows if "role_not_acknowledged" in r.flags) == 5
    assert len(build_dossier(world.leader).awareness.statements) == 5
    # the awareness section: the acknowledgements (with what they acknowledged) and the current statements
    assert _queries(lambda: build_dossier(world.leader)) == dossier_today
    assert _queries(lambda: build_dossier(world.leader, as_at=world.days_ago(15))) == dossier_then
    assert _queries(lambda: _dossier_page(client, world)) == page
