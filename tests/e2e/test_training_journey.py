"""Issue 10, acceptance 1: a training closes the loop in a real browser, through the pages.

HR creates a programme aimed at a competency and plans a session of it; a manager enrols their report
from the session's page; the session takes place; HR records the report's completion and uploads (and
verifies) a certificate on the report's competence record; the manager records an effective review;
the training matrix shows the report's competency as effective; the report downloads their own
certificate but another leader's certificate is not found for them (404).

Only the starting organisation (and the other leader's certificate) is built with the factories and
services, and the session is moved into the past with the ORM: a session takes no enrolments once it has
started and records no completion before it has.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.factories import OrgUnitFactory, PersonFactory, UserFactory
from tests.helpers import approved_profile, published_framework
from training.models import Certificate, EffectivenessReview, Enrolment, EnrolmentStatus, EvidenceFile, Session
from training.services import evidence

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CODE = "A0-00"  # the competency the report's role requires and the programme develops
PROGRAMME = "Corrective actions workshop"


def label(name: str) -> re.Pattern:
    """A form field's label, whole: crispy marks required fields with an asterisk, and Playwright matches a
    pattern against the label's untrimmed text."""
    return re.compile(rf"^\s*{re.escape(name)}\s*\*?\s*$")


@pytest.fixture
def private_store(tmp_path, settings, monkeypatch):
    """Evidence goes to a private folder of this test (the field's storage is built at import; the live
    server runs in this process, so it stores there too)."""
    root = tmp_path / "private-media"
    settings.PRIVATE_MEDIA_ROOT = root
    monkeypatch.setattr(EvidenceFile._meta.get_field("file"), "storage", FileSystemStorage(location=root))
    return root


class Browsers:
    """One browser context per person (their own cookies); screenshots of every page on failure."""

    def __init__(self, browser, base: str):
        self.browser, self.base, self.contexts = browser, base, []

    def signed_in(self, email: str):
        context = self.browser.new_context(reduced_motion="reduce", viewport={"width": 1280, "height": 900})
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, self.base, email)
        expect(page.get_by_role("button", name="Sign in")).to_have_count(0)
        return page


@pytest.fixture
def people_browsers(browser, live_server, request):
    browsers = Browsers(browser, live_server.url)
    yield browsers
    if getattr(request.node, "failed_in_call", False):
        ARTIFACTS.mkdir(exist_ok=True)
        for n, page in enumerate(p for context in browsers.contexts for p in context.pages):
            try:
                page.screenshot(path=str(ARTIFACTS / f"training-journey-{n}.png"), full_page=True)
            except Exception:  # noqa: BLE001 - a page already closed
                pass
    for context in browsers.contexts:
        context.close()


def _organisation():
    """HR; Mona managing Rafael, whose role requires A0-00 at level 3; Olga, a leader elsewhere, with a
    verified certificate of her own."""
    hr = UserFactory(email="hannah@training.example", first_name="Hannah", last_name="Reid", role=Role.HR)
    version = published_framework(hr, code="leadership", areas=1, per_area=2)
    profile = approved_profile(version, hr, code="shift-leader", levels={CODE: 3, "A0-01": 2})
    plant, office = OrgUnitFactory(name="Plant North"), OrgUnitFactory(name="Head office")
    mona = PersonFactory(org_unit=plant, role_profile=profile, user__first_name="Mona", user__last_name="Manager",
                         user__email="mona@training.example")
    rafael = PersonFactory(org_unit=plant, role_profile=profile, manager=mona, user__first_name="Rafael",
                           user__last_name="Report", user__email="rafael@training.example")
    olga = PersonFactory(org_unit=office, role_profile=profile, user__first_name="Olga", user__last_name="Other",
                         user__email="olga@training.example")
    competency = version.competencies.get(code=CODE)
    today = timezone.localdate()
    olgas = evidence.certificate_add(
        person=olga, title="Lead auditor", issuer="Quality Academy", issued_on=today - timedelta(days=100),
        expires_on=today + timedelta(days=600), upload=SimpleUploadedFile("olga.pdf", PDF, "application/pdf"),
        competencies=[competency], actor=hr)
    evidence.certificate_verify(olgas, actor=hr)
    return hr, mona, rafael, olga, olgas


def test_hr_plans_a_training_a_manager_enrols_a_report_and_the_matrix_shows_it_effective(
        people_browsers, live_server, private_store, tmp_path):
    hr, mona, rafael, olga, olgas_certificate = _organisation()
    base = live_server.url
    today = timezone.localdate()

    # 1. HR creates a programme aimed at A0-00 at level 3, reviewed 60 days after completion by observation.
    hannah = people_browsers.signed_in(hr.email)
    hannah.locator("#main-nav").get_by_role("link", name="Training", exact=True).click()
    expect(hannah.get_by_role("heading", name="Training catalogue")).to_be_visible()
    hannah.get_by_role("link", name="New programme").click()
    hannah.get_by_label(label("Title")).fill(PROGRAMME)
    hannah.get_by_label(label("Kind")).select_option(label="Workshop")
    hannah.get_by_label(label("Provider")).fill("Quality Academy")
    hannah.get_by_label(label("Duration (hours)")).fill("7.5")
    hannah.get_by_label(label("Cost")).fill("450")
    hannah.get_by_label(label("Description")).fill("Root causes, 8D and following the actions through.")
    hannah.get_by_label(label("Review effectiveness after (days)")).fill("60")
    hannah.get_by_label(label("Review method")).select_option(label="Observation at work")
    targets = hannah.get_by_role("group", name="Competencies it develops")
    targets.get_by_label("Competency, row 1").select_option(label=f"{CODE} Competency 0.0 · Leadership")
    targets.get_by_label("Level, row 1").fill("3")
    hannah.get_by_role("button", name="Create programme").click()
    expect(hannah.get_by_role("alert")).to_contain_text(f"{PROGRAMME} is in the catalogue.")
    expect(hannah.get_by_role("heading", level=1)).to_have_text(PROGRAMME)
    expect(hannah.get_by_test_id("targets")).to_contain_text(f"{CODE} Competency 0.0 — level 3")
    expect(hannah.get_by_test_id("review-plan")).to_have_text("60 days after completion, by observation at work")

    # ... and plans a session of it next week.
    starts = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=7)
    hannah.get_by_role("link", name="Plan a session").click()
    hannah.get_by_label(label("Starts")).fill(f"{starts:%Y-%m-%dT%H:%M}")
    hannah.get_by_label(label("Ends")).fill(f"{starts + timedelta(hours=8):%Y-%m-%dT%H:%M}")
    hannah.get_by_label(label("Place")).fill("Plant North, room 2")
    hannah.get_by_label(label("Trainer")).fill("Tom Trainer")
    hannah.get_by_label(label("Capacity")).fill("12")
    hannah.get_by_role("button", name="Plan session").click()
    expect(hannah.get_by_role("alert")).to_contain_text(f"Session of {PROGRAMME} planned.")
    expect(hannah.get_by_test_id("places")).to_contain_text("0 of 12 places taken")
    session_url = hannah.url
    session = Session.objects.get(programme__title=PROGRAMME)

    # 2. Mona finds the session in the catalogue and enrols Rafael, her report, from its page.
    mona_page = people_browsers.signed_in(mona.user.email)
    mona_page.locator("#main-nav").get_by_role("link", name="Training", exact=True).click()
    row = mona_page.get_by_test_id("programme-table").locator(f'tr[data-programme="{session.programme_id}"]')
    row.get_by_role("link", name=PROGRAMME).click()
    mona_page.get_by_test_id("upcoming").locator(f'tr[data-session="{session.pk}"]').get_by_role("link").click()
    enrolments = mona_page.get_by_test_id("session-enrolments")
    expect(enrolments).to_contain_text("Nobody is enrolled yet.")
    enrolments.get_by_label(label("Person")).select_option(label="Rafael Report")
    enrolments.get_by_role("button", name="Enrol", exact=True).click()
    expect(mona_page.get_by_role("alert")).to_contain_text("Rafael Report is enrolled.")
    enrolment = Enrolment.objects.get(session=session, person=rafael)
    expect(mona_page.locator(f'tr[data-enrolment="{enrolment.pk}"] [data-status]')).to_have_attribute(
        "data-status", EnrolmentStatus.ENROLLED)
    expect(mona_page.get_by_test_id("places")).to_contain_text("1 of 12 places taken")

    # The session takes place (a started session takes no new enrolments, so it was planned ahead).
    now = timezone.now()
    Session.objects.filter(pk=session.pk).update(starts_at=now - timedelta(hours=10),
                                                 ends_at=now - timedelta(hours=2))

    # 3. HR records Rafael's attendance and completion from the session's page.
    hannah.goto(session_url)
    expect(hannah.get_by_test_id("places")).to_contain_text("the session has started")
    hannah.get_by_role("link", name="Record the completion of Rafael Report").click()
    expect(hannah.get_by_role("heading", name="Attendance and completion")).to_be_visible()
    hannah.get_by_label(label("Attended")).check()
    hannah.get_by_label(label("Completed on")).fill(today.isoformat())
    hannah.get_by_label(label("Result")).select_option(label="Passed")
    hannah.get_by_label(label("Note")).fill("Took part in every exercise.")
    hannah.get_by_role("button", name="Record", exact=True).click()
    due = today + timedelta(days=60)
    expect(hannah.get_by_role("alert")).to_contain_text(
        f"Rafael Report completed the programme; 1 effectiveness review falls due on {due:%d %b %Y}.")
    expect(hannah.locator(f'tr[data-enrolment="{enrolment.pk}"] [data-status]')).to_have_attribute(
        "data-status", EnrolmentStatus.COMPLETED)

    # ... and uploads the certificate of the workshop on Rafael's competence record, then verifies it.
    hannah.goto(f"{base}/training/people/{rafael.pk}/record/")  # no page links to a person's record yet
    expect(hannah.get_by_role("heading", name="Rafael Report's competence record")).to_be_visible()
    expect(hannah.locator(f'tr[data-code="{CODE}"]')).to_have_attribute("data-evidence", "none")
    expect(hannah.get_by_test_id("trainings")).to_contain_text(f"{PROGRAMME}, completed")
    hannah.get_by_role("link", name="Add a certificate").click()
    upload = tmp_path / "workshop-certificate.pdf"
    upload.write_bytes(PDF)
    hannah.get_by_label(label("Title")).fill("Corrective actions practitioner")
    hannah.get_by_label(label("Issuer")).fill("Quality Academy")
    hannah.get_by_label(label("Issued on")).fill(today.isoformat())
    hannah.get_by_label(label("Expires on")).fill((today + timedelta(days=730)).isoformat())
    hannah.get_by_label(label("File")).set_input_files(str(upload))
    # By value: the option reads "Enrolment object (N)" (Enrolment has no __str__), which no one should match on.
    hannah.get_by_label(label("Enrolment")).select_option(str(enrolment.pk))
    hannah.get_by_label(label("Competencies")).select_option(label=f"{CODE} Competency 0.0 (Leadership)")
    hannah.get_by_role("button", name="Upload certificate").click()
    expect(hannah.get_by_role("alert")).to_contain_text(
        "Certificate “Corrective actions practitioner” added to Rafael Report's record.")
    certificates = hannah.get_by_test_id("certificates")
    expect(certificates).to_contain_text("awaiting verification")
    expect(certificates).to_contain_text("workshop-certificate.pdf")
    certificates.get_by_role("button", name="Verify").click()
    expect(hannah.get_by_role("alert")).to_contain_text("“Corrective actions practitioner” is verified by you.")
    expect(hannah.locator(f'tr[data-code="{CODE}"]')).to_have_attribute("data-evidence", "yes")
    expect(hannah.locator(f'tr[data-code="{CODE}"]')).to_contain_text("Certificate: Corrective actions practitioner")
    rafaels_certificate = Certificate.objects.get(person=rafael)
    assert rafaels_certificate.enrolment_id == enrolment.pk
    assert rafaels_certificate.file.content_type == "application/pdf"

    # 4. Mona records the effectiveness review from the list of reviews: effective.
    mona_page.goto(f"{base}/training/reviews/")  # linked from the dashboard only once a review is overdue
    expect(mona_page.get_by_role("heading", name="Effectiveness reviews")).to_be_visible()
    review = EffectivenessReview.objects.get(enrolment=enrolment)
    line = mona_page.locator(f'tr[data-review="{review.pk}"]')
    expect(line).to_contain_text("not recorded")
    line.get_by_role("link", name=f"Record the review of Rafael Report in {CODE}").click()
    expect(mona_page.get_by_role("heading", name="Effectiveness review: Rafael Report")).to_be_visible()
    expect(mona_page.get_by_label(label("Method used"))).to_have_value("observation")  # the planned method
    mona_page.get_by_label(label("Level before the training")).fill("2")
    mona_page.get_by_label(label("Level after the training")).fill("3")
    mona_page.get_by_label(label("Method used")).select_option(label="Observation at work")
    mona_page.get_by_label(label("Evidence")).fill("Led two 8D investigations on her own; both closed on time.")
    mona_page.get_by_label("Yes: the level needed was reached").check()
    mona_page.get_by_role("button", name="Record the review").click()
    expect(mona_page.get_by_role("alert")).to_contain_text(f"The review of Rafael Report in {CODE} is recorded.")
    line = mona_page.locator(f'tr[data-review="{review.pk}"]')
    expect(line.locator(".badge", has_text="effective")).to_have_text("effective")
    expect(line).to_contain_text("Mona Manager")

    # 5. The training matrix shows Rafael effective in A0-00 (and nothing yet in A0-01).
    mona_page.get_by_role("link", name="Training matrix").click()
    expect(mona_page.get_by_role("heading", name="Training matrix")).to_be_visible()
    matrix = mona_page.get_by_test_id("matrix-table")
    person = matrix.locator(f'tbody[data-person="{rafael.employee_id}"]')
    expect(person).to_contain_text("Rafael Report")
    cell = person.locator(f'tr[data-code="{CODE}"]')
    expect(cell).to_have_attribute("data-status", "effective")
    expect(cell).to_contain_text("Effective (reviewed)")
    expect(cell).to_contain_text((today + timedelta(days=730)).isoformat())  # the certificate's expiry
    expect(person.locator('tr[data-code="A0-01"]')).to_have_attribute("data-status", "none")
    expect(matrix.locator(f'tbody[data-person="{olga.employee_id}"]')).to_have_count(0)  # not in Mona's line

    # 6. Rafael downloads his own certificate; Olga's is not found for him.
    rafael_page = people_browsers.signed_in(rafael.user.email)
    own = rafael_page.request.get(f"{base}/training/certificates/{rafaels_certificate.pk}/download/")
    assert own.status == 200, own.status
    assert own.headers["content-type"] == "application/pdf"
    assert own.body() == PDF
    response = rafael_page.goto(f"{base}/training/certificates/{olgas_certificate.pk}/download/")
    assert response.status == 404, response.status
    expect(rafael_page.locator("body")).not_to_contain_text("Lead auditor")
