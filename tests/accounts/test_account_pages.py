"""HR's account pages: the one place where roles, administration and non-leaders' emails change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Invitation, Role, User
from tests.factories import PersonFactory, UserFactory
from tests.helpers import text

pytestmark = pytest.mark.django_db


def account_form(**values) -> dict:
    data = {"email": "quinn@example.com", "first_name": "Quinn", "last_name": "Adams", "role": Role.QUALITY,
            "is_active": "on"}
    data.update(values)
    return {key: value for key, value in data.items() if value is not None}


def test_hr_creates_a_quality_manager_who_gets_an_invitation(client, hr, django_capture_on_commit_callbacks):
    client.force_login(hr)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/users/new/", account_form(email="Quinn@Example.com"))
    assert response.status_code == 302
    quinn = User.objects.get(email="quinn@example.com")
    assert quinn.role == Role.QUALITY and not quinn.has_usable_password() and not quinn.is_staff
    assert mail.outbox[0].to == ["quinn@example.com"] and "/accounts/invitation/" in mail.outbox[0].body
    assert Invitation.objects.get(user=quinn).sent_at is not None
    assert quinn.history.latest().history_user == hr


def test_hr_creates_an_auditor_with_an_access_window(client, hr):
    client.force_login(hr)
    until = (timezone.localtime() + timedelta(days=10)).replace(second=0, microsecond=0)
    response = client.post("/accounts/users/new/", account_form(
        email="audit@example.com", role=Role.AUDITOR, access_valid_until=until.strftime("%Y-%m-%dT%H:%M")))
    assert response.status_code == 302
    auditor = User.objects.get(email="audit@example.com")
    assert auditor.role == Role.AUDITOR and auditor.access_valid_until == until


def test_an_auditor_without_an_end_date_is_refused_with_a_message(client, hr):
    client.force_login(hr)
    response = client.post("/accounts/users/new/", account_form(email="audit@example.com", role=Role.AUDITOR))
    assert response.status_code == 400
    assert "An auditor account needs the date its access ends." in text(response)
    assert not User.objects.filter(email="audit@example.com").exists()


def test_only_hr_managers_may_be_given_the_admin(client, hr):
    client.force_login(hr)
    response = client.post("/accounts/users/new/", account_form(admin="on"))
    assert response.status_code == 400
    assert "Only HR managers may use the Django admin." in text(response)
    assert not User.objects.filter(email="quinn@example.com").exists()


def test_hr_promotes_a_leader_and_the_history_says_who(client, hr):
    leader = UserFactory(email="lee@example.com", first_name="Lee", last_name="Ng")
    client.force_login(hr)
    response = client.post(f"/accounts/users/{leader.pk}/", account_form(
        email="lee@example.com", first_name="Lee", last_name="Ng", role=Role.HR, admin="on"))
    assert response.status_code == 302
    leader.refresh_from_db()
    assert (leader.role, leader.is_staff, leader.is_superuser) == (Role.HR, True, True)
    newest = leader.history.latest()
    assert (newest.role, newest.is_staff, newest.history_user) == (Role.HR, True, hr)


def test_hr_cannot_take_away_their_own_role_or_access(client, hr):
    client.force_login(hr)
    response = client.post(f"/accounts/users/{hr.pk}/", account_form(
        email=hr.email, first_name=hr.first_name, last_name=hr.last_name, role=Role.LEADER))
    assert response.status_code == 400
    assert "You cannot take away your own HR role" in text(response)
    hr.refresh_from_db()
    assert hr.role == Role.HR
    hr.is_staff = hr.is_superuser = True
    hr.save()
    with_admin = client.post(f"/accounts/users/{hr.pk}/", account_form(
        email=hr.email, first_name=hr.first_name, last_name=hr.last_name, role=Role.QUALITY, admin="on"))
    assert "You cannot take away your own HR role" in text(with_admin)  # the reason, not a side effect


def test_access_windows_belong_to_auditors_and_end_in_the_future(client, hr):
    client.force_login(hr)
    past = client.post("/accounts/users/new/", account_form(email="a@example.com", role=Role.AUDITOR,
                                                            access_valid_until="2020-01-01T00:00"))
    assert past.status_code == 400 and "This moment has passed" in text(past)
    leader = client.post("/accounts/users/new/", account_form(email="l@example.com", role=Role.LEADER,
                                                              access_valid_until="2030-01-01T00:00"))
    assert leader.status_code == 400 and "Only auditor accounts have an access window" in text(leader)
    assert not User.objects.filter(email__in=["a@example.com", "l@example.com"]).exists()


def test_switching_an_account_off_takes_its_person_out_of_lists_and_stops_sign_in(client, hr):
    person = PersonFactory(user=UserFactory(email="lee@example.com", first_name="Lee", last_name="Ng"))
    client.force_login(hr)
    client.post(f"/accounts/users/{person.user_id}/", account_form(
        email="lee@example.com", first_name="Lee", last_name="Ng", role=Role.LEADER, is_active=None))
    person.refresh_from_db()
    assert not person.active and not person.user.is_active
    assert person.history.latest().active is False


def test_two_accounts_cannot_share_an_email(client, hr):
    UserFactory(email="taken@example.com")
    client.force_login(hr)
    response = client.post("/accounts/users/new/", account_form(email="TAKEN@example.com"))
    assert response.status_code == 400 and "Another account has this email." in text(response)


def test_an_invitation_can_be_sent_again_until_a_password_is_chosen(client, hr, django_capture_on_commit_callbacks):
    invited = User.objects.create_user("new@example.com", password=None)
    client.force_login(hr)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/accounts/users/{invited.pk}/invite/")
    assert len(mail.outbox) == 1
    invited.set_password("a long chosen passphrase")
    invited.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/accounts/users/{invited.pk}/invite/", follow=True)
    assert "has chosen a password already" in text(response)
    assert len(mail.outbox) == 1


def test_no_other_role_reaches_the_account_pages(client):
    for role in (Role.QUALITY, Role.LEADER):
        client.force_login(UserFactory(role=role))
        assert client.get("/accounts/users/").status_code == 403
        assert client.post("/accounts/users/new/", account_form(role=Role.HR)).status_code == 403
    assert not User.objects.filter(role=Role.HR).exists()


def test_the_account_list_costs_the_same_for_few_or_many_accounts(client, hr, django_assert_num_queries):
    client.force_login(hr)
    UserFactory.create_batch(3)
    # session, user, the count, the page of accounts with "invited?" as a subquery
    with django_assert_num_queries(4):
        assert client.get("/accounts/users/").status_code == 200
    UserFactory.create_batch(60)
    with django_assert_num_queries(4):
        assert client.get("/accounts/users/?page=2&q=example").status_code == 200
