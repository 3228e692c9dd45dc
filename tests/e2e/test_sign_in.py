from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from tests.e2e.conftest import sign_in
from tests.factories import OrgUnitFactory, PersonFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_hr_manager_signs_in_and_sees_the_organisation_dashboard(page, live_server):
    UserFactory(email="hannah@example.com", first_name="Hannah", role=Role.HR, is_staff=True)
    PersonFactory.create_batch(3, org_unit=OrgUnitFactory())
    page.goto(live_server.url)
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    sign_in(page, live_server.url, "hannah@example.com")
    expect(page.get_by_role("heading", level=1)).to_have_text("Good to see you, Hannah")
    expect(page.get_by_test_id("stat-people")).to_have_text("3")
    expect(page.get_by_text("HR manager · the organisation at a glance")).to_be_visible()
    # HR's whole navigation fits a 1280 px screen: no sideways scrolling; the Django admin is in the user menu.
    expect(page.get_by_role("link", name="Training")).to_be_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    page.get_by_test_id("user-menu").click()
    expect(page.get_by_role("link", name="Admin")).to_be_visible()


def test_a_wrong_password_keeps_the_visitor_on_the_login_page_with_a_message(page, live_server):
    UserFactory(email="hannah@example.com")
    sign_in(page, live_server.url, "hannah@example.com", "not it")
    expect(page.get_by_text("That email and password do not match an active account.")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")


def test_a_leader_on_a_phone_gets_a_usable_dashboard_and_can_sign_out(phone_page, live_server):
    page = phone_page
    manager = PersonFactory(user__email="mara@example.com", user__first_name="Mara")
    PersonFactory(manager=manager, user__first_name="Rita", user__last_name="Report")
    sign_in(page, live_server.url, "mara@example.com")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Mara")
    expect(page.get_by_test_id("my-team")).to_contain_text("Rita Report")
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    page.get_by_role("button", name="Show navigation").click()
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))
    page.get_by_test_id("user-menu").click()
    expect(page.get_by_test_id("user-menu")).to_have_attribute("aria-expanded", "true")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")


def test_a_managers_navigation_fits_a_1280_px_screen(page, live_server):
    """A leader with reports has the longest leader's bar (questionnaires, gaps, team, training): it fits."""
    manager = PersonFactory(user__email="mona@example.com", user__first_name="Mona", org_unit=OrgUnitFactory())
    PersonFactory(manager=manager, org_unit=manager.org_unit)
    sign_in(page, live_server.url, "mona@example.com")
    expect(page.locator("#main-nav").get_by_role("link", name="My team")).to_be_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
