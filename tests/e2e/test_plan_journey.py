"""A leader turns their gaps into a development plan, their manager approves it with a signature, and
the leader downloads the PDF the pdf worker renders."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from devplans.models import Plan, PlanStatus
from signatures import services as signing
from tests.devplans.builders import build_org
from tests.documents.pdfcheck import check_pdf, pdf_text
from tests.e2e.conftest import sign_in
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _context(browser):
    context = browser.new_context(reduced_motion="reduce", viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    return context, page


def test_a_leader_drafts_edits_and_submits_a_plan_the_manager_signs_and_the_leader_downloads_it(
        browser, live_server, celery_worker):
    org = build_org()
    base = live_server.url
    leader_context, lena = _context(browser)
    manager_context, mona = _context(browser)
    try:
        sign_in(lena, base, org.leader.user.email)
        lena.locator("#main-nav").get_by_role("link", name="My gaps").click()
        panel = lena.get_by_test_id("gap-plan-panel")
        expect(panel).to_contain_text("these 3 gaps")
        panel.get_by_role("button", name="Draft my plan from these gaps").click()
        expect(lena.get_by_text(re.compile("Your plan is drafted with 3 objectives"))).to_be_visible()
        critical = org.competencies[1].code
        objectives = lena.locator("[data-objective]")
        expect(objectives).to_have_count(3)
        expect(objectives.first).to_contain_text(critical)  # the critical gap comes first

        objectives.first.get_by_role("link", name="Edit objective").click()
        lena.get_by_label("Success measure").fill("Runs the weekly risk review without help, seen by Mona.")
        lena.get_by_role("button", name=re.compile("Save")).click()
        expect(lena.locator("[data-objective]").first).to_contain_text("Runs the weekly risk review")
        lena.get_by_test_id("submit-plan").click()
        expect(lena.get_by_text("Your plan is submitted")).to_be_visible()

        sign_in(mona, base, org.manager.user.email)
        plan = Plan.objects.get(person=org.leader)
        mona.goto(f"{base}/plans/{plan.pk}/")
        mona.get_by_test_id("decide-plan").click()
        form = mona.get_by_test_id("approve-form")
        form.get_by_label("Your password").fill("not my password")
        form.get_by_role("button", name="Sign and approve").click()
        expect(mona.get_by_text("That is not your password. Nothing was signed.")).to_be_visible()
        assert Plan.objects.get(pk=plan.pk).status == PlanStatus.SUBMITTED and not signing.signatures_for(plan)
        form = mona.get_by_test_id("approve-form")
        form.get_by_label("Your password").fill(TEST_PASSWORD)
        form.get_by_role("button", name="Sign and approve").click()
        expect(mona.locator(".signatures")).to_contain_text("Approved")
        expect(mona.locator(".signatures")).to_contain_text("Mona Manager")
        expect(mona.locator(".signatures")).to_contain_text("Valid")

        lena.goto(f"{base}/plans/{plan.pk}/")
        lena.get_by_test_id("document-create").click()
        download_link = lena.get_by_test_id("document-download")
        expect(download_link).to_be_visible(timeout=60_000)  # polled while the pdf worker renders it
        with lena.expect_download() as download:
            download_link.click()
        data = open(download.value.path(), "rb").read()
        check_pdf(data)
        text = " ".join(pdf_text(data).split())
        assert "Runs the weekly risk review without help" in text and critical in text
        assert "Mona Manager" in text and signing.signatures_for(plan)[0].content_sha256[:16] in text

        # Someone outside the plan's audience is not told the file exists.
        href = download_link.get_attribute("href")
        stranger_context, sam = _context(browser)
        sign_in(sam, base, org.stranger.user.email)
        assert sam.request.get(f"{base}{href}").status == 404
        stranger_context.close()
    finally:
        leader_context.close()
        manager_context.close()
