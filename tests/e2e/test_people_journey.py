"""An HR manager sets up the organisation: units, a role profile with requirements and KPIs, people."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from competency.starter import load_starter_framework
from profiles.models import Person
from tests.e2e.conftest import open_menu, sign_in
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEOPLE_CSV = (
    "employee_id,first_name,last_name,email,org_unit,role_profile,manager_email\n"
    "P1,Maria,Jensen,maria@example.com,HQ,shift-leader,\n"
    "P2,Jonas,Okafor,jonas@example.com,PN,Shift Leader,maria@example.com\n"
    "P3,Amara,Laurent,amara@example.com,PN,shift-leader,jonas@example.com\n"
)


def test_hr_builds_units_a_role_profile_and_imports_people(page, browser, live_server):
    hr = UserFactory(email="hannah@example.com", first_name="Hannah", last_name="Reid", role=Role.HR)
    signer = UserFactory(email="quentin@example.com", first_name="Quentin", last_name="Moss", role=Role.QUALITY)
    load_starter_framework(owner=hr, approver=signer, password=TEST_PASSWORD)
    base = live_server.url
    sign_in(page, base, "hannah@example.com")

    open_menu(page, "Organisation")
    expect(page.get_by_text("No org units yet")).to_be_visible()
    page.get_by_role("link", name="New org unit").click()
    page.get_by_label("Name").fill("Head office")
    page.get_by_label("Code").fill("HQ")
    page.get_by_role("button", name="Save unit").click()
    page.locator('[data-code="HQ"]').get_by_role("link", name="Add a unit below").click()
    page.get_by_label("Name").fill("Plant North")
    page.get_by_label("Code").fill("PN")
    page.get_by_role("button", name="Save unit").click()
    expect(page.locator('[data-code="PN"]')).to_have_class(re.compile("tree-depth-1"))

    open_menu(page, "Role profiles")
    page.get_by_role("link", name="New role profile").click()
    page.get_by_label("Name").fill("Shift Leader")
    page.get_by_label("Code").fill("shift-leader")
    page.get_by_label("Framework").select_option(label="ISO 9001 Leadership v1")
    page.get_by_role("button", name="Create and set requirements").click()
    grid = page.get_by_test_id("requirements-grid")
    grid.locator('[data-code="PI-02"] select').select_option("3")
    row = grid.locator('[data-code="PI-03"]')
    row.locator("select").select_option("4")
    row.locator('input[type="number"]').fill("2")
    row.get_by_role("checkbox").check()
    page.get_by_role("button", name="Save requirements").click()
    expect(page.get_by_text("2 requirements saved.")).to_be_visible()
    expect(page.locator('tr[data-code="PI-03"]')).to_contain_text("critical")

    page.get_by_role("link", name="Behaviours and KPIs").click()
    kpi = page.get_by_test_id("kpi-row").first
    kpi.get_by_label("Indicator").fill("Shift OEE")
    kpi.get_by_label("Target").fill("80")
    kpi.get_by_label("Unit").fill("%")
    page.get_by_role("button", name="Save behaviours and indicators").click()
    expect(page.get_by_test_id("kpis")).to_contain_text("≥ 80 %")

    # HR wrote the profile; the quality manager signs it (segregation of duties).
    page.get_by_role("link", name="Approve…").click()
    expect(page.get_by_test_id("segregation")).to_contain_text("Quentin Moss may sign it")
    approve_url = page.url
    quality = browser.new_context()
    quentin = quality.new_page()
    sign_in(quentin, base, "quentin@example.com")
    quentin.goto(approve_url)
    quentin.get_by_label("Change note").fill("First revision.")
    quentin.get_by_label("Your password").fill(TEST_PASSWORD)
    quentin.get_by_role("button", name=re.compile("Sign and approve as")).click()
    expect(quentin.get_by_text("Shift Leader is approved.")).to_be_visible()
    expect(quentin.get_by_test_id("signatures")).to_contain_text("Approved by Quentin Moss")
    quality.close()
    page.reload()

    open_menu(page, "People")
    page.get_by_role("link", name="Import people").click()
    page.get_by_label("File").set_input_files(files=[{"name": "people.csv", "mimeType": "text/csv",
                                                       "buffer": PEOPLE_CSV.encode()}])
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_test_id("count-create")).to_have_text("3")
    page.get_by_role("button", name="Import 3 changes").click()
    expect(page.get_by_test_id("import-status")).to_contain_text("3 created")
    page.get_by_role("link", name="See the people").click()
    expect(page.get_by_test_id("people-count")).to_have_text("3 people")
    page.get_by_role("link", name="Amara Laurent").click()
    expect(page.get_by_test_id("person-role")).to_contain_text("Shift Leader")
    expect(page.get_by_text("Jonas Okafor")).to_be_visible()

    assert Person.objects.get(employee_id="P3").manager.employee_id == "P2"
