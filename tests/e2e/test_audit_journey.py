"""An auditor samples leaders at random, opens a dossier, downloads its evidence pack (rendered and
signed by the pdf worker), checks it on the verify page, and sees verify name a record changed since;
an auditor whose access window has ended is refused."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from evidence.models import SamplingLog
from tests.documents.pdfcheck import check_pdf, pdf_text
from tests.e2e.conftest import sign_in
from tests.evidence.builders import build_evidence_org
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_auditor_samples_opens_a_dossier_downloads_and_verifies_a_pack(browser, live_server, celery_worker, tmp_path):
    org = build_evidence_org()
    auditor = UserFactory(email="ada@example.com", first_name="Ada", last_name="Auditor", auditor=True)
    base = live_server.url
    context = browser.new_context(reduced_motion="reduce", viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        sign_in(page, base, auditor.email)
        expect(page.get_by_text("what you open is logged").first).to_be_visible()
        page.locator("#main-nav").get_by_role("link", name="Evidence").click()
        form = page.get_by_test_id("sample-form")
        form.get_by_label("People at random").fill("3")
        form.get_by_role("button", name="Draw the sample").click()
        log = SamplingLog.objects.get()
        assert len(log.person_ids) == 3 and log.seed and log.created_by == auditor
        rows = page.locator("a[href*='/evidence/people/']")
        expect(rows).to_have_count(3)

        # The dossier of Cora, if sampled, else the first sampled person: two clicks from the landing page.
        rows.first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Dossier:")
        page.goto(f"{base}/evidence/people/{org.cora.pk}/")
        expect(page.get_by_test_id("flags")).to_contain_text("expired")
        page.get_by_test_id("pack-for-person").click()
        page.get_by_test_id("pack-create").click()
        download_link = page.get_by_test_id("document-download")
        expect(download_link).to_be_visible(timeout=90_000)  # the progress bar, then the download
        with page.expect_download() as download:
            download_link.click()
        data = open(download.value.path(), "rb").read()
        check_pdf(data)
        assert "Cora" in pdf_text(data)
        pack_path = tmp_path / "pack.pdf"
        pack_path.write_bytes(data)

        page.goto(f"{base}/evidence/verify/")
        page.get_by_label("Evidence pack (PDF)").set_input_files(str(pack_path))
        page.get_by_test_id("verify-submit").click()
        expect(page.get_by_text("Unchanged.")).to_be_visible()

        certificate = org.cora_certificate
        certificate.issuer = "Someone else"
        certificate.save()
        page.goto(f"{base}/evidence/verify/")
        page.get_by_label("Evidence pack (PDF)").set_input_files(str(pack_path))
        page.get_by_test_id("verify-submit").click()
        expect(page.get_by_text("Changed or not valid.")).to_be_visible()
        expect(page.get_by_text(re.compile("Changed since generation: certificate “Safety licence”"))).to_be_visible()
    finally:
        context.close()

    # An auditor whose window has closed cannot sign in.
    UserFactory(email="late@example.com", auditor=True, access_valid_from=timezone.now() - timedelta(days=30),
                access_valid_until=timezone.now() - timedelta(days=1))
    late = browser.new_context()
    late_page = late.new_page()
    sign_in(late_page, base, "late@example.com")
    expect(late_page.get_by_role("button", name="Sign in")).to_be_visible()  # still on the sign-in page
    assert "/accounts/login/" in late_page.url
    late.close()
