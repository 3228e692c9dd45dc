"""An HR manager builds a framework from nothing to a published v1, revises it and reads the changes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from competency.models import FrameworkVersion
from tests.e2e.conftest import open_menu, sign_in
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hr_builds_reviews_approves_publishes_and_revises_a_framework(page, browser, live_server):
    UserFactory(email="hannah@example.com", first_name="Hannah", last_name="Reid", role=Role.HR)
    UserFactory(email="sam@example.com", first_name="Sam", last_name="Stakeholder")
    UserFactory(email="quentin@example.com", first_name="Quentin", last_name="Moss", role=Role.QUALITY)
    base = live_server.url
    sign_in(page, base, "hannah@example.com")

    open_menu(page, "Frameworks")
    expect(page.get_by_text("No frameworks yet")).to_be_visible()
    page.get_by_role("link", name="New framework").click()
    page.get_by_label("Name").fill("Plant leadership")
    page.get_by_label("Code").fill("plant-leadership")
    page.get_by_role("button", name="Create framework").click()
    expect(page.get_by_text("created with an empty draft v1")).to_be_visible()

    page.get_by_role("link", name="Add an area").click()
    page.get_by_label("Code").fill("RM")
    page.get_by_label("Name").fill("Risk Management")
    page.get_by_role("button", name="Save area").click()

    page.get_by_role("link", name="Add competency").click()
    page.get_by_label("Code").fill("RM-01")
    page.get_by_label("Name").fill("Risk-based thinking")
    page.get_by_label("ISO 9001 clauses").fill("6.1")
    page.get_by_label("Level 1 · Awareness: behavioural indicators").fill("Knows decisions carry risks")
    page.get_by_label("Level 3 · Proficient: behavioural indicators").fill("Keeps a risk register\nChecks actions work")
    page.get_by_role("button", name="Save competency").click()
    row = page.locator('[data-code="RM-01"]')
    expect(row).to_contain_text("Keeps a risk register")
    expect(row).to_contain_text("ISO 6.1")

    page.get_by_role("button", name="Send for review").click()
    expect(page.locator("[data-status=in_review]")).to_be_visible()
    page.get_by_role("link", name="Review and comments").click()
    page.get_by_label("Stakeholders").fill("sam@example.com")
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_text("Invited 1 stakeholder")).to_be_visible()
    review_url = page.url

    stakeholder = browser.new_context()
    sam = stakeholder.new_page()
    sign_in(sam, base, "sam@example.com")
    sam.goto(review_url)
    sam.get_by_label("About").select_option(label="RM-01 Risk-based thinking")
    sam.get_by_label("Comment").fill("Level 1 should mention reporting risks.")
    sam.get_by_role("button", name="Add comment").click()
    expect(sam.get_by_text("Comment added")).to_be_visible()
    stakeholder.close()

    page.reload()
    comment = page.get_by_test_id("comment")
    expect(comment).to_contain_text("Level 1 should mention reporting risks.")
    comment.get_by_label("Accept").check()
    comment.get_by_label("Reply to Sam").fill("Added it to level 1.")
    comment.get_by_role("button", name="Save reply").click()
    expect(page.get_by_test_id("comment")).to_contain_text("Added it to level 1.")

    page.get_by_role("link", name="Read the whole framework").click()
    version_url = page.url
    # Hannah wrote it, so segregation of duties sends her to the quality manager for the signature.
    page.get_by_role("link", name="Approve…").click()
    expect(page.get_by_test_id("segregation")).to_contain_text("Quentin Moss may sign it")
    approve_url = page.url

    quality = browser.new_context()
    quentin = quality.new_page()
    sign_in(quentin, base, "quentin@example.com")
    quentin.goto(approve_url)
    expect(quentin.get_by_test_id("segregation")).to_have_count(0)
    quentin.get_by_label("Change note").fill("First version for the plant.")
    quentin.get_by_label("Your password").fill("not my password")
    quentin.get_by_role("button", name=re.compile("Sign and approve as")).click()
    expect(quentin.get_by_text("That is not your password. Nothing was signed.")).to_be_visible()
    quentin.get_by_label("Your password").fill(TEST_PASSWORD)
    quentin.get_by_role("button", name=re.compile("Sign and approve as")).click()
    expect(quentin.get_by_test_id("approval")).to_contain_text("Quentin Moss")
    signatures = quentin.get_by_test_id("signatures")
    expect(signatures).to_contain_text("Valid")
    expect(signatures).to_contain_text("Approved by Quentin Moss (Quality manager)")
    quality.close()

    page.goto(version_url)
    page.get_by_role("link", name="Publish…").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("[data-status=published]")).to_be_visible()
    expect(page.get_by_text("frozen")).to_be_visible()

    page.get_by_role("button", name="Revise into a new draft").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("v2")
    page.locator('[data-code="RM-01"]').get_by_role("link", name="Edit").click()
    page.get_by_label("Name").fill("Risk-based thinking and action")
    page.get_by_role("button", name="Save competency").click()
    page.get_by_role("link", name="Changes since v1").click()
    expect(page.get_by_test_id("diff-summary")).to_contain_text("1 changed")
    expect(page.locator('[data-code="RM-01"]')).to_contain_text("Risk-based thinking and action")

    assert list(FrameworkVersion.objects.values_list("number", "status").order_by("number")) == [
        (1, "published"), (2, "draft")]
