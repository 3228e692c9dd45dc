"""HR's security policy: two-factor sign-in required for HR, quality and auditor accounts, with history;
those accounts without a device are sent to enrolment after their password and reach nothing else."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role, SecurityPolicy
from tests.accounts.two_factor_helpers import code_for, device_for, shown_secret, sign_in
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
POLICY = "/accounts/security/"
ENROL = "/accounts/two-factor/"


def require_two_factor(hr) -> None:
    from accounts import services

    if not TOTPDevice.objects.filter(user=hr).exists():
        device_for(hr)
    services.security_policy_set(actor=hr, require_two_factor=True)


def test_it_is_off_by_default_so_the_password_alone_signs_anyone_in(client):
    assert SecurityPolicy.current().require_two_factor is False
    UserFactory(email="quality@example.com", role=Role.QUALITY)
    assert sign_in(client, "quality@example.com").url == "/"
    assert client.get("/").status_code == 200


def test_hr_cannot_turn_it_on_before_setting_up_their_own(client):
    hr = UserFactory(role=Role.HR)
    client.force_login(hr)
    response = client.post(POLICY, {"require_two_factor": "on", "idle_minutes": 30})
    assert response.status_code == 400
    assert "Set up two-factor sign-in for your own account first" in response.content.decode()
    assert not SecurityPolicy.objects.exists() and not SecurityPolicy.history.exists()


def test_each_change_of_the_switch_leaves_a_history_row_naming_who(client):
    hr = UserFactory(role=Role.HR, first_name="Hana", last_name="Reed")
    device_for(hr)
    client.force_login(hr)
    assert "Not changed yet" in client.get(POLICY).content.decode()
    on = client.post(POLICY, {"require_two_factor": "on", "idle_minutes": 30}, follow=True)
    assert "Two-factor sign-in is required for HR, quality and auditor accounts." in on.content.decode()
    assert "1 of 1 active HR, quality and auditor accounts have set up" in on.content.decode()
    same = client.post(POLICY, {"require_two_factor": "on", "idle_minutes": 30}, follow=True)  # no change: no row
    assert "Nothing changed." in same.content.decode()
    off = client.post(POLICY, {"idle_minutes": 30}, follow=True)
    assert "optional again" in off.content.decode()
    assert SecurityPolicy.current().require_two_factor is False
    rows = list(SecurityPolicy.history.order_by("history_date"))
    assert [(row.require_two_factor, row.history_user) for row in rows] == [(True, hr), (False, hr)]
    assert "two-factor required, sign-out after 30 idle minutes, by Hana Reed" in off.content.decode()


def test_only_hr_opens_the_policy(client):
    for role in (Role.QUALITY, Role.LEADER):
        client.force_login(UserFactory(role=role))
        assert client.get(POLICY).status_code == 403
        assert client.post(POLICY, {"require_two_factor": "on"}).status_code == 403
    assert not SecurityPolicy.objects.exists()


def test_turning_it_on_signs_out_covered_accounts_without_a_device_but_not_leaders(client):
    quality, leader = UserFactory(role=Role.QUALITY), UserFactory(role=Role.LEADER)
    enrolled_auditor = UserFactory(auditor=True)
    device_for(enrolled_auditor)
    sessions = {}
    for user in (quality, leader, enrolled_auditor):
        sessions[user.pk] = Client()
        sessions[user.pk].force_login(user)
    require_two_factor(UserFactory(role=Role.HR))
    assert sessions[quality.pk].get("/").url.startswith("/accounts/login/")
    assert sessions[leader.pk].get("/").status_code == 200
    assert sessions[enrolled_auditor.pk].get("/").status_code == 200


def test_a_covered_account_without_a_device_is_sent_to_enrolment_and_reaches_nothing_else(client):
    require_two_factor(UserFactory(role=Role.HR))
    quality = UserFactory(email="quality@example.com", role=Role.QUALITY)
    assert sign_in(client, "quality@example.com").url == "/"  # the password was right…
    home = client.get("/")
    assert home.status_code == 302 and home.url == f"{ENROL}?next=%2F"  # …but first the app
    assert client.get("/frameworks/").url == f"{ENROL}?next=%2Fframeworks%2F"
    assert client.post("/frameworks/new/", {"name": "Sneaky"}).url.startswith(ENROL)
    assert client.get("/accounts/sessions/").url.startswith(ENROL)
    page = client.get(f"{ENROL}?next=%2Fframeworks%2F")
    assert "Your organisation requires two-factor sign-in for your account" in page.content.decode()
    key = shown_secret(page.content.decode())
    enrolled = client.post(ENROL, {"code": code_for(key), "next": "/frameworks/"})
    assert enrolled.url == "/frameworks/"
    assert client.get("/frameworks/").status_code == 200
    assert TOTPDevice.objects.get(user=quality).confirmed


def test_leaders_and_enrolled_accounts_are_not_stopped(client):
    require_two_factor(UserFactory(role=Role.HR))
    UserFactory(email="leo@example.com", role=Role.LEADER)
    assert sign_in(client, "leo@example.com").url == "/"
    assert client.get("/").status_code == 200


def test_a_covered_account_that_removes_its_app_must_set_up_another(client):
    require_two_factor(UserFactory(role=Role.HR))
    quality = UserFactory(role=Role.QUALITY)
    device = device_for(quality)
    client.force_login(quality)
    response = client.post("/accounts/two-factor/remove/", {"password": TEST_PASSWORD, "code": code_for(device.bin_key)})
    assert response.url == ENROL
    assert client.get("/").url.startswith(ENROL)


def test_an_account_waiting_to_enrol_is_let_go_when_hr_turns_the_requirement_off(client):
    from accounts import services

    hr = UserFactory(role=Role.HR)
    require_two_factor(hr)
    UserFactory(email="quality@example.com", role=Role.QUALITY)
    sign_in(client, "quality@example.com")
    assert client.get("/").url.startswith(ENROL)
    services.security_policy_set(actor=hr, require_two_factor=False)
    assert client.get("/").status_code == 200


# --- sign-out after inactivity ------------------------------------------------------------------------


def test_the_idle_limit_is_30_minutes_until_hr_changes_it_and_each_change_leaves_a_history_row(client):
    hr = UserFactory(role=Role.HR, first_name="Hana", last_name="Reed")
    client.force_login(hr)
    page = client.get(POLICY).content.decode()
    assert SecurityPolicy.current().idle_minutes == 30
    assert 'name="idle_minutes" value="30"' in page
    assert "sessions are signed out after 30 minutes without activity" in page
    changed = client.post(POLICY, {"idle_minutes": "15"}, follow=True)
    assert "Sessions are signed out after 15 minutes without activity." in changed.content.decode()
    assert "Two-factor sign-in is optional again" not in changed.content.decode()  # only what changed is said
    policy = SecurityPolicy.objects.get()
    assert (policy.idle_minutes, policy.require_two_factor) == (15, False)
    newest = SecurityPolicy.history.latest("history_date")
    assert (newest.idle_minutes, newest.require_two_factor, newest.history_user) == (15, False, hr)
    assert SecurityPolicy.history.count() == 1
    assert "sign-out after 15 idle minutes, by Hana Reed" in changed.content.decode()
    client.post(POLICY, {"idle_minutes": "15"})
    assert SecurityPolicy.history.count() == 1  # no change, no row


@pytest.mark.parametrize(("value", "message"), [
    ("4", "At least 5 minutes: a shorter limit would sign people out while they read a page."),
    ("721", "At most 720 minutes (12 hours): every session ends 12 hours after sign-in anyway."),
    ("half an hour", "Enter a whole number of minutes, for example 30."),
    ("", "Enter the number of minutes, for example 30."),
    ("-30", "At least 5 minutes"),
])
def test_an_idle_limit_out_of_bounds_is_refused_with_a_message_and_nothing_changes(client, value, message):
    client.force_login(UserFactory(role=Role.HR))
    response = client.post(POLICY, {"idle_minutes": value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SecurityPolicy.objects.exists() and not SecurityPolicy.history.exists()


def test_the_database_refuses_an_idle_limit_out_of_bounds_too():
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction

    from accounts import services

    hr = UserFactory(role=Role.HR)
    with pytest.raises(ValidationError, match="At most 720 minutes"):
        services.security_policy_set(actor=hr, require_two_factor=False, idle_minutes=1000)
    with transaction.atomic(), pytest.raises(IntegrityError):
        SecurityPolicy.objects.create(pk=1, idle_minutes=2)
    assert not SecurityPolicy.objects.exists()
