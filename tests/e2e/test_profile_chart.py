"""The required-levels chart of a role profile is whole at every width and for any number of levels.

The defect this guards against: level 5 of 5 (and 6 of 6) was cut off at 1280 px, levels 4-5 at
390 px. The chart is an SVG drawn on the server (core.charts.bar_chart); here a real browser lays it
out and every mark of it is measured against the svg's own box, the svg against its figure, and the
page against the screen.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from competency import services as competency_services
from competency.models import IsoClause, ProficiencyScale
from profiles import services as profile_services
from tests.e2e.conftest import sign_in
from tests.factories import TEST_PASSWORD, PersonFactory, UserFactory
from tests.helpers import co_signer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOLERANCE = 1  # px: anti-aliasing and sub-pixel rounding
SIX_LEVELS = ["Unaware", "Aware", "Practising", "Proficient", "Leading", "Shaping the field"]

# Codes of different lengths and glyph widths: short ones, dotted ones, one longer than the chart's
# 18-character label limit, and one of wide capitals (wider than the chart's average-advance estimate).
FIVE_CODES = [
    ("SV-01", "Service orientation", 1),
    ("H.A.MATH.GM.L1.10", "Measurement analysis", 2),
    ("PI-02", "Process improvement", 3),
    ("QMS-LEADERSHIP-MGMT-07", "Leadership of the management system", 4),
    ("MWQ-OPS-WMM-MW-0042", "Operational control of outsourced processes", 5),
    ("RISK.ASSESS.OPS.05", "Risk-based thinking", 5),
]
SIX_CODES = [
    ("CQ-01", "Customer focus", 1),
    ("DOC.CTRL.ISO.7.5.3", "Control of documented information", 2),
    ("AUD-INTERNAL-LEAD-AUDITOR", "Internal audit", 3),
    ("NC-10", "Nonconformity and corrective action", 4),
    ("MWWM-QMS-OWNERSHIP-01", "Ownership of the quality system", 5),
    ("SUPPLIER.EVAL.8.4.1", "Evaluation of external providers", 6),
    ("TOP-06", "Top management commitment", 6),
]


def _published_version(hr, *, code: str, scale, competencies) -> object:
    clause = IsoClause.objects.get(number="7.2")
    version = competency_services.framework_create(name=code.replace("-", " ").title(), code=code, description="",
                                                   scale=scale, owner=hr)
    area = competency_services.area_create(version=version, code="A1", name="Quality leadership")
    levels = list(scale.levels.values_list("value", flat=True))
    for competency_code, name, _level in competencies:
        competency = competency_services.competency_create(area=area, code=competency_code, name=name,
                                                           clauses=[clause])
        competency_services.indicators_replace(competency=competency, indicators={
            level: [f"Shows {competency_code} at level {level}"] for level in levels})
    competency_services.version_submit_for_review(version=version, actor=hr)
    competency_services.version_approve(version=version, actor=co_signer(hr), password=TEST_PASSWORD, change_note="Approved for use")
    return competency_services.version_publish(version=version, actor=hr, effective_date=version.created_at.date())


def _approved_profile(hr, version, *, code: str, name: str, competencies):
    profile = profile_services.profile_create(name=name, code=code, description="", framework_version=version,
                                              actor=hr)
    by_code = {c.code: c for c in version.competencies.all()}
    profile_services.requirements_set(profile=profile, requirements=[
        profile_services.RequirementInput(by_code[competency_code], level, Decimal("1.5"), level >= 5)
        for competency_code, _name, level in competencies
    ])
    return profile_services.profile_approve(profile=profile, actor=co_signer(hr), password=TEST_PASSWORD, change_note="First revision")


def build_profiles() -> dict:
    """An HR user, a profile on the default 5-level scale and one on a 6-level scale, each requiring
    every level up to the top one."""
    hr = UserFactory(email="hannah@example.com", first_name="Hannah", last_name="Reid", role=Role.HR)
    five = ProficiencyScale.objects.get(name="Proficio 1-5")
    six = competency_services.scale_create(actor=hr, name="Six steps", description="", proficient_value=3,
                                           levels=[competency_services.LevelInput(name) for name in SIX_LEVELS])
    v5 = _published_version(hr, code="quality-five", scale=five, competencies=FIVE_CODES)
    v6 = _published_version(hr, code="quality-six", scale=six, competencies=SIX_CODES)
    return {
        "hr": hr,
        "five": (_approved_profile(hr, v5, code="quality-lead-five", name="Quality lead", competencies=FIVE_CODES),
                 FIVE_CODES, 5),
        "six": (_approved_profile(hr, v6, code="quality-lead-six", name="Quality lead (six levels)",
                                  competencies=SIX_CODES), SIX_CODES, 6),
    }


# Everything the assertions need, measured in one pass in the page (CSS pixels, viewport coordinates).
MEASURE = r"""
(figure, screen) => {
  const svg = figure.querySelector('svg');
  const box = (el) => { const r = el.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height}; };
  const vb = svg.viewBox.baseVal;
  const marks = [...svg.querySelectorAll('text, rect, line')].map((el) => ({
    tag: el.tagName.toLowerCase(), text: el.textContent.trim(), box: box(el),
    x1: el.getAttribute('x1'), x2: el.getAttribute('x2'), anchor: el.getAttribute('text-anchor'),
  }));
  const caption = figure.querySelector('figcaption');
  return {
    svg: box(svg), figure: box(figure), caption: caption ? box(caption) : null,
    legend: caption ? [...caption.querySelectorAll('strong')].map((s) => s.parentElement.textContent.replace(/\s+/g, ' ').trim()) : [],
    legendBoxes: caption ? [...caption.querySelectorAll('strong')].map((s) => box(s.parentElement)) : [],
    viewBox: {width: vb.width, height: vb.height},
    marks,
    scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
    // What sticks out past the right edge of the screen, to name it when the page scrolls sideways.
    tooWide: [...document.body.querySelectorAll('*')].filter((el) => el.getBoundingClientRect().right > screen + 1)
      .slice(-5).map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} ${el.textContent.trim().slice(0, 40)}`
        + ` (right ${Math.round(el.getBoundingClientRect().right)})`),
  };
}
"""


def assert_chart_whole(page, *, top_level: int, level_names: list[str], min_font: float, label: str) -> dict:
    screen = page.viewport_size["width"]  # not window.innerWidth: on a phone it grows with a page too wide
    figure = page.locator('[data-testid="bar-chart"]')
    expect(figure.locator("svg")).to_be_visible()
    figure.scroll_into_view_if_needed()
    m = figure.evaluate(MEASURE, screen)
    svg, problems = m["svg"], []

    assert svg["width"] > 100 and svg["height"] > 50, f"{label}: the chart is not drawn at a usable size: {svg}"

    # 1. Every mark lies inside the svg's box.
    for mark in m["marks"]:
        b = mark["box"]
        if b["width"] == 0 and b["height"] == 0:
            continue
        if (b["left"] < svg["left"] - TOLERANCE or b["right"] > svg["right"] + TOLERANCE
                or b["top"] < svg["top"] - TOLERANCE or b["bottom"] > svg["bottom"] + TOLERANCE):
            problems.append(f"<{mark['tag']}> {mark['text']!r} at {b['left']:.1f}–{b['right']:.1f} × "
                            f"{b['top']:.1f}–{b['bottom']:.1f} is outside the svg "
                            f"{svg['left']:.1f}–{svg['right']:.1f} × {svg['top']:.1f}–{svg['bottom']:.1f}")

    # 2. The svg lies within its figure, the figure within the page, and nothing scrolls sideways.
    fig = m["figure"]
    if svg["left"] < fig["left"] - TOLERANCE or svg["right"] > fig["right"] + TOLERANCE:
        problems.append(f"the svg ({svg['left']:.1f}–{svg['right']:.1f}) sticks out of its figure "
                        f"({fig['left']:.1f}–{fig['right']:.1f})")
    if fig["left"] < -TOLERANCE or fig["right"] > screen + TOLERANCE:
        problems.append(f"the figure ({fig['left']:.1f}–{fig['right']:.1f}) is wider than the screen ({screen})")
    if m["scrollWidth"] > screen or m["innerWidth"] > screen:
        problems.append(f"the page scrolls sideways: {m['scrollWidth']}px wide on a {screen}px screen "
                        f"(past the edge: {m['tooWide']})")

    # 3. The longest bar (the top level) ends inside the svg, exactly at the last tick line.
    rects = [mark for mark in m["marks"] if mark["tag"] == "rect"]
    vertical_lines = [mark for mark in m["marks"] if mark["tag"] == "line" and mark["x1"] == mark["x2"]]
    ticks = [mark for mark in m["marks"] if mark["tag"] == "text" and mark["anchor"] == "middle"]
    labels = [mark for mark in m["marks"] if mark["tag"] == "text" and mark["anchor"] == "end"]
    assert rects, f"{label}: no bars"
    assert [t["text"] for t in ticks] == [str(v) for v in range(1, top_level + 1)], \
        f"{label}: tick labels {[t['text'] for t in ticks]}"
    longest = max(rects, key=lambda r: r["box"]["width"])
    last_line = max(vertical_lines, key=lambda line: line["box"]["left"])
    last_tick_x = (last_line["box"]["left"] + last_line["box"]["right"]) / 2
    if longest["box"]["right"] > svg["right"] + TOLERANCE:
        problems.append(f"the top-level bar ends at {longest['box']['right']:.1f}, past the svg's edge "
                        f"{svg['right']:.1f}")
    if abs(longest["box"]["right"] - last_tick_x) > TOLERANCE + 0.5:
        problems.append(f"the top-level bar ends at {longest['box']['right']:.1f}, not at the last tick line "
                        f"({last_tick_x:.1f})")
    last_tick_label = ticks[-1]["box"]
    if last_tick_label["right"] > svg["right"] + TOLERANCE:
        problems.append(f"the label of level {top_level} ends at {last_tick_label['right']:.1f}, past the svg")

    # The competency labels end before the level axis (they neither leave the chart nor overlap the bars).
    axis_x = min(line["box"]["left"] for line in vertical_lines)
    for text in labels:
        if text["box"]["right"] > axis_x + TOLERANCE:
            problems.append(f"the label {text['text']!r} runs into the bars ({text['box']['right']:.1f} > "
                            f"axis {axis_x:.1f})")
        if text["box"]["left"] < svg["left"] - TOLERANCE:
            problems.append(f"the label {text['text']!r} starts at {text['box']['left']:.1f}, left of the svg "
                            f"({svg['left']:.1f})")

    # 4. Text stays readable: the drawing's 12-unit font, scaled to the rendered width.
    scale = svg["width"] / m["viewBox"]["width"]
    rendered_font = 12 * scale
    glyph_height = min(t["box"]["height"] for t in ticks + labels)
    if rendered_font < min_font:
        problems.append(f"the chart's text renders at {rendered_font:.1f}px (scale {scale:.2f}), under {min_font}px")
    if glyph_height < min_font:
        problems.append(f"text boxes are only {glyph_height:.1f}px high, under {min_font}px")

    # The legend under the chart names every level.
    caption = m["caption"]
    assert caption is not None, f"{label}: no legend"
    if caption["top"] < svg["bottom"] - TOLERANCE:
        problems.append(f"the legend ({caption['top']:.1f}) is not under the chart (ends {svg['bottom']:.1f})")
    for text, b in zip(m["legend"], m["legendBoxes"], strict=True):
        if b["left"] < fig["left"] - TOLERANCE or b["right"] > fig["right"] + TOLERANCE:
            problems.append(f"the legend item {text!r} ({b['left']:.1f}–{b['right']:.1f}) sticks out of the figure "
                            f"({fig['left']:.1f}–{fig['right']:.1f})")
    wanted = [f"{value} {name}" for value, name in enumerate(level_names, start=1)]
    if m["legend"] != wanted:
        problems.append(f"the legend names {m['legend']}, not the levels {wanted}")

    assert not problems, f"{label}:\n" + "\n".join(problems)
    return {"scale": scale, "font": rendered_font, "svg_width": svg["width"], "viewbox_width": m["viewBox"]["width"]}


def level_names_of(profile) -> list[str]:
    return list(profile.framework_version.framework.scale.levels.order_by("value").values_list("name", flat=True))


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
@pytest.mark.parametrize("which", ["five", "six"])
def test_the_requirements_chart_is_whole_at_desktop_and_phone_width(request, live_server, viewport, which):
    data = build_profiles()
    profile, competencies, top_level = data[which]
    page = request.getfixturevalue(viewport)
    sign_in(page, live_server.url, data["hr"].email, TEST_PASSWORD)
    page.goto(f"{live_server.url}/profiles/{profile.pk}/")
    expect(page.locator('[data-testid="requirement-area"]').first).to_be_visible()
    for code, _name, level in competencies:
        expect(page.locator(f'tr[data-code="{code}"]')).to_contain_text(f"level {level}")

    width = page.viewport_size["width"]
    measured = assert_chart_whole(page, top_level=top_level, level_names=level_names_of(profile),
                                  min_font=9 if width <= 390 else 10, label=f"{which} levels at {width}px")
    page.locator('[data-testid="bar-chart"]').screenshot(path=f"/tmp/chart-{which}-{width}.png")
    page.screenshot(path=f"/tmp/chart-{which}-{width}-page.png", full_page=True)
    print(f"{which} levels at {width}px: svg {measured['svg_width']:.0f}px for a viewBox "
          f"{measured['viewbox_width']:.0f} wide, text {measured['font']:.1f}px")


def test_a_leader_on_a_phone_follows_the_dashboard_to_a_whole_chart(phone_page, live_server):
    data = build_profiles()
    profile, competencies, top_level = data["six"]
    leader = UserFactory(email="leo@example.com", first_name="Leo", last_name="Leader")
    PersonFactory(user=leader, role_profile=profile, employee_id="L001")
    page, base = phone_page, live_server.url
    names = level_names_of(profile)

    sign_in(page, base, leader.email, TEST_PASSWORD)
    expect(page.get_by_test_id("my-role")).to_contain_text(profile.name)
    requirements = page.get_by_test_id("my-requirements")
    for code, _name, level in competencies:
        line = requirements.locator("li", has_text=code)
        link = line.locator("a.requirement-level")
        expect(link).to_have_text(f"level {level} · {names[level - 1]}")
        expect(link).to_have_attribute("href", re.compile(rf"\?level={level}#level-{level}$"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path="/tmp/chart-leader-390-dashboard.png", full_page=True)

    page.get_by_test_id("my-role").get_by_role("link", name=profile.name).click()
    expect(page).to_have_url(re.compile(rf"/profiles/{profile.pk}/$"))
    for code, _name, level in competencies:
        expect(page.locator(f'tr[data-code="{code}"]')).to_contain_text(f"level {level}")
    assert_chart_whole(page, top_level=top_level, level_names=names, min_font=9, label="leader at 390px")
    page.locator('[data-testid="bar-chart"]').screenshot(path="/tmp/chart-leader-390.png")
    page.screenshot(path="/tmp/chart-leader-390-page.png", full_page=True)
