"""The Django admin: for HR administrators, a read-only window on accounts and their history."""

from __future__ import annotations

import pytest

from accounts.models import Role, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(role=Role.HR, is_staff=True, is_superuser=True))
    return client


def test_accounts_are_shown_but_not_changed_in_the_admin(admin_client):
    leader = UserFactory(email="leader@example.com")
    assert admin_client.get(f"/admin/accounts/user/{leader.pk}/change/").status_code == 200
    response = admin_client.post(f"/admin/accounts/user/{leader.pk}/change/", {
        "email": "leader@example.com", "role": Role.HR, "is_staff": "on", "is_superuser": "on",
    })
    assert response.status_code == 403
    assert admin_client.get("/admin/accounts/user/add/").status_code == 403
    leader.refresh_from_db()
    assert (leader.role, leader.is_staff, leader.is_superuser) == (Role.LEADER, False, False)


def test_signed_in_people_without_admin_rights_are_refused_not_asked_to_sign_in_again(client):
    client.force_login(UserFactory(role=Role.QUALITY))
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert "The administration is for HR administrators only." in response.content.decode()


def test_an_administrator_who_opens_the_admin_sign_in_page_is_sent_on_to_the_admin(admin_client):
    response = admin_client.get("/admin/login/")
    assert response.status_code == 302 and response.url == "/admin/"
    assert admin_client.get("/admin/login/?next=/admin/profiles/person/").url == "/admin/profiles/person/"


def test_sign_in_records_cannot_be_deleted_in_the_admin(admin_client, client):
    from axes.models import AccessLog

    client.post("/accounts/login/", {"username": "nobody@example.com", "password": "x"})
    UserFactory(email="ada@example.com")
    client.post("/accounts/login/", {"username": "ada@example.com", "password": "correct horse battery staple"})
    log = AccessLog.objects.get()
    assert admin_client.post(f"/admin/axes/accesslog/{log.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AccessLog.objects.filter(pk=log.pk).exists()


def test_a_visitor_is_sent_to_the_one_sign_in_page(client):
    response = client.get("/admin/login/")
    assert response.status_code == 302 and response.url == "/accounts/login/?next=%2Fadmin%2F"
    elsewhere = client.get("/admin/login/?next=https://evil.example/")
    assert elsewhere.url == "/accounts/login/?next=%2Fadmin%2F"  # only admin pages are followed


def test_an_auditor_cannot_be_made_a_superuser():
    with pytest.raises(ValueError, match="cannot also be an administrator"):
        User.objects.create_superuser("a@example.com", "x" * 12, role=Role.AUDITOR)


def test_only_hr_managers_may_be_administrators():
    with pytest.raises(ValueError, match="Only HR managers may be administrators"):
        User.objects.create_superuser("q@example.com", "x" * 12, role=Role.QUALITY)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="q@example.com", role=Role.QUALITY, is_staff=True)
