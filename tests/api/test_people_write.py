"""People writes for HRIS sync: by employee id, idempotent, through the people import's checks, all or
nothing; never a role, an admin flag or the email of an account that is not a plain leader's."""

from __future__ import annotations

import pytest
from django.core import mail

from accounts.models import Role, User
from profiles.models import Person
from tests.factories import OrgUnitFactory, PersonFactory, UserFactory
from tests.helpers import approved_profile, published_framework

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(hr):
    version = published_framework(hr, areas=1, per_area=1)
    return {"unit": OrgUnitFactory(code="OPS"), "profile": approved_profile(version, hr, code="team-leader")}


def maria(**overrides) -> dict:
    return {"first_name": "Maria", "last_name": "Jensen", "email": "maria@example.com", "org_unit": "OPS",
            "role_profile": "team-leader", "manager_email": "", **overrides}


def test_put_creates_a_leader_and_invites_them_and_again_changes_nothing(hr_writer, org, hr,
                                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = hr_writer.put("/api/v1/people/E1/", maria(), format="json")
    assert first.status_code == 200, first.content
    assert first.json() == {"created": 1, "updated": 0, "unchanged": 0, "invited": 1}
    person = Person.objects.select_related("user").get(employee_id="E1")
    assert person.user.email == "maria@example.com" and person.user.role == Role.LEADER
    assert person.role_profile == org["profile"] and person.org_unit == org["unit"]
    assert [m.to for m in mail.outbox] == [["maria@example.com"]]
    # The history names the HR manager who created the token.
    assert person.history.get().history_user == hr and person.user.history.get().history_user == hr
    again = hr_writer.put("/api/v1/people/E1/", maria(), format="json")
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 1, "invited": 0}
    assert person.history.count() == 1


def test_put_updates_what_changed(hr_writer, org):
    hr_writer.put("/api/v1/people/E1/", maria(), format="json")
    response = hr_writer.put("/api/v1/people/E1/", maria(last_name="Berg", active=False), format="json")
    assert response.json()["updated"] == 1
    person = Person.objects.select_related("user").get(employee_id="E1")
    assert person.user.last_name == "Berg" and person.active is False


def test_a_bad_value_gets_the_import_s_message_and_changes_nothing(hr_writer, org):
    response = hr_writer.put("/api/v1/people/E1/", maria(org_unit="NOWHERE", email="not-an-email"), format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"].startswith("Nothing was changed")
    messages = [error["message"] for error in body["errors"]]
    assert any("not-an-email is not a valid email address" in m for m in messages), messages
    assert all(error["line"] == 2 for error in body["errors"])
    assert not Person.objects.exists() and not User.objects.filter(email="not-an-email").exists()


def test_a_missing_field_is_a_400_naming_it(hr_writer, org):
    response = hr_writer.put("/api/v1/people/E1/", {"first_name": "Maria"}, format="json")
    assert response.status_code == 400
    assert "last_name" in response.json() and not Person.objects.exists()


def test_bulk_is_all_or_nothing_with_the_bad_person_named(hr_writer, org):
    people = [dict(maria(), employee_id="E1"),
              dict(maria(email="jonas@example.com", first_name="Jonas", manager_email="maria@example.com"),
                   employee_id="E2"),
              dict(maria(email="amara@example.com", org_unit="NOWHERE"), employee_id="E3")]
    refused = hr_writer.post("/api/v1/people/bulk/", {"people": people}, format="json")
    assert refused.status_code == 400
    assert [error["line"] for error in refused.json()["errors"]] == [4]  # the third person: line 4 of the "file"
    assert not Person.objects.exists()
    people[2]["org_unit"] = "OPS"
    done = hr_writer.post("/api/v1/people/bulk/", {"people": people}, format="json")
    assert done.json()["created"] == 3
    assert Person.objects.get(employee_id="E2").manager.employee_id == "E1"


def test_a_token_never_changes_the_email_of_an_account_that_is_not_a_leader_s(hr_writer, org):
    quality = UserFactory(email="q@example.com", role=Role.QUALITY, first_name="Maria", last_name="Jensen")
    PersonFactory(user=quality, employee_id="Q1", org_unit=org["unit"])
    response = hr_writer.put("/api/v1/people/Q1/", maria(email="new@example.com"), format="json")
    assert response.status_code == 400
    assert "Accounts page" in str(response.json()["errors"])
    quality.refresh_from_db()
    assert quality.email == "q@example.com" and quality.role == Role.QUALITY


def test_a_token_cannot_link_an_hr_account_to_a_person(hr_writer, org, hr):
    response = hr_writer.put("/api/v1/people/E9/", maria(email=hr.email), format="json")
    assert response.status_code == 400
    assert "An import links only leader accounts" in str(response.json()["errors"])
    assert not Person.objects.exists()


def test_role_and_staff_fields_are_not_part_of_a_person(hr_writer, org):
    hr_writer.put("/api/v1/people/E1/", dict(maria(), role="hr", is_staff=True, is_superuser=True), format="json")
    account = User.objects.get(email="maria@example.com")
    assert account.role == Role.LEADER and not account.is_staff and not account.is_superuser


def test_a_quality_token_with_write_scope_syncs_people_too(make_token, org):
    _, quality = make_token("quality", "read-write")
    assert quality.put("/api/v1/people/E1/", maria(), format="json").status_code == 200


def test_nul_and_oversized_values_are_refused_cleanly(hr_writer, org):
    assert hr_writer.put("/api/v1/people/E1/", maria(first_name="Ma\x00ria"), format="json").status_code == 400
    assert hr_writer.put("/api/v1/people/E1/", maria(first_name="x" * 5000), format="json").status_code == 400
    assert hr_writer.put("/api/v1/people/" + "E" * 60 + "/", maria(), format="json").status_code == 400
    assert hr_writer.post("/api/v1/people/bulk/", {"people": "nope"}, format="json").status_code == 400
    assert hr_writer.post("/api/v1/people/bulk/", "[", content_type="application/json").status_code == 400
    assert not Person.objects.exists()
