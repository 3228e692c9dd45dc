"""The gap pages as their users see them: HR's heatmap (by unit and by role) with its drill-down and
exports, the runs with their progress, a leader's own gaps, a manager's team grid, and trends — with
the figures hand-computed, small cells hidden, bad input refused and query counts that do not grow."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role
from assessments.models import Answer, CellLabel, CycleStatus, Group, Questionnaire, Release, ResultCell, ResultComment
from assessments.release import release_cycle
from gaps.models import Analysis, AnalysisStatus
from tests.factories import OrgUnitFactory, PersonFactory, UserFactory
from tests.gaps.builders import analyse, released_team, stored_cycle, stored_leader
from tests.helpers import approved_profile

pytestmark = pytest.mark.django_db

M, P = CellLabel.MANAGER, CellLabel.PEER


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


def organisation(hr, *, small: int = 2, large: int = 3, extra_units: int = 0):
    """A cycle of two competencies A (required 3, critical) and B (required 2): head office with two
    plants; plant 1 has `large` leaders observed at 2 in A and 2 in B (gap 1 in A, B met), plant 2 has
    `small` leaders observed at 3 in A and 1 in B (A met, gap 1 in B). `extra_units` more plants of
    three leaders each like plant 1 (for query counts)."""
    cycle, (a, b) = stored_cycle(hr, code="org")
    head = OrgUnitFactory(name="Head office")
    plants = [OrgUnitFactory(name="Plant 1", parent=head), OrgUnitFactory(name="Plant 2", parent=head)]
    plants += [OrgUnitFactory(name=f"Plant {n + 3}", parent=head) for n in range(extra_units)]
    requirements = {a: (3, 1, True), b: (2, 1, False)}
    roles = [approved_profile(cycle.framework_version, hr, code=f"role-{n}") for n in range(2)]
    leaders = []
    for index, unit in enumerate(plants):
        count, (mean_a, mean_b) = (small, (3, 1)) if index == 1 else (large, (2, 2))
        for _ in range(count):
            leaders.append(stored_leader(cycle, requirements=requirements, org_unit=unit, role_profile=roles[index == 1],
                                         cells={a: {M: mean_a}, b: {M: mean_b}}))
    return cycle, (a, b), head, plants, leaders


@pytest.fixture
def hr_client(client):
    client.force_login(UserFactory(role=Role.HR))
    return client


def test_the_heatmap_shows_each_unit_with_its_sub_units_and_no_figures_for_fewer_than_three(hr_client):
    hr = UserFactory(role=Role.HR)
    cycle, (a, b), head, (plant1, plant2), _leaders = organisation(hr)
    analysis = analyse(cycle)
    page = hr_client.get(reverse("gaps:heatmap"), {"cycle": cycle.pk})
    assert page.status_code == 200
    html = page.content.decode()
    rows = {match[0]: match[1] for match in re.findall(r'<tr data-row="(\w+)">(.*?)</tr>', html, re.S)}
    # Head office: 5 leaders; A: 3 with gap 1, 2 with 0 → mean 0.60, 60 % below; B: 2 of 5 with gap 1 → 0.40.
    head_row = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", rows[str(head.pk)]))
    assert "0.60 60 % below n=5" in head_row and "0.40 40 % below n=5" in head_row
    plant1_row = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", rows[str(plant1.pk)]))
    assert "1.00 100 % below n=3" in plant1_row and "0.00 0 % below n=3" in plant1_row
    plant2_row = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", rows[str(plant2.pk)]))
    assert "too few n=2" in plant2_row and "%" not in plant2_row  # two leaders: counted, never their figures
    assert analysis.readiness == Decimal("50.00")  # plant 1: 1 of 2 met (B), plant 2: 1 of 2 (A) → 50 % each
    top = text(page).split("Top 10 gaps", 1)[1]
    assert top.index(a.code) < top.index(b.code)  # A's mean gap 0.60 before B's 0.40


def test_the_heatmap_by_role_and_its_exports_match_the_page(hr_client):
    hr = UserFactory(role=Role.HR)
    cycle, (a, b), head, (plant1, plant2), leaders = organisation(hr)
    analyse(cycle)
    by_role = hr_client.get(reverse("gaps:heatmap"), {"cycle": cycle.pk, "by": "role"})
    role_rows = re.findall(r'<tr data-row="\d+"><th scope="row"[^>]*>([^<]+)</th>', by_role.content.decode())
    assert role_rows == ["Role 0", "Role 1"]  # plant 1's three leaders hold role 0, plant 2's two role 1
    assert "too few n=2" in text(by_role) and "1.00 100 % below n=3" in text(by_role)
    export = hr_client.get(reverse("gaps:heatmap_export", args=["csv"]), {"cycle": cycle.pk})
    assert export["Content-Disposition"] == 'attachment; filename="cycle-org-gaps-by-units.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:7] == ["Group", "Row", "Competency code", "Competency", "Leaders", "Assessed", "Mean gap"]
    found = {(row[1], row[2]): row[4:] for row in rows[1:]}
    assert found[("Head office", a.code)][:5] == ["5", "5", "0.60", "60.00", "60.00"]
    assert found[("Plant 1", b.code)][:5] == ["3", "3", "0.00", "0.00", "0.00"]
    assert found[("Plant 2", a.code)] == ["2", "2", "", "", "", "", "fewer than 3 leaders assessed: no figures"]
    assert found[("Plant 1", "")] == ["3", "3", "", "", "", "50.00", ""]  # readiness: B met, A not, for all three
    assert found[("Whole organisation", a.code)][:3] == ["5", "5", "0.60"]
    workbook = load_workbook(io.BytesIO(hr_client.get(reverse("gaps:heatmap_export", args=["xlsx"]),
                                                      {"cycle": cycle.pk}).content))
    sheet = [list(row) for row in workbook["Gaps"].iter_rows(values_only=True)]
    assert len(sheet) == len(rows)
    plant2 = next(row for row in sheet if row[1] == "Plant 2" and row[2] == a.code)
    assert plant2[4:9] == [2, 2, None, None, None]


def test_an_export_neutralises_a_formula_in_a_unit_name(hr_client):
    hr = UserFactory(role=Role.HR)
    cycle, (a, b) = stored_cycle(hr, code="formula")
    unit = OrgUnitFactory(name="=HYPERLINK(\"http://evil.example\")")
    for _ in range(3):
        stored_leader(cycle, requirements={a: (3, 1, False)}, org_unit=unit, cells={a: {M: 2}})
    analyse(cycle)
    export = hr_client.get(reverse("gaps:heatmap_export", args=["csv"]), {"cycle": cycle.pk})
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in body and ",=HYPERLINK" not in body
    workbook = load_workbook(io.BytesIO(hr_client.get(reverse("gaps:heatmap_export", args=["xlsx"]),
                                                      {"cycle": cycle.pk}).content))
    names = [row[1] for row in workbook["Gaps"].iter_rows(values_only=True)]
    assert "'=HYPERLINK(\"http://evil.example\")" in names


def test_a_cell_lists_the_leaders_behind_it_largest_gap_first(hr_client):
    hr = UserFactory(role=Role.HR)
    cycle, (a, b), head, (plant1, plant2), leaders = organisation(hr)
    analyse(cycle)
    url = reverse("gaps:heatmap_cell")
    page = hr_client.get(url, {"cycle": cycle.pk, "by": "unit", "key": head.pk, "competency": a.pk})
    assert page.status_code == 200
    people = re.findall(r'<tr data-person="(\d+)">', page.content.decode())
    assert len(people) == 5
    first_three = {str(p.person_id) for p in leaders[:3]}  # plant 1: gap 1 in A, listed before plant 2's met
    assert set(people[:3]) == first_three
    small = hr_client.get(url, {"cycle": cycle.pk, "by": "unit", "key": plant2.pk, "competency": a.pk})
    assert "fewer than 3 assessed" in text(small)  # HR may still open the two leaders one by one
    for bad in ({"key": "x"}, {"key": plant2.pk + 999}, {"competency": "1;DROP"}, {"by": "team"}):
        query = {"cycle": cycle.pk, "by": "unit", "key": head.pk, "competency": a.pk, **bad}
        assert hr_client.get(url, query).status_code == 404, bad


@pytest.mark.parametrize("extra_units", [0, 3])
def test_the_organisation_pages_cost_the_same_queries_at_any_size(hr_client, django_assert_num_queries, extra_units):
    hr = UserFactory(role=Role.HR)
    cycle, (a, _b), head, _plants, _leaders = organisation(hr, extra_units=extra_units)
    analyse(cycle)
    # session, user, the chosen analysis, the cycle list, the competencies, the aggregates, the units (or roles)
    with django_assert_num_queries(7):
        assert hr_client.get(reverse("gaps:heatmap"), {"cycle": cycle.pk}).status_code == 200
    with django_assert_num_queries(7):
        assert hr_client.get(reverse("gaps:heatmap"), {"cycle": cycle.pk, "by": "role"}).status_code == 200
    # session, user, the analysis, its aggregate, the leaders' requirement rows (in the units of the tree
    # stored with the analysis), the leaders
    with django_assert_num_queries(6):
        assert hr_client.get(reverse("gaps:heatmap_cell"), {
            "cycle": cycle.pk, "by": "unit", "key": head.pk, "competency": a.pk}).status_code == 200
    # session, user, the analyses, their organisation aggregates, the scale's levels
    with django_assert_num_queries(5):
        assert hr_client.get(reverse("gaps:trends")).status_code == 200
    # session, user, released cycles, their analyses
    with django_assert_num_queries(4):
        assert hr_client.get(reverse("gaps:analysis_list")).status_code == 200


def _leader_team(critical_gap: bool = True):
    """A leader with four requirements: A critical (3), B (3), C (2, weight 2), D (4); the manager rates
    A 2, B 2, C 3, D "not observed"; three peers rate everything 2 (D too); self rates 5."""
    return released_team(
        peers=3, reports=0, requirements=[(3, 1, critical_gap), (3, 1, False), (2, 2, False), (4, 1, False)],
        answers={Group.MANAGER: [[2, 2, 3, None]], Group.PEER: [2, 2, 2], Group.SELF: [5]})


def test_a_leader_sees_their_gaps_critical_first_with_the_levels_to_work_on(client):
    team = _leader_team()
    analyse(team.cycle)
    a, b, c, d = team.competencies()
    client.force_login(team.leader.user)
    page = client.get(reverse("gaps:mine"))
    assert page.status_code == 200
    html = page.content.decode()
    order = re.findall(r'<tr data-code="([^"]+)" data-status="(\w+)">', html)
    # observed (manager + peers, equal weights): A 2.00 (critical gap 1), B 2.00 (gap 1), C 2.50 (met),
    # D 2.00 (peers only: gap 2) — critical first, then the larger gap, then met
    assert order == [(a.code, "critical"), (d.code, "gap"), (b.code, "gap"), (c.code, "met")]
    # readiness: only C (weight 2) met out of 1 + 1 + 2 + 1 → 40 %
    assert re.search(r'data-testid="readiness">40 %', html)
    assert f"/frameworks/competencies/{a.pk}/?level=3#level-3" in html  # observed 2 → what level 3 looks like
    assert "5.00" in html and "never counts" in html  # self shown beside, never counted
    assert 'data-testid="target-chart"' in html


def test_a_leader_sees_only_their_own_gaps_and_their_manager_sees_them(client):
    team = _leader_team()
    analyse(team.cycle)
    participant = team.participant
    page = reverse("gaps:leader", args=[participant.pk])
    stranger = PersonFactory()
    client.force_login(stranger.user)
    assert client.get(page).status_code == 404
    assert "no released 360° results" in text(client.get(reverse("gaps:mine"))).lower()
    peer = team.peers[0]
    client.force_login(peer.user)  # rated the leader anonymously: never sees their gaps
    assert client.get(page).status_code == 404
    client.force_login(team.manager.user)
    assert client.get(page).status_code == 200
    grid = client.get(reverse("gaps:team"))
    assert f'<tr data-person="{team.leader.pk}">' in grid.content.decode()


def test_the_team_grid_sorts_reports_by_readiness(client, django_assert_num_queries):
    hr = UserFactory(role=Role.HR)
    cycle, (a, b) = stored_cycle(hr, code="team")
    manager = PersonFactory()
    readiness = {}
    for mean_a, mean_b in ((3, 1), (1, 1), (3, 3)):  # 50 %, 0 %, 100 %
        person = PersonFactory(manager=manager)
        stored_leader(cycle, person=person, requirements={a: (3, 1, False), b: (3, 1, False)},
                      cells={a: {M: mean_a}, b: {M: mean_b}})
        readiness[person.pk] = (mean_a >= 3) * 50 + (mean_b >= 3) * 50
    outsider = PersonFactory()  # someone else's report: not in the grid
    stored_leader(cycle, person=outsider, requirements={a: (3, 1, False)}, cells={a: {M: 1}})
    analyse(cycle)
    client.force_login(manager.user)
    # session, user, person, the analysis, the cycle list, the reports, the scale, their requirement rows,
    # the competencies' order, and the navigation's "has reports?"
    with django_assert_num_queries(10):
        page = client.get(reverse("gaps:team"), {"cycle": cycle.pk, "sort": "-readiness"})
    people = [int(pk) for pk in re.findall(r'<tr data-person="(\d+)">', page.content.decode())]
    assert [readiness[pk] for pk in people] == [100, 50, 0] and outsider.pk not in people
    ascending = client.get(reverse("gaps:team"), {"cycle": cycle.pk, "sort": "readiness"})
    people = [int(pk) for pk in re.findall(r'<tr data-person="(\d+)">', ascending.content.decode())]
    assert [readiness[pk] for pk in people] == [0, 50, 100]
    assert client.get(reverse("gaps:team"), {"cycle": "abc"}).status_code == 404


def test_hr_runs_an_analysis_and_watches_it_finish(hr_client, django_capture_on_commit_callbacks):
    team = _leader_team()
    with django_capture_on_commit_callbacks(execute=True):
        response = hr_client.post(reverse("gaps:analysis_run", args=[team.cycle.pk]))
    analysis = Analysis.objects.get(cycle=team.cycle)
    assert response.status_code == 302 and response.url == reverse("gaps:analysis_detail", args=[analysis.pk])
    assert analysis.status == AnalysisStatus.DONE and analysis.current  # the task ran at the commit (eager)
    page = text(hr_client.get(response.url))
    assert "Done: 1 leader analysed" in page and "Open the heatmap" in page
    polled = hr_client.get(reverse("gaps:analysis_progress", args=[analysis.pk]), HTTP_HX_REQUEST="true")
    assert polled["HX-Refresh"] == "true"  # done: the page reloads to show the links
    refused = hr_client.post(reverse("gaps:analysis_retry", args=[analysis.pk]), follow=True)
    assert "Only a failed or stalled analysis can be run again." in text(refused)
    assert Analysis.objects.count() == 1


def test_a_run_is_refused_before_the_release_and_for_a_forged_cycle(hr_client):
    team = released_team(release=False, answers={Group.SELF: [3]})
    response = hr_client.post(reverse("gaps:analysis_run", args=[team.cycle.pk]), follow=True)
    assert "release the cycle first" in text(response) and not Analysis.objects.exists()
    assert hr_client.post(reverse("gaps:analysis_run", args=[team.cycle.pk + 999])).status_code == 404


def test_a_failed_run_shows_its_reason_and_a_retry_that_finishes_it(hr_client, django_capture_on_commit_callbacks):
    team = _leader_team()

    def stop(done):
        raise RuntimeError("worker lost")

    failed = analyse(team.cycle, after_batch=stop)
    assert failed.status == AnalysisStatus.FAILED
    page = text(hr_client.get(reverse("gaps:analysis_detail", args=[failed.pk])))
    assert "The analysis stopped: An unexpected error (RuntimeError) stopped it." in page and "Try again" in page
    with django_capture_on_commit_callbacks(execute=True):
        hr_client.post(reverse("gaps:analysis_retry", args=[failed.pk]))
    failed.refresh_from_db()
    assert failed.status == AnalysisStatus.DONE and failed.current


def _shown_pages(client, team) -> list[str]:
    """Every gap page and export that could show the leader's figures, with run times taken out."""
    participant = team.participant
    pages = [client.get(reverse("gaps:leader", args=[participant.pk])),
             client.get(reverse("gaps:heatmap"), {"cycle": team.cycle.pk}),
             client.get(reverse("gaps:heatmap"), {"cycle": team.cycle.pk, "by": "role"}),
             client.get(reverse("gaps:team"), {"cycle": team.cycle.pk}),
             client.get(reverse("gaps:trends"))]
    shown = [re.sub(r"computed [^·<]*|\d{4}-\d\d-\d\d \d\d:\d\d|csrfmiddlewaretoken\" value=\"\w+", "", p.content.decode())
             for p in pages]
    export = client.get(reverse("gaps:heatmap_export", args=["csv"]), {"cycle": team.cycle.pk})
    shown.append(b"".join(export.streaming_content).decode() if export.status_code == 200 else export.status_code)
    return shown


def test_no_gap_page_or_export_moves_when_a_suppressed_group_answers_differently(client):
    """Two peers (a pool under three: suppressed) rate 2 everywhere, then 5: with the manager's rating the
    same, every page and export reads the same for the manager and for HR, though the two answers would
    move any mean. Two colleagues in the leader's unit and role make the heatmap's cells show figures."""
    team = _leader_team()
    peers = list(team.participant.questionnaires.filter(group=Group.PEER).order_by("pk"))
    peers[2].status = "declined"  # two peers left: their pool is suppressed
    peers[2].save()
    Answer.objects.filter(questionnaire=peers[2]).delete()
    colleagues = [stored_leader(team.cycle, requirements={c: (3, 1, False) for c in team.competencies()},
                                org_unit=team.leader.org_unit, role_profile=team.profile) for _ in range(2)]

    def release_and_analyse():
        _rerelease(team)
        ResultCell.objects.bulk_create([  # the colleagues' cells, as their own release would leave them
            ResultCell(participant=colleague, competency=c, label=M, mean=Decimal(3), count=1, responders=1,
                       weight=Decimal(1), release_number=1) for colleague in colleagues for c in team.competencies()])
        analyse(team.cycle)

    release_and_analyse()
    assert ResultCell.objects.filter(participant=team.participant, label=CellLabel.OTHER, suppressed=True).exists()
    readers = (team.manager.user, UserFactory(role=Role.HR))
    before = []
    for reader in readers:
        client.force_login(reader)
        before.append(_shown_pages(client, team))
    assert "% below" in before[1][1] and "0.33" in before[1][1]  # A: gaps 1, 0, 0 over three leaders
    Answer.objects.filter(questionnaire__in=peers[:2]).update(level=5)
    release_and_analyse()
    for reader, seen in zip(readers, before, strict=True):
        client.force_login(reader)
        assert _shown_pages(client, team) == seen, reader


def _rerelease(team) -> None:
    """Releases the cycle afresh from its answers (as if for the first time), for comparing two releases."""
    ResultCell.objects.filter(participant__cycle=team.cycle).delete()
    ResultComment.objects.filter(participant__cycle=team.cycle).delete()
    Release.objects.filter(cycle=team.cycle).delete()
    Analysis.objects.filter(cycle=team.cycle).delete()
    team.cycle.status, team.cycle.release_number = CycleStatus.CLOSED, 0
    team.cycle._history_user = team.hr
    team.cycle.save()
    team.participant.__class__.objects.filter(cycle=team.cycle).update(released_counts={})
    release_cycle(team.cycle, actor=team.hr)
    team.cycle.refresh_from_db()


@pytest.mark.parametrize("per_area", [2, 6])
def test_a_leaders_page_costs_the_same_queries_at_any_number_of_competencies(client, django_assert_num_queries,
                                                                            per_area):
    team = released_team(peers=3, reports=0, per_area=per_area, answers={Group.MANAGER: [2], Group.SELF: [4]})
    analyse(team.cycle)
    client.force_login(team.leader.user)
    # session, user, person, the participation (with what the page shows of it), the cycle's analysis, the
    # leader's row, the scale, the requirement rows, the trend's rows and the navigation's "has reports?";
    # "My gaps" finds the participation first, the leader's page checks the reader against it instead;
    # and training's panels: the leader's expired certificates, the programmes aimed at the gaps' competencies
    # (none here: one query each); and devplans' panel: the leader's open plan
    with django_assert_num_queries(14):
        assert client.get(reverse("gaps:mine")).status_code == 200
    with django_assert_num_queries(14):
        assert client.get(reverse("gaps:leader", args=[team.participant.pk])).status_code == 200


def test_trends_follow_the_organisation_and_a_leader_across_two_released_cycles(client):
    """The same leader in two cycles: A observed 2 then 3 (required 3), B 3 then 3: readiness 50 % then
    100 %, A's gap 1 then 0 — on the leader's page and on HR's trends page."""
    hr = UserFactory(role=Role.HR)
    first, (a, b) = stored_cycle(hr, code="trend")
    person = PersonFactory()
    stored_leader(first, person=person, requirements={a: (3, 1, False), b: (3, 1, False)},
                  cells={a: {M: 2}, b: {M: 3}})
    analyse(first)
    second, _ = stored_cycle(hr, code="trend2")
    second_a, second_b = list(second.framework_version.competencies.order_by("position", "pk"))
    assert (second_a.code, second_b.code) == (a.code, b.code)  # matched by code across the two versions
    later = stored_leader(second, person=person, requirements={second_a: (3, 1, False), second_b: (3, 1, False)},
                          cells={second_a: {M: 3}, second_b: {M: 3}})
    second.released_at = first.released_at + timezone.timedelta(days=90)
    second.save(update_fields=["released_at"])
    analyse(second)
    client.force_login(person.user)
    html = client.get(reverse("gaps:leader", args=[later.pk])).content.decode()
    readiness = html.split('data-testid="leader-readiness-trend"', 1)[1]
    assert re.search(r"<th scope=\"row\" class=\"fw-normal\">Readiness</th><td class=\"text-end\">50 %</td>"
                     r"<td class=\"text-end\">100 %</td>", readiness)
    client.force_login(hr)
    trends = client.get(reverse("gaps:trends")).content.decode()
    assert "Cycle trend</th>" in trends and "Cycle trend2</th>" in trends
    gap_table = trends.split('data-testid="gap-trend"', 1)[1]
    # one leader per cycle: the organisation's cells hold no figures (fewer than three), so no gap line
    assert f"{a.code} " in gap_table and "<td class=\"text-end\">–</td><td class=\"text-end\">–</td>" in gap_table


def test_a_leaders_trend_leaves_out_the_cycles_the_reader_may_not_read(client):
    """Xavier rated Pia anonymously as a peer in the first cycle and is her manager by the second: her
    second cycle's gap page shows him no trend, since the first cycle's figures are not his to read."""
    hr = UserFactory(role=Role.HR)
    first, (a, b) = stored_cycle(hr, code="before")
    xavier = PersonFactory()
    pia = PersonFactory(manager=xavier)
    earlier = stored_leader(first, person=pia, requirements={a: (3, 1, False)}, cells={a: {M: 1}})
    Questionnaire.objects.create(participant=earlier, group=Group.PEER, rater=xavier, status="submitted")
    analyse(first)
    second, (a2, _b2) = stored_cycle(hr, code="after")
    later = stored_leader(second, person=pia, requirements={a2: (3, 1, False)}, cells={a2: {M: 3}})
    analyse(second)
    client.force_login(xavier.user)
    assert client.get(reverse("gaps:leader", args=[earlier.pk])).status_code == 404
    page = client.get(reverse("gaps:leader", args=[later.pk]))
    assert page.status_code == 200
    assert 'data-testid="leader-readiness-trend"' not in page.content.decode() and first.name not in text(page)
    client.force_login(pia.user)  # Pia herself sees both
    assert 'data-testid="leader-readiness-trend"' in client.get(reverse("gaps:leader", args=[later.pk])).content.decode()


@pytest.mark.parametrize("value", ["²", "١", "1e3", "-1", " 1", "99999999999999999999"])
def test_odd_ids_in_the_query_string_are_not_found(hr_client, value):
    hr = UserFactory(role=Role.HR)
    cycle, (a, _b), head, _plants, _leaders = organisation(hr)
    analyse(cycle)
    assert hr_client.get(reverse("gaps:heatmap"), {"cycle": value}).status_code == 404
    assert hr_client.get(reverse("gaps:heatmap_export", args=["csv"]), {"cycle": value}).status_code == 404
    assert hr_client.get(reverse("gaps:team"), {"cycle": value}).status_code == 404
    assert hr_client.get(reverse("gaps:heatmap_cell"), {
        "cycle": cycle.pk, "by": "unit", "key": value, "competency": a.pk}).status_code == 404


def test_a_cells_leaders_are_those_its_figures_were_summed_over_after_a_reorganisation(hr_client):
    """Plant 2 moves out of head office after the analysis: head office's cell still lists the five
    leaders behind its figures (n=5), from the tree stored with the analysis, until the next run."""
    hr = UserFactory(role=Role.HR)
    cycle, (a, _b), head, (plant1, plant2), _leaders = organisation(hr)
    analyse(cycle)
    plant2.parent = None
    plant2.save()
    page = hr_client.get(reverse("gaps:heatmap_cell"), {"cycle": cycle.pk, "by": "unit", "key": head.pk, "competency": a.pk})
    assert len(re.findall(r'<tr data-person="\d+">', page.content.decode())) == 5
