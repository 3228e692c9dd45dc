"""Acceptance 1 of issue 13 in a real browser: a new revision of the quality policy reaches the leaders.

Quality writes revision 2 of the quality policy (revision 1 is current and both leaders acknowledged it); HR
approves it with their password (a wrong one first: refused, nothing signed); quality publishes it. The leader
signs in, sees it waiting on the home page, opens it and acknowledges it (a wrong password first: refused);
quality sees coverage of revision 2 move from 0 of 2 to 1 of 2; the auditor finds the acknowledgement in the
leader's dossier. The page at phone width is checked for overflow.

Only the starting organisation is built with the services; everything after is done through the pages.
Screenshots of each step go to test-artifacts/awareness-journey-*.png, to be looked at by a person.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from awareness import services
from awareness.models import Acknowledgement, RevisionStatus, StatementKind, StatementRevision
from signatures.services import signatures_for
from tests.e2e.conftest import ARTIFACTS, PHONE, sign_in
from tests.factories import TEST_PASSWORD, OrgUnitFactory, PersonFactory, UserFactory
from tests.helpers import approved_profile, published_framework

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_WORDS = "We deliver what we promise, on time, and we learn from every complaint."


def _organisation():
    """HR (Hana), quality (Quinn), an auditor (Ada); Leo in the plant and Cora in the office, both holding an
    approved role profile they acknowledged; the quality policy with revision 1 current, acknowledged by both."""
    hr = UserFactory(email="hana@awareness.example", first_name="Hana", last_name="Reid", role=Role.HR)
    quality = UserFactory(email="quinn@awareness.example", first_name="Quinn", last_name="Moss", role=Role.QUALITY)
    auditor = UserFactory(email="ada@awareness.example", first_name="Ada", last_name="Auditor", auditor=True)
    profile = approved_profile(published_framework(hr), hr)
    leo = PersonFactory(org_unit=OrgUnitFactory(name="Plant North"), role_profile=profile,
                        user=UserFactory(email="leo@awareness.example", first_name="Leo", last_name="Lind"))
    cora = PersonFactory(org_unit=OrgUnitFactory(name="Head office"), role_profile=profile,
                         user=UserFactory(email="cora@awareness.example", first_name="Cora", last_name="Berg"))
    policy = services.statement_create(
        kind=StatementKind.POLICY, title="Quality policy", actor=quality,
        revision=services.RevisionInput(text="We deliver what we promise.", effective_date=date(2026, 1, 1)))
    first = policy.revisions.get()
    services.revision_approve(revision=first, actor=hr, password=TEST_PASSWORD)
    services.revision_publish(revision=first, actor=quality)
    for person in (leo, cora):
        services.acknowledge_revision(person=person, revision=first, password=TEST_PASSWORD)
        services.acknowledge_profile(person=person, password=TEST_PASSWORD)
    return type("Org", (), dict(hr=hr, quality=quality, auditor=auditor, leo=leo, cora=cora, policy=policy,
                                first=first))


class Browsers:
    """One browser context per person (their own cookies); each step's screenshot kept in test-artifacts/."""

    def __init__(self, browser, base: str):
        self.browser, self.base, self.contexts, self.shots = browser, base, [], 0

    def signed_in(self, email: str, *, phone: bool = False):
        options = {"viewport": PHONE, "is_mobile": True, "has_touch": True} if phone else {
            "viewport": {"width": 1280, "height": 800}}
        context = self.browser.new_context(reduced_motion="reduce", **options)
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, self.base, email)
        expect(page.get_by_role("button", name="Sign in")).to_have_count(0)
        return page

    def shot(self, page, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.shots += 1
        page.screenshot(path=str(ARTIFACTS / f"awareness-journey-{self.shots:02d}-{name}.png"), full_page=True)

    def close_all(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def people_browsers(browser, live_server, request):
    browsers = Browsers(browser, live_server.url)
    yield browsers
    if getattr(request.node, "failed_in_call", False):
        for page in (p for context in browsers.contexts for p in context.pages):
            browsers.shot(page, "failed")
    browsers.close_all()


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{page.url} is wider than {width}px"


def test_a_new_policy_revision_is_approved_published_acknowledged_and_shown_to_the_auditor(
        people_browsers, live_server, celery_worker):
    org = _organisation()
    base, browsers = live_server.url, people_browsers

    # Quality writes revision 2, reaching the statement from the home page's awareness card.
    quinn = browsers.signed_in(org.quality.email)
    quinn.get_by_test_id("awareness-card").get_by_role("link", name="Statements").click()
    quinn.get_by_role("link", name="Quality policy").click()
    quinn.get_by_role("link", name="New revision").click()
    form = quinn.get_by_test_id("statement-form")
    form.get_by_label("Text").fill(NEW_WORDS)
    form.get_by_label("Effective date").fill("2027-01-01")
    form.get_by_label("What changed").fill("Complaints named as a source of learning.")
    form.get_by_role("button", name="Save draft").click()
    expect(quinn.get_by_text("Revision 2 saved as a draft.")).to_be_visible()
    expect(quinn.locator('[data-revision="2"]')).to_contain_text("Draft")
    second = StatementRevision.objects.get(statement=org.policy, number=2)
    # Her own draft is not hers to approve: her home page does not ask her to.
    quinn.goto(f"{base}/")
    expect(quinn.get_by_test_id("todos").get_by_text("Approve Quality policy, revision 2")).to_have_count(0)
    browsers.shot(quinn, "quality-writes")

    # HR approves from the to-do on the home page: a wrong password first.
    hana = browsers.signed_in(org.hr.email)
    hana.get_by_test_id("todos").get_by_role("link", name="Approve Quality policy, revision 2").click()
    expect(hana.get_by_test_id("approve-form")).to_be_visible()
    expect(hana.get_by_text(NEW_WORDS)).to_be_visible()
    expect(hana.get_by_text("What changed: Complaints named as a source of learning.")).to_be_visible()
    expect(hana.get_by_text(re.compile("written by Quinn Moss"))).to_be_visible()
    form = hana.get_by_test_id("approve-form")
    form.get_by_label("Your password").fill("not my password")
    form.get_by_role("button", name="Sign and approve").click()
    expect(hana.get_by_text("That is not your password. Nothing was signed.")).to_be_visible()
    browsers.shot(hana, "hr-wrong-password")
    second.refresh_from_db()
    assert second.status == RevisionStatus.DRAFT and not signatures_for(second)
    form = hana.get_by_test_id("approve-form")
    form.get_by_label("Your password").fill(TEST_PASSWORD)
    form.get_by_role("button", name="Sign and approve").click()
    expect(hana.get_by_text("Revision 2 approved. Publish it to make it current.")).to_be_visible()
    expect(hana.locator(".signatures")).to_contain_text("Hana Reid")
    second.refresh_from_db()
    assert second.status == RevisionStatus.APPROVED and second.approved_by == org.hr

    # Quality publishes it from her to-do.
    quinn.goto(f"{base}/")
    quinn.get_by_test_id("todos").get_by_role("link", name="Publish Quality policy, revision 2").click()
    quinn.get_by_role("button", name="Publish revision 2").click()
    expect(quinn.get_by_text(re.compile("Revision 2 is current"))).to_be_visible()
    expect(quinn.locator('[data-revision="1"]')).to_contain_text("Superseded")
    browsers.shot(quinn, "quality-publishes")

    # Coverage of revision 2: nobody yet.
    quinn.goto(f"{base}/")
    quinn.get_by_test_id("awareness-card").get_by_role("link", name="Coverage").click()
    totals = quinn.get_by_test_id("coverage-totals").get_by_role("row", name=re.compile("^Quality policy"))
    expect(totals).to_contain_text("2")
    expect(totals).to_contain_text("0 / 2")

    # The leader sees it waiting on the home page and opens it.
    leo = browsers.signed_in(org.leo.user.email)
    todo = leo.get_by_test_id("todos").get_by_role("link", name="Acknowledge Quality policy, revision 2")
    expect(todo).to_be_visible()
    expect(leo.get_by_test_id("todos")).not_to_contain_text("role profile")  # acknowledged already
    browsers.shot(leo, "leader-home")
    todo.click()
    card = leo.locator(f'[data-revision="{second.pk}"]')
    expect(card).to_contain_text(NEW_WORDS)
    expect(card).to_contain_text("Waiting")
    card.get_by_label("Your password").fill("not my password")
    card.get_by_role("button", name="Acknowledge").click()
    card = leo.locator(f'[data-revision="{second.pk}"]')
    expect(card).to_contain_text("That is not your password. Nothing was signed.")
    browsers.shot(leo, "leader-wrong-password")
    assert not Acknowledgement.objects.filter(revision=second).exists()
    card.get_by_label("Your password").fill(TEST_PASSWORD)
    card.get_by_role("button", name="Acknowledge").click()
    expect(leo.get_by_text("Acknowledged. Thank you.")).to_be_visible()
    expect(leo.get_by_test_id("ack-waiting")).to_have_text("Nothing is waiting for your acknowledgement.")
    expect(leo.locator(f'[data-revision="{second.pk}"]')).to_contain_text("Acknowledged")
    expect(leo.get_by_test_id("ack-history")).to_contain_text("Quality policy, revision 2")
    expect(leo.get_by_test_id("ack-history")).to_contain_text("Quality policy, revision 1")
    browsers.shot(leo, "leader-acknowledged")
    acknowledgement = Acknowledgement.objects.get(revision=second)
    assert acknowledgement.person == org.leo and acknowledgement.signature.signer == org.leo.user
    leo.goto(f"{base}/")
    expect(leo.get_by_test_id("todos")).to_have_count(0)  # nothing waits any more

    # Quality sees coverage move.
    quinn.reload()
    totals = quinn.get_by_test_id("coverage-totals").get_by_role("row", name=re.compile("^Quality policy"))
    expect(totals).to_contain_text("1 / 2")
    expect(totals).to_contain_text("50 %")
    browsers.shot(quinn, "coverage")

    # The auditor reads the acknowledgement in the leader's dossier.
    ada = browsers.signed_in(org.auditor.email)
    ada.goto(f"{base}/evidence/people/{org.leo.pk}/")
    awareness = ada.get_by_test_id("dossier-awareness")
    expect(awareness).to_contain_text("Quality policy")
    expect(awareness).to_contain_text("revision 2")
    browsers.shot(ada, "auditor-dossier")


def test_the_acknowledgement_page_fits_a_phone(people_browsers, live_server):
    org = _organisation()
    services.revision_publish(revision=services.revision_approve(
        revision=services.statement_revise(statement=org.policy, title="Quality policy", actor=org.quality,
                                           revision=services.RevisionInput(text=" ".join([NEW_WORDS] * 3),
                                                                           effective_date=date(2027, 1, 1))),
        actor=org.hr, password=TEST_PASSWORD), actor=org.quality)
    browsers = people_browsers
    phone = browsers.signed_in(org.cora.user.email, phone=True)
    phone.goto(f"{live_server.url}/awareness/mine/")
    expect(phone.get_by_test_id("ack-waiting")).to_have_text(re.compile("^1 waiting for your acknowledgement"))
    _fits(phone, PHONE["width"])
    browsers.shot(phone, "phone-waiting")
    card = phone.locator("section[data-revision]").first
    card.get_by_label("Your password").fill("not my password")
    card.get_by_role("button", name="Acknowledge").click()
    expect(phone.locator("section[data-revision]").first).to_contain_text("That is not your password.")
    _fits(phone, PHONE["width"])
    browsers.shot(phone, "phone-wrong-password")
    phone.goto(f"{live_server.url}/")
    _fits(phone, PHONE["width"])
    browsers.shot(phone, "phone-home")
