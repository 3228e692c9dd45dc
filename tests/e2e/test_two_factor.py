"""A quality manager turns on two-factor sign-in from the account menu, signs out, and signs in again with
the password and a code computed here from the secret the page showed (as their authenticator app would)."""

from __future__ import annotations

from base64 import b32decode

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from tests.accounts.two_factor_helpers import code_for
from tests.e2e.conftest import sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_quality_manager_enrols_signs_out_and_signs_in_with_a_code(page, live_server):
    UserFactory(email="quinn@example.com", first_name="Quinn", role=Role.QUALITY)
    sign_in(page, live_server.url, "quinn@example.com")
    page.get_by_test_id("user-menu").click()
    page.get_by_role("link", name="Two-factor sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor sign-in")
    expect(page.get_by_role("img", name="QR code of the secret below")).to_be_visible()
    key = b32decode(page.get_by_test_id("two-factor-secret").inner_text().replace(" ", ""))

    page.get_by_label("Code from your authenticator app").fill(code_for(key))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_text("Two-factor sign-in is on")).to_be_visible()
    expect(page.get_by_test_id("two-factor-status")).to_contain_text("asks for a code from your authenticator app")

    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")

    sign_in(page, live_server.url, "quinn@example.com")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/code/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter the code from your app")
    # The code of the next 30-second step: the one that confirmed the app may not be used twice, and the
    # server accepts one step ahead (a phone's clock a little fast).
    page.get_by_label("Code from your authenticator app").fill(code_for(key, steps_ahead=1))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Quinn")

    page.goto(f"{live_server.url}/accounts/sessions/")
    expect(page.get_by_test_id("session-table")).to_contain_text("this session")
