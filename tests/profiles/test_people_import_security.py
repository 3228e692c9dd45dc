"""A people import manages leaders only: it never links, renames, re-emails or switches off any other account."""

from __future__ import annotations

import pytest
from django.core import mail

from accounts.models import Role, User
from core.uploads import ImportFailed
from profiles.importers import plan_people_import, read_table
from profiles.models import PeopleImport, Person
from tests.factories import PersonFactory, UserFactory
from tests.helpers import text
from tests.profiles.test_people_import import HEADER, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return UserFactory(email="boss@example.com", first_name="Hannah", last_name="Reid", role=Role.HR,
                       is_staff=True, is_superuser=True)


@pytest.fixture
def quality_manager(db):
    return UserFactory(email="qm@example.com", role=Role.QUALITY)


def test_the_takeover_through_an_import_fails_at_its_first_step(client, units, superuser, quality_manager,
                                                                 django_capture_on_commit_callbacks):
    """The reported attack: a quality manager links a person to the HR superuser's account and renames it,
    a second import moves its email to an outside address, a password reset then hands over the admin."""
    client.force_login(quality_manager)
    first = upload(client, HEADER + "X1,Mallory,Owned,boss@example.com,HQ,,\n")
    assert first.status_code == 400
    assert ("Line 2, column “email”: boss@example.com is an administrator account. An import links only leader "
            "accounts") in text(first)
    assert not PeopleImport.objects.exists() and not Person.objects.exists()
    superuser.refresh_from_db()
    assert (superuser.first_name, superuser.last_name, superuser.email) == ("Hannah", "Reid", "boss@example.com")
    second = upload(client, HEADER + "X1,Mallory,Owned,mallory@evil.example,HQ,,\n")  # a new person: harmless
    assert second.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": "mallory@evil.example"})
    assert all(message.to != ["mallory@evil.example"] or "boss" not in message.body for message in mail.outbox)
    superuser.refresh_from_db()
    assert superuser.email == "boss@example.com" and superuser.is_superuser


@pytest.mark.parametrize("role, kind", [(Role.HR, "an HR manager account"), (Role.QUALITY, "a quality manager account"),
                                        (Role.AUDITOR, "an auditor account")])
def test_no_import_links_an_account_that_is_not_a_leaders(units, role, kind):
    extra = {"auditor": True} if role == Role.AUDITOR else {"role": role}
    UserFactory(email="other@example.com", **extra)
    with pytest.raises(ImportFailed, match=f"other@example.com is {kind}"):
        plan_people_import(read_table((HEADER + "X1,A,B,other@example.com,HQ,,\n").encode(), "p.csv"))


@pytest.mark.parametrize("row, what", [
    pytest.param("Q1,Quinn,Adams,evil@example.com,HQ,,", "email", id="re-email"),
    pytest.param("Q1,Mallory,Adams,qm@example.com,HQ,,", "first name", id="rename"),
])
def test_a_person_on_a_privileged_account_keeps_their_account_as_it_is(units, quality_manager, row, what):
    PersonFactory(user=quality_manager, employee_id="Q1", org_unit=units["HQ"])
    quality_manager.first_name, quality_manager.last_name = "Quinn", "Adams"
    quality_manager.save()
    with pytest.raises(ImportFailed, match=f"signs in with a quality manager account, whose {what} an import cannot change"):
        plan_people_import(read_table((HEADER + row + "\n").encode(), "p.csv"))
    quality_manager.refresh_from_db()
    assert (quality_manager.email, quality_manager.first_name) == ("qm@example.com", "Quinn")


def test_an_import_cannot_switch_a_privileged_account_off_or_on(units, quality_manager):
    PersonFactory(user=quality_manager, employee_id="Q1", org_unit=units["HQ"], user__first_name="x")
    quality_manager.refresh_from_db()
    row = f"Q1,{quality_manager.first_name},{quality_manager.last_name},qm@example.com,HQ,,,no\n"
    with pytest.raises(ImportFailed, match="active flag an import cannot change"):
        plan_people_import(read_table((HEADER.rstrip("\n") + ",active\n" + row).encode(), "p.csv"))


def test_a_person_on_a_privileged_account_can_still_move_unit(units, quality_manager, hr):
    from profiles.importers import apply_people_plan

    person = PersonFactory(user=quality_manager, employee_id="Q1", org_unit=units["HQ"])
    row = f"Q1,{quality_manager.first_name},{quality_manager.last_name},qm@example.com,OPS,,\n"
    apply_people_plan(plan_people_import(read_table((HEADER + row).encode(), "p.csv")), actor=hr)
    person.refresh_from_db()
    assert person.org_unit == units["OPS"]
    assert User.objects.get(pk=quality_manager.pk).role == Role.QUALITY


def test_an_account_made_hr_after_the_preview_is_not_renamed_by_the_import(units, hr):
    """HR promotes a leader between the preview and the confirm: the confirmed plan no longer fits."""
    from profiles.importers import apply_people_plan

    leader = UserFactory(email="lee@example.com", first_name="Lee", last_name="Old", role=Role.LEADER)
    PersonFactory(user=leader, employee_id="L1", org_unit=units["HQ"])
    plan = plan_people_import(read_table((HEADER + "L1,Lee,New,lee@example.com,HQ,,\n").encode(), "p.csv"))
    User.objects.filter(pk=leader.pk).update(role=Role.HR)
    with pytest.raises(ImportFailed, match="The account lee@example.com is no longer a leader account"):
        apply_people_plan(plan, actor=hr)
    assert User.objects.get(pk=leader.pk).last_name == "Old"


def test_an_import_row_cannot_make_anyone_hr_or_staff(units, hr):
    """The file has no role or staff column; an unknown column is not read."""
    from profiles.importers import apply_people_plan

    content = HEADER.rstrip("\n") + ",role,is_staff\nX1,A,B,new@example.com,HQ,,,hr,yes\n"
    apply_people_plan(plan_people_import(read_table(content.encode(), "p.csv")), actor=hr)
    created = User.objects.get(email="new@example.com")
    assert (created.role, created.is_staff, created.is_superuser) == (Role.LEADER, False, False)
