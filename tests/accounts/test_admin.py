from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(role=Role.HR, is_staff=True, is_superuser=True))
    return client


def test_an_hr_administrator_creates_an_auditor_with_an_access_window(admin_client):
    until = (timezone.localtime() + timedelta(days=10)).replace(microsecond=0)
    response = admin_client.post("/admin/accounts/user/add/", {
        "email": "Audit@Example.com", "first_name": "Aud", "last_name": "Itor", "role": Role.AUDITOR,
        "access_valid_from_0": timezone.localdate().isoformat(), "access_valid_from_1": "00:00:00",
        "access_valid_until_0": until.date().isoformat(), "access_valid_until_1": until.time().isoformat(),
        "usable_password": "true", "password1": "a long audit passphrase", "password2": "a long audit passphrase",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    auditor = User.objects.get(email="audit@example.com")
    assert auditor.role == Role.AUDITOR and auditor.access_valid_until is not None


def test_an_auditor_without_an_end_date_is_refused_with_a_message(admin_client):
    response = admin_client.post("/admin/accounts/user/add/", {
        "email": "audit@example.com", "role": Role.AUDITOR, "usable_password": "false",
    })
    assert response.status_code == 200
    assert "An auditor account needs the date its access ends." in response.content.decode()
    assert not User.objects.filter(email="audit@example.com").exists()


def test_signed_in_people_without_admin_rights_are_refused_not_asked_to_sign_in_again(client):
    client.force_login(UserFactory(role=Role.QUALITY))
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert "The administration is for HR administrators only." in response.content.decode()


def test_an_auditor_cannot_be_made_a_superuser():
    with pytest.raises(ValueError, match="cannot also be an administrator"):
        User.objects.create_superuser("a@example.com", "x" * 12, role=Role.AUDITOR)
