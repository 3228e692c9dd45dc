"""Gap analysis in a real browser, with the real Celery worker on Redis doing the work.

HR starts an organisation-wide run and watches its progress bar go from 0 to 100 % (the worker is held
at its first batch until the test has seen the bar at 0, so the bar is seen to move), opens the
heatmap, switches to role profiles and drills into a cell; a leader opens "My gaps" and sees their own
gaps only: another leader's page is not found for them.
"""

from __future__ import annotations

import re

import psycopg
import pytest
from django.db import connection
from playwright.sync_api import expect

from accounts.models import Role
from assessments.models import CellLabel
from gaps import services
from gaps.models import LeaderGap
from tests.e2e.conftest import sign_in
from tests.factories import OrgUnitFactory, PersonFactory, UserFactory
from tests.gaps.builders import stored_cycle, stored_leader
from tests.helpers import approved_profile

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _organisation():
    """Twelve leaders of a released cycle in two plants, holding two roles: plant 1 (role "Shift lead")
    observed at 2 in A (required 3, critical) and 3 in B (required 3); plant 2 ("Area lead") at 3 and 2."""
    hr = UserFactory(role=Role.HR, email="hr@gaps.example")
    cycle, (a, b) = stored_cycle(hr, code="journey")
    head = OrgUnitFactory(name="Head office")
    plants = [OrgUnitFactory(name="Plant 1", parent=head), OrgUnitFactory(name="Plant 2", parent=head)]
    roles = [approved_profile(cycle.framework_version, hr, code="shift-lead"),
             approved_profile(cycle.framework_version, hr, code="area-lead")]
    leaders = []
    for index, (unit, role, (mean_a, mean_b)) in enumerate(zip(plants, roles, ((2, 3), (3, 2)), strict=True)):
        for n in range(6):
            person = PersonFactory(org_unit=unit, role_profile=role, user__email=f"leader{index}{n}@gaps.example")
            leaders.append(stored_leader(cycle, person=person, role_profile=role,
                                         requirements={a: (3, 1, True), b: (3, 1, False)},
                                         cells={a: {CellLabel.MANAGER: mean_a}, b: {CellLabel.MANAGER: mean_b}}))
    return hr, cycle, (a, b), leaders


def _hold_the_worker():
    """A second connection that locks the leaders' table against inserts (reads go on), so the worker
    waits at its first batch until `rollback()`."""
    db = connection.settings_dict
    hold = psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                           password=db["PASSWORD"] or None, dbname=db["NAME"])
    hold.execute(f"LOCK TABLE {LeaderGap._meta.db_table} IN EXCLUSIVE MODE")
    return hold


def test_hr_runs_the_analysis_reads_the_heatmap_and_a_leader_sees_only_their_gaps(
        browser, live_server, celery_worker, monkeypatch):
    hr, cycle, (a, b), leaders = _organisation()
    monkeypatch.setattr(services, "BATCH_SIZE", 2)  # six batches, so the bar has steps to move through
    base = live_server.url
    context = browser.new_context(reduced_motion="reduce", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        sign_in(page, base, hr.email)
        page.get_by_role("link", name="Gaps").click()
        expect(page.get_by_text("No released 360° cycle has a gap analysis yet")).to_be_visible()
        page.get_by_role("link", name="Analyses").first.click()
        hold = _hold_the_worker()
        try:
            page.get_by_role("button", name="Run the analysis").click()
            expect(page.get_by_role("alert").first).to_contain_text("Analysing the gaps of 12 leaders")
            bar = page.get_by_role("progressbar")
            expect(bar).to_have_attribute("aria-valuenow", "0")
            expect(page.get_by_test_id("analysis-progress")).to_contain_text(
                re.compile(r"Waiting for a worker|Analysing… 0 of 12 leaders done"))
        finally:
            hold.rollback()
            hold.close()
        expect(page.get_by_test_id("analysis-progress")).to_contain_text("Done: 12 leaders analysed")
        expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")

        page.get_by_role("link", name="Open the heatmap").click()
        heatmap = page.get_by_test_id("heatmap")
        plant1 = heatmap.locator("tr", has=page.get_by_role("rowheader", name="Plant 1"))
        expect(plant1.locator(f'td[data-competency="{a.code}"]')).to_contain_text("1.00")
        expect(plant1.locator(f'td[data-competency="{b.code}"]')).to_contain_text("0.00")
        expect(page.get_by_test_id("top-gaps")).to_contain_text(a.code)

        page.get_by_test_id("by-role").click()
        row = page.get_by_test_id("heatmap").locator("tr", has=page.get_by_role("rowheader", name="Area Lead"))
        expect(row.locator(f'td[data-competency="{b.code}"]')).to_contain_text("1.00")
        row.locator(f'td[data-competency="{b.code}"] a').click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"{b.code}")
        expect(page.get_by_test_id("cell-leaders").locator("tbody tr")).to_have_count(6)
        expect(page.get_by_test_id("cell-leaders").locator("tbody")).to_contain_text("Gap")  # each one: 1 level short

        mine, other = leaders[0], leaders[6]
        leader = browser.new_context(reduced_motion="reduce", viewport={"width": 1280, "height": 900})
        leader_page = leader.new_page()
        leader_page.set_default_timeout(20_000)
        sign_in(leader_page, base, mine.person.user.email)
        leader_page.locator("#main-nav").get_by_role("link", name="My gaps").click()
        expect(leader_page.get_by_role("heading", name="My gaps")).to_be_visible()
        table = leader_page.get_by_test_id("gap-table")
        expect(table.locator("tbody tr").first).to_have_attribute("data-status", "critical")
        expect(leader_page.get_by_test_id("readiness")).to_have_text("50 %")
        expect(leader_page.get_by_role("link", name="Gaps", exact=True)).to_have_count(0)
        response = leader_page.goto(f"{base}/gaps/leaders/{other.pk}/")
        assert response.status == 404
        response = leader_page.goto(f"{base}/gaps/")
        assert response.status == 403
        leader.close()
    finally:
        context.close()
