"""The questionnaire, the results and the plan pages by keyboard alone and as a screen reader reads them:
every Tab stop shows its focus and follows the reading order, the landmarks and controls have names."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from assessments.models import Answer, Group, Participant, QuestionnaireStatus
from devplans.services.drafting import plan_draft
from tests.assessments.builders import team_cycle
from tests.devplans.builders import build_org
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the focused element is, where it is on the page, and whether its focus can be seen: an outline
# or a focus ring (Bootstrap draws a box-shadow) on the element itself.
FOCUSED = """(() => {
  const el = document.activeElement;
  const box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  const outlined = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  return {tag: el.tagName.toLowerCase(), name: el.name || "", id: el.id || "", testid: el.dataset.testid || "",
          text: (el.innerText || el.getAttribute("aria-label") || "").trim().slice(0, 60),
          top: box.top + window.scrollY, bottom: box.bottom + window.scrollY, left: box.left,
          width: box.width, height: box.height,
          // In a date field the last stop is Chromium's own calendar button, inside the field's closed
          // shadow root (the field itself no longer matches :focus); Chromium draws its focus ring.
          visible: outlined || style.boxShadow !== "none" || (el.type === "date" && !el.matches(":focus"))};
})()"""


def press_tab(page) -> dict:
    page.keyboard.press("Tab")
    return page.evaluate(FOCUSED)


def describe(stop: dict) -> str:
    return f"<{stop['tag']}> {stop['name'] or stop['id'] or stop['testid'] or stop['text']!r}"


def assert_reading_order(stops: list[dict]) -> None:
    """Each stop is below the one before it, or on the same line further right (left to right, top down)."""
    for before, after in zip(stops, stops[1:]):
        same_line = after["top"] < before["bottom"] and before["top"] < after["bottom"]
        assert (after["left"] >= before["left"] if same_line else after["top"] >= before["bottom"] - 1), (
            f"focus jumps back from {describe(before)} to {describe(after)}")


def test_a_rater_answers_every_competency_and_submits_by_keyboard_alone(page, live_server):
    team = team_cycle(peers=1, reports=0, areas=2, per_area=2)
    questionnaire = team.questionnaire(Group.PEER)
    competencies = team.competencies()
    base = live_server.url
    sign_in(page, base, team.peers[0].user.email)
    page.goto(f"{base}/assessments/q/{questionnaire.pk}/")
    expect(page.get_by_role("heading", name="Your view of Lena Leader", level=1)).to_be_visible()

    # The first Tab reaches the skip link, which shows itself and jumps over the navigation.
    skip = press_tab(page)
    assert skip["text"] == "Skip to content" and skip["width"] > 1 and skip["visible"], skip
    page.keyboard.press("Enter")
    stops = [press_tab(page)]
    assert stops[0]["text"] == "My questionnaires", f"after the skip link focus went to {describe(stops[0])}"

    # Tab through the page: each competency is one stop for its levels (Space picks the first, arrows move
    # within the group) and one for its comment; Enter on Submit sends the answers.
    levels = {competency.pk: 3 + index % 2 for index, competency in enumerate(competencies)}
    answered: list[int] = []
    while stops[-1]["testid"] != "submit":
        stop = stops[-1]
        assert stop["visible"], f"focus on {describe(stop)} cannot be seen"
        match = re.fullmatch(r"c(\d+)-level", stop["name"])
        if match:
            pk = int(match.group(1))
            page.keyboard.press("Space")
            for _ in range(levels[pk] - 1):
                page.keyboard.press("ArrowRight")
            expect(page.locator(f"#c-{pk}-l{levels[pk]}")).to_be_checked()
            expect(page.locator(f"#c-{pk} [data-testid=save-status]")).to_contain_text("Saved")
            answered.append(pk)
            stops[-1] = page.evaluate(FOCUSED)  # the group's stop is now the chosen level
        elif stop["name"].endswith("-comment") and not answered[:-1]:
            page.keyboard.type("Clear about priorities.")
        assert len(stops) < 40, "Tab never reached Submit"
        stops.append(press_tab(page))
    assert stops[-1]["visible"], "focus on Submit cannot be seen"
    assert answered == [competency.pk for competency in competencies], "a competency was skipped by Tab"
    form_stops = [stop for stop in stops if stop["name"].startswith("c")]
    assert [stop["name"] for stop in form_stops] == [
        name for competency in competencies for name in (f"c{competency.pk}-level", f"c{competency.pk}-comment")]
    assert_reading_order(stops)
    expect(page.get_by_test_id("answers-left")).to_contain_text("All 4 answered")

    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My questionnaires")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("your answers about Lena Leader are submitted")
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.SUBMITTED
    first = competencies[0].pk
    assert {a.competency_id: a.level for a in Answer.objects.filter(questionnaire=questionnaire)} == levels
    assert Answer.objects.get(questionnaire=questionnaire, competency_id=first).comment == "Clear about priorities."


def assert_page_landmarks(page, heading: str, *, breadcrumb: bool = True) -> None:
    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.get_by_role("navigation", name="Main")).to_have_count(1)
    expect(page.get_by_role("navigation", name="breadcrumb")).to_have_count(1 if breadcrumb else 0)
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()


def tab_until(page, check, limit: int = 60) -> dict:
    for _ in range(limit):
        stop = press_tab(page)
        assert stop["visible"], f"focus on {describe(stop)} cannot be seen"
        if check(stop):
            return stop
    raise AssertionError("Tab never reached the control")


def test_the_results_page_reads_by_landmarks_and_named_tables_and_works_by_keyboard(page, live_server):
    org = build_org()
    participant = Participant.objects.get(cycle=org.cycle, person=org.leader)
    sign_in(page, live_server.url, org.leader.user.email)
    page.goto(f"{live_server.url}/assessments/participants/{participant.pk}/results/")
    assert_page_landmarks(page, "360° results: Lena Leader")
    expect(page.get_by_role("region", name="PDF of these results")).to_be_visible()
    expect(page.get_by_role("heading", name="Results per competency", level=2)).to_be_visible()
    table = page.get_by_role("table", name=re.compile("required level and the mean rating per group"))
    expect(table).to_have_count(1)
    expect(table.get_by_role("columnheader", name="Competency")).to_be_visible()
    expect(table.get_by_role("columnheader", name="Required")).to_be_visible()
    expect(table.get_by_role("rowheader").first).to_contain_text(org.competencies[0].code)

    # At phone width the table scrolls sideways: its region takes the focus, and the arrow keys scroll it.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    scroller = page.locator(".table-responsive", has=table)
    if page.evaluate("el => el.scrollWidth > el.clientWidth", scroller.element_handle()):
        expect(scroller).to_have_attribute("tabindex", "0")
        expect(page.get_by_role("region", name=re.compile("required level and the mean rating"))).to_have_count(1)
        scroller.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("el => el.scrollLeft > 0", arg=scroller.element_handle())


def test_the_plan_page_reads_by_landmarks_and_its_objective_is_edited_by_keyboard(page, live_server):
    org = build_org()
    plan, _created = plan_draft(person=org.leader, actor=org.leader.user)
    sign_in(page, live_server.url, org.leader.user.email)
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    assert_page_landmarks(page, "Development plan: Lena Leader", breadcrumb=False)
    for name in ("Objectives and actions", "Timeline", "Approval", "PDF"):
        expect(page.get_by_role("heading", name=name, level=2)).to_be_visible()
    expect(page.get_by_role("region", name="PDF of this plan")).to_be_visible()
    critical = org.competencies[1]
    objective = page.get_by_role("region", name=re.compile(f"{critical.code} {critical.name}"))
    expect(objective).to_have_count(1)
    expect(objective.get_by_role("table", name=f"Actions for {critical.code}")).to_be_visible()
    expect(objective.get_by_role("link", name=f"Edit objective {critical.code}", exact=True)).to_be_visible()

    # By keyboard: Tab to that objective's edit link, Enter, change the success measure, Enter saves.
    tab_until(page, lambda stop: stop["text"].startswith("Edit objective") and stop["tag"] == "a")
    page.keyboard.press("Enter")
    measure = page.get_by_label("Success measure")
    expect(measure).to_be_visible()
    measure.focus()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("Leads the risk review alone, seen by Mona.")
    tab_until(page, lambda stop: stop["tag"] == "button" and stop["text"].startswith("Save"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Development plan: Lena Leader", level=1)).to_be_visible()
    expect(page.get_by_role("region", name=re.compile(critical.code))).to_contain_text(
        "Leads the risk review alone, seen by Mona.")
