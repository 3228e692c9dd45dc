"""The questionnaire, a leader's released results and a development plan as a screen reader meets them, read
from Chromium's accessibility tree (the tree assistive technology reads, through the DevTools protocol):
landmarks, one h1 and headings in order, a name on every control, the autosave status in a live region,
errors tied to their fields, charts with a text alternative. The API reference read the same way (its tables
headed and captioned, its contents reached by keyboard), and the Swagger UI explorer beside it checked with axe on
what Proficio wraps around Swagger UI's own markup."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from assessments.models import Answer, Group, Participant
from devplans.services.drafting import plan_draft
from tests.assessments.builders import team_cycle
from tests.devplans.builders import build_org
from tests.e2e.conftest import sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Roles a person operates or types into; each must have a name to be announced as more than "button".
CONTROLS = {"button", "checkbox", "combobox", "link", "listbox", "menuitem", "radio", "searchbox", "slider",
            "spinbutton", "switch", "tab", "textbox"}
IMAGES = {"image", "img", "graphics-document"}
LANDMARKS = ("banner", "navigation", "main", "contentinfo")


class Tree:
    """The page's accessibility tree in reading order (the nodes assistive technology is given: not ignored)."""

    def __init__(self, page):
        client = page.context.new_cdp_session(page)
        try:
            nodes = client.send("Accessibility.getFullAXTree")["nodes"]
        finally:
            client.detach()
        self.by_id = by_id = {node["nodeId"]: node for node in nodes}
        roots = [node for node in nodes if not node.get("parentId")]
        ordered, stack = [], [root["nodeId"] for root in reversed(roots)]
        while stack:  # depth first, in document order
            node = by_id.get(stack.pop())
            if node is None:
                continue
            ordered.append(node)
            stack.extend(reversed(node.get("childIds", [])))
        self.nodes = [node for node in ordered if not node.get("ignored")]

    @staticmethod
    def role(node) -> str:
        return node.get("role", {}).get("value", "")

    @staticmethod
    def name(node) -> str:
        return str(node.get("name", {}).get("value", "")).strip()

    @staticmethod
    def prop(node, name: str):
        return next((p["value"].get("value") for p in node.get("properties", []) if p["name"] == name), None)

    def of_role(self, *roles: str) -> list[dict]:
        return [node for node in self.nodes if self.role(node) in roles]

    def below(self, node, roles: set[str]) -> list[dict]:
        """The nodes of `roles` anywhere under `node`."""
        stack, found = list(node.get("childIds", [])), []
        while stack:
            child = self.by_id.get(stack.pop())
            if child is not None:
                found += [child] if self.role(child) in roles else []
                stack.extend(child.get("childIds", []))
        return found

    def headings(self) -> list[tuple[int, str]]:
        return [(int(self.prop(node, "level")), self.name(node)) for node in self.of_role("heading")]


def describe_node(page, selector: str) -> dict:
    """Role, name, description (what aria-describedby points at) and states of the element at `selector`."""
    client = page.context.new_cdp_session(page)
    try:
        document = client.send("DOM.getDocument", {"depth": 0})
        node_id = client.send("DOM.querySelector", {"nodeId": document["root"]["nodeId"], "selector": selector})
        assert node_id["nodeId"], f"nothing matches {selector}"
        node = client.send("Accessibility.getPartialAXTree",
                           {"nodeId": node_id["nodeId"], "fetchRelatives": False})["nodes"][0]
    finally:
        client.detach()
    return {"role": Tree.role(node), "name": Tree.name(node),
            "description": str(node.get("description", {}).get("value", "")),
            "invalid": Tree.prop(node, "invalid"), "live": Tree.prop(node, "live")}


def assert_reads_well(page, h1: str) -> Tree:
    """Landmarks, one h1 that opens the headings and no level skipped on the way down, a name on every
    control and image."""
    tree = Tree(page)
    found = {role: [Tree.name(node) for node in tree.of_role(role)] for role in LANDMARKS}
    assert len(found["banner"]) == 1 and len(found["main"]) == 1 and len(found["contentinfo"]) == 1, found
    assert "Main" in found["navigation"], found
    headings = tree.headings()
    assert [name for level, name in headings if level == 1] == [h1], headings
    assert headings[0] == (1, h1), f"the first heading read is not the h1: {headings[:3]}"
    for (before, before_name), (after, after_name) in zip(headings, headings[1:]):
        assert after <= before + 1, f"heading level skipped: h{before} {before_name!r} then h{after} {after_name!r}"
    unnamed = [f"{Tree.role(node)} {node.get('backendDOMNodeId')}" for node in tree.of_role(*CONTROLS)
               if not Tree.name(node)]
    assert not unnamed, f"controls without an accessible name: {unnamed}"
    unnamed_images = [node for node in tree.of_role(*IMAGES) if not Tree.name(node)]
    assert not unnamed_images, f"images without a text alternative: {unnamed_images}"
    return tree


def test_the_questionnaire_reads_in_order_announces_each_save_and_ties_errors_to_their_fields(page, live_server):
    team = team_cycle(peers=1, reports=0, areas=2, per_area=2)
    questionnaire = team.questionnaire(Group.PEER)
    first, second, *_rest = team.competencies()
    sign_in(page, live_server.url, team.peers[0].user.email)
    page.goto(f"{live_server.url}/assessments/q/{questionnaire.pk}/")
    expect(page.locator("html.autosave")).to_have_count(1)

    tree = assert_reads_well(page, "Your view of Lena Leader")
    # (Chromium gives the names as shown: the area headings are in capitals.)
    assert [name.casefold() for level, name in tree.headings() if level == 2] == [
        area.name.casefold() for area in team.version.areas.all()]
    # Each competency is a group named by its legend, its levels radios named by their labels.
    groups = [Tree.name(node) for node in tree.of_role("group")]
    assert f"{first.code} {first.name}" in groups, groups
    radios = [Tree.name(node) for node in tree.of_role("radio")]
    assert "Not observed" in radios and any(name.startswith("3 ·") for name in radios), radios

    # The autosave status is a polite live region: what it says after a level is chosen is read out.
    status = describe_node(page, f"#c-{first.pk} [data-testid=save-status]")
    assert status["role"] == "status" and status["live"] == "polite", status
    page.locator(f"label[for=c-{first.pk}-l3]").click()
    expect(page.locator(f"#c-{first.pk} [data-testid=save-status]")).to_contain_text("Saved")

    # A bad value sent with the whole form (a level the scale lacks, a comment over the limit): the page
    # comes back with each error read as the description of its field, and the field marked invalid.
    page.evaluate("""([levelId, commentId]) => {
        const radio = document.getElementById(levelId);
        radio.value = "9"; radio.checked = true;
        const comment = document.getElementById(commentId);
        comment.removeAttribute("maxlength"); comment.value = "x".repeat(4001);
        const form = document.getElementById("answers");
        form.requestSubmit(form.querySelector("button[name=save][value='']"));
    }""", [f"c-{second.pk}-l3", f"c-{first.pk}-comment"])
    expect(page.get_by_test_id("errors")).to_contain_text("Some answers could not be saved")
    level = describe_node(page, f"#c-{second.pk}-l1")
    assert level["invalid"] == "true" and "is not a level of the scale" in level["description"], level
    comment = describe_node(page, f"#c-{first.pk}-comment")
    assert comment["invalid"] == "true" and "4000" in comment["description"], comment
    assert describe_node(page, f"#c-{first.pk}-l1")["invalid"] in (None, "false")  # only the fields at fault
    assert_reads_well(page, "Your view of Lena Leader")
    assert Answer.objects.get(questionnaire=questionnaire, competency=first).level == 3  # the bad send changed nothing
    assert not Answer.objects.filter(questionnaire=questionnaire, competency=second).exists()


def test_the_released_results_read_in_order_and_the_chart_has_a_text_alternative(page, live_server):
    org = build_org()
    participant = Participant.objects.get(cycle=org.cycle, person=org.leader)
    sign_in(page, live_server.url, org.leader.user.email)
    page.goto(f"{live_server.url}/assessments/participants/{participant.pk}/results/")
    tree = assert_reads_well(page, "360° results: Lena Leader")
    charts = tree.of_role(*IMAGES)
    assert charts, "the results chart is not in the accessibility tree"
    chart = describe_node(page, "[data-testid=radar-chart] svg")
    assert chart["role"] in IMAGES and chart["name"] and chart["description"], chart
    # The chart's figures are also a table with a caption, for whoever cannot read the picture, one
    # disclosure away (a closed <details> keeps it out of the tree until it is opened).
    summary = page.get_by_text("The chart's figures as a table")
    assert describe_node(page, "[data-testid=radar-chart] summary")["name"] == "The chart's figures as a table"
    summary.click()
    table = describe_node(page, "[data-testid=radar-table]")
    assert table["role"] == "table" and chart["name"].startswith(table["name"]), table  # captioned by the title


def test_the_plan_reads_in_order_and_an_objective_saved_with_a_bad_value_ties_the_error_to_its_field(
        page, live_server):
    org = build_org()
    plan, _created = plan_draft(person=org.leader, actor=org.leader.user)
    sign_in(page, live_server.url, org.leader.user.email)
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    assert_reads_well(page, "Development plan: Lena Leader")

    critical = org.competencies[1]
    page.get_by_role("link", name=f"Edit objective {critical.code}", exact=True).click()
    measure = page.get_by_label("Success measure")
    measure.fill("")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".invalid-feedback, .is-invalid").first).to_be_visible()
    invalid = page.locator("[aria-invalid=true]")
    expect(invalid).not_to_have_count(0)
    for index in range(invalid.count()):
        field_id = invalid.nth(index).get_attribute("id")
        described = describe_node(page, f"#{field_id}")
        error = page.locator(f"#{field_id} ~ .invalid-feedback, #{field_id} + .invalid-feedback").first
        assert described["description"] and (not error.count() or error.inner_text().strip() in described["description"]), (
            field_id, described)
    assert_reads_well(page, f"Objective: {critical.code} {critical.name}")


#: Swagger UI's own markup, drawn by its script inside our page: its violations are reported, not fixed here.
SWAGGER_UI = "#swagger-ui"


def axe_findings(page, context=None) -> list[str]:
    """Every axe violation, WCAG and best practice alike (landmarks, the one h1, the title, the language)."""
    response = Axe().run(page, context=context, options={"resultTypes": ["violations"]}).response
    return [f"{v['id']} ({v['impact']}) at {' '.join(map(str, v['nodes'][0]['target']))} +{len(v['nodes']) - 1}"
            for v in response["violations"]]


def test_the_api_reference_reads_in_order_with_headed_tables_and_contents_reached_by_keyboard(page, live_server):
    leader = UserFactory(role="leader")
    sign_in(page, live_server.url, leader.email)
    page.goto(f"{live_server.url}/api/v1/docs/")
    expect(page).to_have_title("API reference · Proficio")
    tree = assert_reads_well(page, "API reference")
    headings = tree.headings()
    tags = [name for level, name in headings if level == 2]
    assert tags[:5] == ["Contents", "Authentication", "Rate limits", "Pagination", "Errors"], tags
    assert {"Frameworks", "People", "Cycles", "Packs", "Data shapes"} <= set(tags), tags
    operations = [name for level, name in headings if level == 3]
    assert "PUT /api/v1/people/{employee_id}/" in [" ".join(name.split()) for name in operations], operations[:25]
    assert "Contents" in [Tree.name(node) for node in tree.of_role("navigation")]

    # Every table is named by its caption and has header cells for its columns and its rows.
    tables = tree.of_role("table")
    assert len(tables) == page.locator("main table").count() > 20
    for table in tables:
        assert Tree.name(table), "a table without a caption"
        assert tree.below(table, {"columnheader"}) and tree.below(table, {"rowheader"}), Tree.name(table)

    # The contents are links a keyboard reaches; following one moves to its operation.
    link = page.get_by_role("navigation", name="Contents").get_by_role("link", name="PUT /api/v1/people/{employee_id}/")
    link.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/api/v1/docs/#op-people_update")
    expect(page.locator("#op-people_update")).to_be_in_viewport()
    assert axe_findings(page) == []


def test_the_api_explorer_page_around_swagger_ui_has_its_language_title_landmarks_and_h1(page, live_server):
    hr = UserFactory(role="hr")
    sign_in(page, live_server.url, hr.email)
    page.goto(f"{live_server.url}/api/v1/docs/try/")
    title = page.locator(f"{SWAGGER_UI} .info .title")
    expect(title).to_contain_text("Proficio API", timeout=30_000)  # Swagger UI has drawn the page
    expect(page).to_have_title("Try the API (Swagger UI) · Proficio")
    assert page.get_attribute("html", "lang") == "en"
    tree = Tree(page)
    assert [Tree.name(node) for node in tree.of_role("banner")] == [""]
    # One main landmark: Swagger UI's own, around its operations (a main of ours around it would make two).
    assert len(tree.of_role("main")) == 1
    expect(page.locator(f"{SWAGGER_UI} main")).to_have_count(1)
    # Swagger UI's title is the page's one h1 (our banner adds none, so there is only the one).
    assert [" ".join(name.split()) for level, name in tree.headings() if level == 1] == [
        " ".join(title.inner_text().split())]
    assert tree.headings()[0][0] == 1
    expect(page.get_by_role("banner").get_by_role("link", name="Back to Proficio")).to_have_attribute("href", "/")
    expect(page.get_by_role("banner").get_by_role("link", name="API reference")).to_have_attribute("href", "/api/v1/docs/")

    # Our parts pass every axe rule once Swagger UI's container is left out of the scan. Inside it, Swagger UI's
    # own markup has violations of its own (colour contrast of its method badges and URLs, buttons nested in
    # its operation summaries, its title and Authorize button outside any landmark, an h3 after its h1): they
    # are Swagger UI's, not asserted here.
    assert axe_findings(page, {"exclude": [[SWAGGER_UI]]}) == []
