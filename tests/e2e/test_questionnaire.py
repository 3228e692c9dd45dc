"""Answering a questionnaire in a real browser: at phone width by keyboard alone, closing the page
half-way and finding every answer on return; and an external rater through their personal link."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from assessments.models import Answer, Group, QuestionnaireStatus
from tests.assessments.builders import team_cycle
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch_console(page) -> list[str]:
    """Errors the page logs (a Content-Security-Policy refusal, a failed script)."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def tab_to(page, predicate: str, limit: int = 40) -> None:
    """Presses Tab until the focused element matches `predicate` (a JS expression over `el`)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!({predicate}); }})()"):
            return
    raise AssertionError(f"Tab never reached {predicate}")


def eventually(check, timeout: float = 10.0):
    """Waits for `check()` to be true (the browser saves in the background)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("the condition never held")
        time.sleep(0.1)


def saved(questionnaire) -> dict:
    return {a.competency_id: (a.level, a.comment) for a in Answer.objects.filter(questionnaire=questionnaire)}


def focused_name(page) -> str:
    return page.evaluate("document.activeElement.name || document.activeElement.textContent.trim()")


def test_a_rater_answers_by_keyboard_at_phone_width_leaves_half_way_and_resumes(phone_page, live_server):
    team = team_cycle(peers=1, reports=0, areas=2, per_area=2)
    questionnaire = team.questionnaire(Group.PEER)
    first, second, third, fourth = team.competencies()
    page, base = phone_page, live_server.url
    errors = watch_console(page)
    sign_in(page, base, team.peers[0].user.email)
    address = f"{base}/assessments/q/{questionnaire.pk}/"
    page.goto(address)
    expect(page.get_by_role("heading", name="Your view of Lena Leader")).to_be_visible()
    expect(page.get_by_test_id("answers-left")).to_contain_text("4 left")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # On a phone the level descriptions are folded; the button opens them for one competency.
    about = page.locator(f"#c-{first.pk}-l3-about")
    expect(about).to_be_hidden()
    tab_to(page, f"el.getAttribute('aria-controls') === 'c-{first.pk}-levels'")
    page.keyboard.press("Space")
    expect(about).to_be_visible()
    expect(about).to_contain_text("Shows 0.0 at level 3")

    # First competency: Space picks level 1, two arrows move to level 3; it saves at once.
    tab_to(page, f"el.name === 'c{first.pk}-level'")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.locator(f"#c-{first.pk}-l3")).to_be_checked()
    status = page.locator(f"#c-{first.pk} [data-testid=save-status]")
    expect(status).to_contain_text("Saved · 3 left")
    # The comment saves a moment after typing stops, without leaving the field.
    page.keyboard.press("Tab")
    assert focused_name(page) == f"c{first.pk}-comment"
    page.keyboard.type("Explains the why behind each change.")
    expect(status).to_contain_text("Saved")
    eventually(lambda: saved(questionnaire).get(first.pk) == (3, "Explains the why behind each change."))

    # Second competency: Space on the first level, ArrowUp wraps round to "Not observed".
    tab_to(page, f"el.name === 'c{second.pk}-level'")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowUp")
    expect(page.locator(f"#c-{second.pk}-none")).to_be_checked()
    expect(page.locator(f"#c-{second.pk} [data-testid=save-status]")).to_contain_text("Saved · 2 left")
    expect(page.get_by_test_id("answers-left")).to_contain_text("2 left")
    # A comment typed just before the page closes still arrives.
    page.keyboard.press("Tab")
    page.keyboard.type("Not in my projects")
    page.close()
    eventually(lambda: saved(questionnaire).get(second.pk) == (None, "Not in my projects"))

    # Reopened: everything is where it was left.
    page = phone_page.context.new_page()
    errors += watch_console(page)
    page.goto(address)
    expect(page.locator(f"#c-{first.pk}-l3")).to_be_checked()
    expect(page.locator(f"#c-{first.pk}-comment")).to_have_value("Explains the why behind each change.")
    expect(page.locator(f"#c-{second.pk}-none")).to_be_checked()
    expect(page.locator(f"#c-{second.pk}-comment")).to_have_value("Not in my projects")
    expect(page.get_by_test_id("answers-left")).to_contain_text("2 left")
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.STARTED

    for competency, arrows in ((third, 3), (fourth, 4)):
        tab_to(page, f"el.name === 'c{competency.pk}-level'")
        page.keyboard.press("Space")
        for _ in range(arrows):
            page.keyboard.press("ArrowDown")
        expect(page.locator(f"#c-{competency.pk} [data-testid=save-status]")).to_contain_text("Saved")
    expect(page.get_by_test_id("answers-left")).to_contain_text("All 4 answered")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    tab_to(page, "el.dataset.testid === 'submit'")
    page.keyboard.press("Space")
    expect(page.get_by_role("heading", name="My questionnaires")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Thank you: your answers about Lena Leader are submitted.")
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.SUBMITTED
    assert saved(questionnaire) == {first.pk: (3, "Explains the why behind each change."),
                                    second.pk: (None, "Not in my projects"), third.pk: (4, ""), fourth.pk: (5, "")}
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Read-only afterwards.
    page.goto(address)
    expect(page.get_by_test_id("read-only")).to_contain_text("can no longer change")
    expect(page.locator(f"#c-{first.pk}-l3")).to_be_disabled()
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors


def test_an_external_rater_answers_through_the_link(page, live_server):
    team = team_cycle(peers=0, reports=0, externals=1, areas=1, per_area=2)
    questionnaire = team.externals[0]
    token = questionnaire.new_token()
    questionnaire.save()
    first, second = team.competencies()
    errors = watch_console(page)
    page.goto(f"{live_server.url}/assessments/link/{token}/")
    expect(page.get_by_role("heading", name="Your view of Lena Leader")).to_be_visible()
    expect(page.get_by_text("as an external partner")).to_be_visible()
    page.get_by_label("4 · Advanced").first.check()
    expect(page.locator(f"#c-{first.pk} [data-testid=save-status]")).to_contain_text("Saved · 1 left")
    page.locator(f"#c-{first.pk}-comment").fill("Always answers our questions within a day.")
    page.locator(f"#c-{first.pk}-comment").blur()
    eventually(lambda: saved(questionnaire).get(first.pk) == (4, "Always answers our questions within a day."))
    page.locator(f"#c-{second.pk}-l2").check()
    expect(page.get_by_test_id("answers-left")).to_contain_text("All 2 answered")
    page.get_by_test_id("submit").click()
    expect(page.get_by_role("heading", name="This questionnaire is closed")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Thank you: your answers about Lena Leader are submitted.")
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.SUBMITTED
    assert saved(questionnaire)[second.pk] == (2, "")
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
