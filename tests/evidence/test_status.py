"""The 7.2 status at a glance (evidence.status): what each column says for the people of the evidence
organisation (tests/evidence/builders.py), today and as at an earlier day, and its fixed query count."""

from __future__ import annotations

import pytest

from evidence.status import status_rows, undefined_roles
from profiles.models import Person
from tests.evidence.builders import build_evidence_org
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return build_evidence_org()


def _rows(org, as_at=None):
    people = Person.objects.filter(org_unit=org.unit) | Person.objects.filter(pk=org.stranger.pk)
    return {row.person.pk: row for row in status_rows(people.order_by("pk"), as_at=as_at)}


def test_a_person_with_an_approved_assessed_role_and_planned_gaps_shows_each_column(org):
    lena = _rows(org)[org.leader.pk]
    assert lena.defined and lena.assessed
    assert lena.open_gaps == 2 and lena.gaps_with_actions is True  # both gaps are objectives of her approved plan
    assert lena.actions_evaluated is True  # her one review is recorded
    assert lena.records_present is False  # the critical A0-01 has no certificate, qualification or sign-off
    assert lena.flags == ["expired_certificate"]  # her licence for A0-00 lapsed 30 days ago


def test_a_gap_without_a_plan_and_an_overdue_review_are_flagged(org):
    gus = _rows(org)[org.gus.pk]
    assert gus.gaps_with_actions is False and gus.unplanned_gaps == 1
    assert gus.actions_evaluated is False and gus.reviews_overdue == 1
    assert gus.flags == ["gap_without_action", "action_without_review"]


def test_people_without_a_role_profile_have_no_defined_competence(org):
    rows = _rows(org)
    for person in (org.stranger, org.manager):
        assert rows[person.pk].defined is False
        assert rows[person.pk].flags == ["no_competence_defined"]
        assert rows[person.pk].records_present is None  # nothing is asked of a role that is not defined


def test_a_certificate_valid_then_and_expired_now_is_flagged_today_only(org):
    """Acceptance 2 on the landing page: Cora met her requirement with a valid licence at T-100."""
    then, now = _rows(org, as_at=org.earlier)[org.cora.pk], _rows(org)[org.cora.pk]
    assert then.flags == [] and then.defined and then.assessed
    assert now.flags == ["expired_certificate"]


def test_as_at_a_day_before_the_plan_the_gaps_had_no_action(org):
    rows = _rows(org, as_at=org.days_ago(295))  # released at T-300, plan approved at T-290
    assert rows[org.leader.pk].assessed
    assert rows[org.leader.pk].gaps_with_actions is False
    assert "gap_without_action" in rows[org.leader.pk].flags


def test_as_at_a_day_before_the_release_nobody_was_assessed(org):
    rows = _rows(org, as_at=org.days_ago(320))
    assert not any(row.assessed for row in rows.values())
    assert rows[org.leader.pk].defined  # the profile was approved at T-400


def test_a_draft_profile_is_not_defined_and_is_an_organisation_flag(org):
    from profiles.models import ProfileStatus, RoleProfile

    RoleProfile.objects.filter(pk=org.cert_role.pk).update(status=ProfileStatus.DRAFT)
    assert _rows(org)[org.cora.pk].flags[0] == "no_competence_defined"
    roles = list(undefined_roles())
    assert [(role.pk, role.holders) for role in roles] == [(org.cert_role.pk, 1)]


def test_an_approved_profile_without_its_signature_is_flagged(org):
    from signatures.models import Signature

    Signature.objects.filter(content_type__model="roleprofile", object_id=org.cert_role.pk,
                             meaning="approved").delete()  # Cora's acknowledgement is no approval
    assert "unsigned_or_superseded" in _rows(org)[org.cora.pk].flags


def test_the_status_costs_one_query_whatever_the_number_of_people(org, django_assert_num_queries):
    with django_assert_num_queries(1):  # the people with every column as a subquery
        small = status_rows(Person.objects.filter(org_unit=org.unit))
    for _ in range(15):
        PersonFactory(org_unit=org.unit, role_profile=org.role)
    with django_assert_num_queries(1):
        large = status_rows(Person.objects.filter(org_unit=org.unit))
    assert len(large) == len(small) + 15
    with django_assert_num_queries(1):  # as at a past day: the same, reading the history tables
        status_rows(Person.objects.filter(org_unit=org.unit), as_at=org.earlier)
