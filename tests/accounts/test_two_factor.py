"""Two-factor sign-in: enrolment from the account menu, the code after the password, wrong and replayed
codes, removal by the owner (password and code) and by HR for a lost phone."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role, UserSession
from tests.accounts.two_factor_helpers import (CODE_STEP, LOGIN, code_for, device_for, shown_secret, sign_in,
                                               wrong_code)
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
WRONG_CODE = "That code is not right, or it was used already."


def test_anyone_enrols_from_a_qr_code_and_the_secret_confirmed_by_a_first_code(client):
    user = UserFactory(role=Role.LEADER)
    client.force_login(user)
    page = client.get("/accounts/two-factor/")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<svg role="img" aria-label="QR code of the secret below"' in html  # drawn inline, no image service
    key = shown_secret(html)
    assert shown_secret(client.get("/accounts/two-factor/").content.decode()) == key  # the same until confirmed

    response = client.post("/accounts/two-factor/", {"code": code_for(key)}, follow=True)
    assert "Two-factor sign-in is on" in response.content.decode()
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed and device.bin_key == key
    assert "Remove two-factor sign-in" in client.get("/accounts/two-factor/").content.decode()


def test_a_wrong_first_code_sets_nothing_up(client):
    user = UserFactory()
    client.force_login(user)
    key = shown_secret(client.get("/accounts/two-factor/").content.decode())
    accepted = {code_for(key, steps_ahead=offset) for offset in (-1, 0, 1)}
    response = client.post("/accounts/two-factor/", {"code": next(c for c in ("000000", "999999", "123123")
                                                                  if c not in accepted)})
    assert response.status_code == 400
    assert "That is not the code your app shows for this secret" in response.content.decode()
    not_digits = client.post("/accounts/two-factor/", {"code": "12ab"})
    assert not_digits.status_code == 400 and "Enter the six digits" in not_digits.content.decode()
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_the_password_alone_does_not_sign_in_an_account_with_two_factor(client):
    user = UserFactory(email="ada@example.com", role=Role.QUALITY)
    device = device_for(user)
    response = sign_in(client, "ada@example.com", HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
    assert response.status_code == 302 and response.url == CODE_STEP
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302  # still signed out
    assert not UserSession.objects.exists()

    page = client.get(CODE_STEP)
    assert page.status_code == 200 and "Enter the code from your app" in page.content.decode()
    done = client.post(CODE_STEP, {"code": code_for(device.bin_key)})
    assert done.status_code == 302 and done.url == "/"
    assert client.get("/").status_code == 200
    assert UserSession.objects.get().user == user  # the session is listed once signed in


def test_the_code_step_returns_to_the_page_first_asked_for(client):
    device = device_for(UserFactory(email="ada@example.com"))
    client.post(f"{LOGIN}?next=/frameworks/", {"username": "ada@example.com", "password": TEST_PASSWORD,
                                                "next": "/frameworks/"})
    assert client.post(CODE_STEP, {"code": code_for(device.bin_key)}).url == "/frameworks/"


def test_a_wrong_code_gets_a_clear_message_and_the_next_try_must_wait(client):
    device = device_for(UserFactory(email="ada@example.com"))
    sign_in(client, "ada@example.com")
    wrong = client.post(CODE_STEP, {"code": wrong_code(device)})
    assert wrong.status_code == 400
    assert WRONG_CODE in wrong.content.decode()
    assert "_auth_user_id" not in client.session
    # django-otp's throttle: after a wrong code the device waits (1, 2, 4 … s), even for the right code.
    throttled = client.post(CODE_STEP, {"code": code_for(device.bin_key)})
    assert throttled.status_code == 429
    assert "Too many wrong codes in a row: wait 1 second" in throttled.content.decode()
    assert "_auth_user_id" not in client.session


def test_wrong_codes_count_towards_the_sign_in_lockout(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no wait between codes: only django-axes stops the guessing
    device = device_for(UserFactory(email="ada@example.com"))
    sign_in(client, "ada@example.com")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(CODE_STEP, {"code": wrong_code(device)}).status_code == 400
    locked = client.post(CODE_STEP, {"code": wrong_code(device)})
    assert locked.status_code == 429 and "Too many failed sign-ins" in locked.content.decode()
    assert client.post(CODE_STEP, {"code": code_for(device.bin_key)}).status_code == 429  # even the right code
    assert sign_in(client, "ada@example.com").status_code == 429  # and the password step
    assert "_auth_user_id" not in client.session


def test_a_code_that_signed_in_once_cannot_sign_in_again(client):
    device = device_for(UserFactory(email="ada@example.com"))
    code = code_for(device.bin_key)
    sign_in(client, "ada@example.com")
    assert client.post(CODE_STEP, {"code": code}).status_code == 302
    client.post("/accounts/logout/")
    sign_in(client, "ada@example.com")
    replayed = client.post(CODE_STEP, {"code": code})
    assert replayed.status_code == 400 and WRONG_CODE in replayed.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_code_step_needs_a_recent_password(client):
    device = device_for(UserFactory(email="ada@example.com"))
    first = client.get(CODE_STEP, follow=True)
    assert first.redirect_chain[-1][0] == LOGIN and "Sign in with your email and password first" in first.content.decode()
    sign_in(client, "ada@example.com")
    session = client.session
    session["_proficio_two_factor_pending"]["at"] -= 6 * 60  # six minutes ago
    session.save()
    assert client.post(CODE_STEP, {"code": code_for(device.bin_key)}).url == LOGIN
    assert "_auth_user_id" not in client.session


def test_removing_two_factor_needs_the_password_and_a_current_code(client):
    user = UserFactory()
    device = device_for(user)
    client.force_login(user)
    assert client.get("/accounts/two-factor/remove/").status_code == 200
    wrong_password = client.post("/accounts/two-factor/remove/", {"password": "not it", "code": code_for(device.bin_key)})
    assert wrong_password.status_code == 400
    assert "The password or the code is not right. Nothing was changed." in wrong_password.content.decode()
    assert TOTPDevice.objects.filter(user=user).exists()
    device.refresh_from_db()
    device.throttle_reset()
    removed = client.post("/accounts/two-factor/remove/", {"password": TEST_PASSWORD,
                                                            "code": code_for(device.bin_key, steps_ahead=1)}, follow=True)
    assert "Two-factor sign-in is off" in removed.content.decode()
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_hr_turns_off_the_two_factor_sign_in_of_someone_who_lost_their_phone(client):
    hr = UserFactory(role=Role.HR)
    leader = UserFactory(email="leo@example.com")
    device_for(leader)
    client.force_login(hr)
    page = client.get(f"/accounts/users/{leader.pk}/").content.decode()
    assert "Two-factor sign-in: on" in page
    response = client.post(f"/accounts/users/{leader.pk}/two-factor/off/", follow=True)
    assert "Two-factor sign-in is off for leo@example.com" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=leader).exists()
    assert sign_in(client, "leo@example.com").url == "/"  # the password alone again


def test_the_devices_secrets_are_not_shown_in_the_admin(client):
    client.force_login(UserFactory(role=Role.HR, is_staff=True, is_superuser=True))
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
