"""A 360° cycle from start to finish in a real browser, through the pages only.

HR opens a cycle for four leaders; one leader nominates peers and their manager approves them; the
leader, the manager and three peers answer (one at phone width, one closing the page half-way and
resuming); HR reminds, closes and releases; the leader reads their results with the radar chart and
a blind spot; a peer who rated them is refused the same page.

Only the starting organisation is built with the factories; links are followed from the emails
Django keeps in memory during tests (`mailoutbox`), as a person would follow them from their inbox.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from tests.e2e.conftest import ARTIFACTS, PHONE, sign_in
from tests.factories import OrgUnitFactory, PersonFactory, UserFactory
from tests.helpers import approved_profile, published_framework

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/journey")
# The four competencies of the framework (2 areas × 2), by code.
CODES = ("A0-00", "A0-01", "A1-00", "A1-01")
# Lena rates herself far above how the others see her on A0-00 (a blind spot) and below them on
# A1-01 (a hidden strength); everyone else sees her at 3, bar A1-01 at 4.
SELF = {"A0-00": 5, "A0-01": 3, "A1-00": 3, "A1-01": 2}
OTHERS = {"A0-00": 3, "A0-01": 3, "A1-00": 3, "A1-01": 4}


# --- the browser side ---------------------------------------------------------------------------------


class Browsers:
    """One browser context per person (their own cookies), desktop or phone; closed at the end."""

    def __init__(self, browser, base: str):
        self.browser, self.base, self.contexts = browser, base, []

    def open(self, *, phone: bool = False):
        options = {"viewport": PHONE, "is_mobile": True, "has_touch": True} if phone else {
            "viewport": {"width": 1280, "height": 900}}
        context = self.browser.new_context(reduced_motion="reduce", **options)
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("dialog", lambda dialog: dialog.accept())  # the data-confirm questions of the cycle page
        return page

    def signed_in(self, email: str, *, phone: bool = False):
        page = self.open(phone=phone)
        sign_in(page, self.base, email)
        expect(page.get_by_role("button", name="Sign in")).to_have_count(0)
        return page

    def close_all(self) -> None:
        for context in self.contexts:
            try:
                context.close()
            except Exception:  # noqa: BLE001 - closed by the test already
                pass


@pytest.fixture
def people_browsers(browser, live_server, request):
    browsers = Browsers(browser, live_server.url)
    yield browsers
    if getattr(request.node, "failed_in_call", False):  # every open page, as the conftest does for `page`
        ARTIFACTS.mkdir(exist_ok=True)
        for n, page in enumerate(p for context in browsers.contexts for p in context.pages):
            try:
                page.screenshot(path=str(ARTIFACTS / f"360-journey-{n}.png"), full_page=True)
            except Exception:  # noqa: BLE001 - a page already closed
                pass
    browsers.close_all()


def emailed_path(outbox, to: str, contains: str, *, saying: str = "") -> str:
    """The path of the newest link containing `contains` in an email to `to` (whose text says `saying`)."""
    for message in reversed(outbox):
        if to in message.to and saying in message.body:
            for url in re.findall(r"https?://\S+", message.body):
                path = re.sub(r"^https?://[^/]+", "", url)
                if contains in path:
                    return path
    raise AssertionError(f"no email to {to} links to {contains}: {[(m.to, m.subject) for m in outbox]}")


def competency(page, code: str):
    """A competency's fieldset, found by its legend ("A0-00 Competency 0.0")."""
    return page.get_by_role("group", name=re.compile(rf"^{re.escape(code)} "))


def pick(page, code: str, level: int, left: int) -> None:
    fieldset = competency(page, code)
    fieldset.get_by_role("radio", name=re.compile(rf"^{level} · ")).check()
    expect(fieldset.get_by_test_id("save-status")).to_contain_text(f"Saved · {left} left")


def answer_all(page, levels: dict[str, int], *, comments: dict[str, str] | None = None, already: int = 0) -> None:
    """Answers the competencies not answered yet, each saved as it is given, and checks the count."""
    comments = comments or {}
    total = len(CODES)
    for n, (code, level) in enumerate(levels.items(), start=already + 1):
        pick(page, code, level, total - n)
        if code in comments:
            fieldset = competency(page, code)
            fieldset.get_by_label(re.compile("^Comment")).fill(comments[code])
            expect(fieldset.get_by_test_id("save-status")).to_contain_text(f"Saved · {total - n} left")
    expect(page.get_by_test_id("answers-left")).to_contain_text(f"All {total} answered")


def submit(page, thanks: str) -> None:
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.get_by_role("heading", name="My questionnaires")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(thanks)


def fits_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


# --- the journey --------------------------------------------------------------------------------------


def test_a_360_cycle_from_opening_to_results(people_browsers, live_server, mailoutbox):
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url

    # The organisation: four leaders of Plant North with an approved role profile, Mona managing the
    # other three, and four colleagues elsewhere to nominate as peers.
    hr = UserFactory(email="hannah@example.com", first_name="Hannah", last_name="Reid", role=Role.HR)
    version = published_framework(hr, code="leadership", areas=2, per_area=2)
    profile = approved_profile(version, hr, code="shift-leader", levels={code: 3 for code in CODES})
    north, south = OrgUnitFactory(name="Plant North", code="PN"), OrgUnitFactory(name="Plant South", code="PS")

    def person(first, last, unit, **extra):
        return PersonFactory(org_unit=unit, user__first_name=first, user__last_name=last,
                             user__email=f"{first.lower()}@example.com", **extra)

    mona = person("Mona", "Manager", north, role_profile=profile)
    for first, last in (("Lena", "Leader"), ("Leo", "Lindqvist"), ("Lara", "Larsen")):
        person(first, last, north, role_profile=profile, manager=mona)
    peers = [person(first, "Colleague", south) for first in ("Petra", "Paul", "Pia", "Piet")]
    petra, paul, pia, piet = (p.user.email for p in peers)

    # 1. HR creates the cycle, adds Plant North's four leaders and opens it.
    hannah = people_browsers.signed_in("hannah@example.com")
    hannah.goto(f"{base}/assessments/")
    hannah.get_by_role("link", name="New cycle").click()
    hannah.get_by_label("Name").fill("Spring 360")
    hannah.get_by_label("Framework version").select_option(index=1)
    hannah.get_by_role("button", name="Create and choose leaders").click()
    expect(hannah.get_by_role("alert")).to_contain_text("Spring 360 created. Choose its leaders next.")
    expect(hannah.get_by_role("heading", name="Leaders of Spring 360")).to_be_visible()

    by_unit = hannah.get_by_test_id("add-by-unit")
    by_unit.get_by_label("Org unit").select_option(label="Plant North")
    by_unit.get_by_role("button", name="Add the unit's people").click()
    expect(hannah.get_by_role("alert")).to_contain_text("4 leaders of Plant North added.")
    expect(hannah.get_by_test_id("leader-count")).to_contain_text("4 leaders chosen")
    expect(hannah.get_by_test_id("opening-problems")).to_have_count(0)

    hannah.get_by_role("link", name="Back to the cycle").click()
    expect(hannah.get_by_text("Ready to open.")).to_be_visible()
    hannah.get_by_role("button", name="Open the cycle").click()
    expect(hannah.get_by_role("alert")).to_contain_text("Opening Spring 360 for 4 leaders")
    expect(hannah.locator("h1 + [data-status]")).to_have_text("Open")
    expect(hannah.get_by_test_id("leader-count")).to_have_text("4 leaders")
    cycle_url = hannah.url

    # 2. Lena follows her invitation, nominates four peers and submits them; Mona approves them.
    lena_page = people_browsers.signed_in("lena@example.com")
    lena_page.goto(base + emailed_path(mailoutbox, "lena@example.com", "/assessments/participants/"))
    expect(lena_page.get_by_role("heading", name="Your 360° in Spring 360")).to_be_visible()
    expect(lena_page.get_by_test_id("nominations-peer")).to_contain_text("4 more needed before you submit.")
    for who in ("Petra", "Paul", "Pia", "Piet"):
        lena_page.get_by_label("Find a colleague").fill("Colleague")
        lena_page.get_by_role("button", name="Find").click()
        lena_page.get_by_role("button", name=f"Nominate {who} Colleague").click()
        expect(lena_page.get_by_role("alert")).to_contain_text(f"{who} Colleague nominated.")
    expect(lena_page.get_by_test_id("nominations-peer")).to_contain_text("4 nominated")
    lena_page.get_by_role("button", name="Submit for approval").click()
    expect(lena_page.get_by_role("alert")).to_contain_text("Your nominations are with Mona Manager for approval.")

    mona_page = people_browsers.signed_in("mona@example.com")
    mona_page.goto(base + emailed_path(mailoutbox, "mona@example.com", "/assessments/participants/"))
    expect(mona_page.get_by_role("heading", name="Lena Leader in Spring 360")).to_be_visible()
    mona_page.get_by_role("button", name="Approve all 4 awaiting").click()
    expect(mona_page.get_by_role("alert")).to_contain_text(
        "4 nominations of Lena Leader approved: the raters are invited.")
    nominated = mona_page.get_by_test_id("nominations-peer")
    expect(nominated.get_by_text("Approved", exact=True)).to_have_count(4)
    expect(nominated).not_to_contain_text("Awaiting a decision")

    # 3. The answers. Lena's self-assessment, from her invitation.
    lena_page.goto(base + emailed_path(mailoutbox, "lena@example.com", "/assessments/q/", saying="Rate yourself"))
    expect(lena_page.get_by_role("heading", name="Your self-assessment")).to_be_visible()
    expect(lena_page.get_by_test_id("answers-left")).to_contain_text("4 left")
    answer_all(lena_page, SELF, comments={"A0-00": "I think I explain changes well."})
    submit(lena_page, "Thank you: your self-assessment is submitted.")

    # Mona, from "My questionnaires".
    mona_page.goto(f"{base}/assessments/mine/")
    mona_page.get_by_test_id("pending").get_by_role("link", name="Lena Leader").click()
    expect(mona_page.get_by_role("heading", name="Your view of Lena Leader")).to_be_visible()
    answer_all(mona_page, OTHERS, comments={"A1-01": "Calm under pressure on night shifts."})
    submit(mona_page, "Thank you: your answers about Lena Leader are submitted.")

    # Petra, at her desk.
    petra_page = people_browsers.signed_in(petra)
    petra_page.goto(base + emailed_path(mailoutbox, petra, "/assessments/q/"))
    expect(petra_page.get_by_role("heading", name="Your view of Lena Leader")).to_be_visible()
    answer_all(petra_page, OTHERS, comments={"A0-00": "Changes often arrive without the reasons."})
    submit(petra_page, "Thank you: your answers about Lena Leader are submitted.")

    # Paul, on his phone.
    paul_page = people_browsers.signed_in(paul, phone=True)
    paul_page.goto(base + emailed_path(mailoutbox, paul, "/assessments/q/"))
    expect(paul_page.get_by_role("heading", name="Your view of Lena Leader")).to_be_visible()
    assert fits_phone(paul_page)
    pick(paul_page, "A0-00", OTHERS["A0-00"], 3)
    paul_page.screenshot(path=str(SHOTS / "questionnaire-phone.png"), full_page=True)
    answer_all(paul_page, {code: OTHERS[code] for code in CODES[1:]}, already=1)
    assert fits_phone(paul_page)
    submit(paul_page, "Thank you: your answers about Lena Leader are submitted.")

    # Pia answers half, closes the browser, comes back later: nothing is lost.
    pia_page = people_browsers.signed_in(pia)
    questionnaire_path = emailed_path(mailoutbox, pia, "/assessments/q/")
    pia_page.goto(base + questionnaire_path)
    pick(pia_page, "A0-00", OTHERS["A0-00"], 3)
    comment = competency(pia_page, "A0-00").get_by_label(re.compile("^Comment"))
    comment.fill("Good at the what, less at the why.")
    comment.blur()
    expect(competency(pia_page, "A0-00").get_by_test_id("save-status")).to_contain_text("Saved · 3 left")
    pick(pia_page, "A0-01", OTHERS["A0-01"], 2)
    expect(pia_page.get_by_test_id("answers-left")).to_contain_text("2 left")
    pia_page.context.close()

    pia_page = people_browsers.signed_in(pia)
    pia_page.goto(f"{base}/assessments/mine/")
    expect(pia_page.get_by_test_id("pending").get_by_test_id("answered")).to_have_text("2 of 4 answered")
    pia_page.get_by_test_id("pending").get_by_role("link", name="Lena Leader").click()
    expect(pia_page.get_by_test_id("answers-left")).to_contain_text("2 left")
    expect(competency(pia_page, "A0-00").get_by_role("radio", name=re.compile(r"^3 · "))).to_be_checked()
    expect(competency(pia_page, "A0-01").get_by_role("radio", name=re.compile(r"^3 · "))).to_be_checked()
    expect(competency(pia_page, "A0-00").get_by_label(re.compile("^Comment"))).to_have_value(
        "Good at the what, less at the why.")
    answer_all(pia_page, {code: OTHERS[code] for code in CODES[2:]}, already=2)
    submit(pia_page, "Thank you: your answers about Lena Leader are submitted.")

    # 4. HR reminds those who have not answered (Piet among them), closes and releases.
    hannah.goto(cycle_url)
    sent_before = len(mailoutbox)
    hannah.get_by_role("button", name="Remind now").click()
    # Nine have not answered: three self-assessments, Mona on Leo and Lara, three reports on Mona, and Piet.
    expect(hannah.get_by_role("alert")).to_contain_text("9 reminders sent to raters who have not answered yet.")
    reminders = [m for m in mailoutbox[sent_before:] if piet in m.to]
    assert reminders and "HR sent you this reminder." in reminders[0].body
    assert not [m for m in mailoutbox[sent_before:] if {petra, paul, pia} & set(m.to)]  # they submitted

    hannah.get_by_test_id("cycle-actions").get_by_role("button", name="Close", exact=True).click()
    expect(hannah.get_by_role("alert")).to_contain_text("Spring 360 is closed: no more answers are taken.")
    expect(hannah.locator("h1 + [data-status]")).to_have_text("Closed")
    hannah.get_by_test_id("release").click()
    # The release runs as a task (in-process in tests); the page follows it until the cycle is released.
    expect(hannah.get_by_role("alert")).to_contain_text(re.compile(r"(Releasing results|released) for 4 leaders"))
    expect(hannah.locator("h1 + [data-status]")).to_have_text("Released", timeout=30_000)
    expect(hannah.get_by_role("link", name="Export CSV")).to_be_visible()

    # 5. Lena reads her results: the radar chart, a blind spot and a hidden strength.
    results_path = emailed_path(mailoutbox, "lena@example.com", "/results/", saying="are released")
    lena_page.goto(base + results_path)
    expect(lena_page.get_by_role("heading", name="360° results: Lena Leader")).to_be_visible()
    chart = lena_page.get_by_role("img", name=re.compile("^Self, all others and the required level for Lena Leader"))
    expect(chart).to_be_visible()
    expect(lena_page.locator("svg title#results-chart-title")).to_have_text(
        "Self, all others and the required level for Lena Leader")
    spots = lena_page.get_by_test_id("blind-spots")
    expect(spots.get_by_role("heading", name="Blind spots")).to_be_visible()
    expect(spots).to_contain_text("A0-00 Competency 0.0: self 5.00, others 3.00")
    expect(lena_page.get_by_test_id("hidden-strengths")).to_contain_text("A1-01 Competency 1.1: self 2.00, others 4.00")
    expect(lena_page.locator('tr[data-code="A0-00"]')).to_contain_text("blind spot")
    expect(lena_page.get_by_text("Changes often arrive without the reasons.")).to_be_visible()
    lena_page.screenshot(path=str(SHOTS / "results-desktop.png"), full_page=True)

    lena_phone = people_browsers.signed_in("lena@example.com", phone=True)
    lena_phone.goto(base + results_path)
    expect(lena_phone.get_by_role("img", name=re.compile("^Self, all others"))).to_be_visible()
    expect(lena_phone.get_by_test_id("blind-spots")).to_contain_text("A0-00")
    lena_phone.screenshot(path=str(SHOTS / "results-phone.png"), full_page=True)
    assert fits_phone(lena_phone)

    # 6. Petra rated Lena: the same address shows her nothing.
    response = petra_page.goto(base + results_path)
    assert response.status in (403, 404), response.status
    expect(petra_page.get_by_test_id("radar-chart")).to_have_count(0)
    expect(petra_page.get_by_test_id("blind-spots")).to_have_count(0)
    expect(petra_page.get_by_text("Changes often arrive without the reasons.")).to_have_count(0)
    expect(petra_page.locator("body")).not_to_contain_text("3.00")
    petra_page.screenshot(path=str(SHOTS / "results-refused-peer.png"), full_page=True)
