"""Authenticator apps for tests: a confirmed TOTP device and the codes it would show."""

from __future__ import annotations

import re
import time
from base64 import b32decode

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import TEST_PASSWORD

LOGIN = "/accounts/login/"
CODE_STEP = "/accounts/login/code/"


def device_for(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def code_for(key: bytes, *, steps_ahead: int = 0) -> str:
    """The code an app holding `key` shows now (or `steps_ahead` 30-second steps later, which the
    server still accepts: its tolerance is one step either way)."""
    totp = TOTP(key)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def wrong_code(device: TOTPDevice) -> str:
    """A six-digit code that matches none of the steps the server accepts now."""
    accepted = {code_for(device.bin_key, steps_ahead=offset) for offset in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in accepted)


def sign_in(client, email: str, password: str = TEST_PASSWORD, **extra):
    return client.post(LOGIN, {"username": email, "password": password}, **extra)


def shown_secret(html: str) -> bytes:
    """The secret the enrolment page shows as text (grouped in fours), as the app would store it."""
    secret = re.search(r'data-testid="two-factor-secret">([A-Z2-7 ]+)<', html).group(1)
    return b32decode(secret.replace(" ", ""))
