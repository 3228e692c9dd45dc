"""Acceptance 1 (and 4) of the gap analysis: every figure `gaps.compute` stores, hand-computed.

The main cases answer through real questionnaires and `release_cycle` (tests/gaps/builders.py's
`released_team`); the aggregate, batch and query-count cases write the release's cells directly
(`stored_leader`), which is all the analysis reads. Figures are rounded to 2 places on PostgreSQL's
ROUND(numeric): half away from zero, so 2.165 is 2.17 (Python's default, half-even, would say 2.16).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import CellLabel, Group, Participant, Questionnaire, ResultCell
from assessments.release import release_cycle
from gaps import compute, services
from gaps.models import Aggregate, AggregateKind, Analysis, AnalysisStatus, GapStatus, LeaderGap, RequirementGap
from profiles.models import OrgUnit
from tests.assessments.builders import answer, close
from tests.factories import OrgUnitFactory, PersonFactory
from tests.gaps.builders import analyse, figures, released_team, set_requirements, stored_cycle, stored_leader
from tests.helpers import approved_profile

pytestmark = pytest.mark.django_db  # on PostgreSQL in CI, and on SQLite (make run's database) too

MANAGER_2_PEERS_1_DIRECTS_3 = {Group.MANAGER: 2, Group.PEER: 1, Group.DIRECT: 3}


def table(analysis: Analysis, team) -> list[tuple]:
    """The leader's requirement rows, in competency order: (required, weight, critical, observed,
    self, gap, weighted gap, status)."""
    rows = {r.competency_id: r for r in RequirementGap.objects.filter(analysis=analysis, participant=team.participant)}
    return [(r.required_level, r.weight, r.critical, r.observed, r.self_level, r.gap, r.weighted_gap, r.status)
            for c in team.competencies() if (r := rows.get(c.pk)) is not None]


def rated_team():
    """One leader on four competencies, the cycle weighing manager 2, peers 1, direct reports 3:

    | competency | required (weight, critical) | self | manager | 3 peers (mean) | 3 directs (mean) |
    | C0         | 4 (2)                       | 5    | 4       | 1 2 3 (2.00)   | 2 3 4 (3.00)     |
    | C1         | 3 (1, critical)             | 1    | 2       | 2 2 2 (2.00)   | 2 2 3 (2.33)     |
    | C2         | 3 (1)                       | –    | 3       | 3 4 5 (4.00)   | 3 3 3 (3.00)     |
    | C3         | 2 (1, critical)             | –    | –       | – – –          | – – –            |
    ("–": not observed.)"""
    return released_team(
        requirements=[(4, 2, False), (3, 1, True), (3, 1, False), (2, 1, True)], weights=MANAGER_2_PEERS_1_DIRECTS_3,
        answers={Group.SELF: [[5, 1, None, None]], Group.MANAGER: [[4, 2, 3, None]],
                 Group.PEER: [[1, 2, 3, None], [2, 2, 4, None], [3, 2, 5, None]],
                 Group.DIRECT: [[2, 2, 3, None], [3, 2, 3, None], [4, 3, 3, None]]})


# --- one leader's requirements -------------------------------------------------------------------------


def test_observed_is_the_weighted_mean_of_manager_and_groups_and_the_gap_is_weighted_by_the_requirement():
    """HR sees C0 observed at 3.17 = (2·4 + 1·2 + 3·3) / 6, short of 4 by 0.83, which the requirement's
    weight 2 makes 1.66; C1 at 2.17 = (2·2 + 1·2 + 3·2.33) / 6 = 2.165 rounded half up; C2 at 3.17,
    above its 3, so met with a zero gap. The self ratings (5, 1) sit beside and move nothing."""
    team = rated_team()
    analysis = analyse(team.cycle)
    assert analysis.status == AnalysisStatus.DONE
    assert table(analysis, team)[:3] == [
        (4, D("2.00"), False, D("3.17"), D("5.00"), D("0.83"), D("1.66"), GapStatus.GAP),
        (3, D("1.00"), True, D("2.17"), D("1.00"), D("0.83"), D("0.83"), GapStatus.CRITICAL),
        (3, D("1.00"), False, D("3.17"), None, D("0.00"), D("0.00"), GapStatus.MET),
    ]


def test_a_leaders_counts_readiness_and_mean_gap_and_what_the_results_were_computed_from():
    """The leader's line: 4 requirements, 1 met, 1 gap, 1 critical gap, 1 without evidence; readiness
    100 × 1 / (2 + 1 + 1 + 1) = 20.00 % (no evidence counts as not met); mean gap (0.83 + 0.83 + 0) / 3
    = 0.55 over the requirements with evidence. The analysis names the cycle, release 1, the
    framework version and the profile revision the leader was frozen with (2: the builder's own)."""
    team = rated_team()
    analysis = analyse(team.cycle)
    participant = team.participant
    leader = LeaderGap.objects.get(analysis=analysis)
    assert (leader.participant, leader.person, leader.org_unit, leader.role_profile) == (
        participant, team.leader, team.leader.org_unit, team.profile)
    assert (leader.profile_revision, participant.profile_revision) == (2, 2)
    assert (leader.requirements, leader.met, leader.gaps, leader.critical_gaps, leader.no_evidence) == (4, 1, 1, 1, 1)
    assert (leader.readiness, leader.mean_gap) == (D("20.00"), D("0.55"))
    assert (analysis.cycle, analysis.release_number, analysis.framework_version) == (team.cycle, 1, team.version)
    # one leader: the organisation's mean readiness is not shown (fewer than three with evidence)
    assert (analysis.leaders, analysis.readiness, analysis.current) == (1, None, True)
    assert analysis.progress == {"done": 1, "total": 1} and analysis.finished_at >= analysis.started_at


def test_not_observed_by_anyone_is_no_evidence_never_a_zero_gap():
    """C3, critical, was "not observed" by every rater: no observed level, no gap (empty, not 0), the
    status "no evidence" rather than "critical gap"; the leader's readiness counts it as not met."""
    team = rated_team()
    analysis = analyse(team.cycle)
    assert ResultCell.objects.filter(participant=team.participant, competency=team.competencies()[3],
                                     mean__isnull=False).count() == 0
    assert table(analysis, team)[3] == (2, D("1.00"), True, None, None, None, None, GapStatus.NONE)
    assert LeaderGap.objects.get(analysis=analysis).no_evidence == 1


def test_without_direct_reports_the_observed_level_comes_from_manager_and_peers():
    """A leader nobody reports to: (2·4 + 1·2) / 3 = 3.33 from the manager (weight 2) and the peers
    (weight 1); the direct reports' weight 3 weighs nothing that is not there. Gap 4 − 3.33 = 0.67."""
    team = released_team(reports=0, per_area=1, requirements=[(4, 1, False)], weights=MANAGER_2_PEERS_1_DIRECTS_3,
                         answers={Group.MANAGER: [4], Group.PEER: [1, 2, 3]})
    assert table(analyse(team.cycle), team) == [
        (4, D("1.00"), False, D("3.33"), None, D("0.67"), D("0.67"), GapStatus.GAP)]


def test_a_thin_group_pooled_with_another_weighs_the_mean_of_their_weights():
    """2 peers (1, 2) are too few alone, so they and the 3 direct reports (4, 5, 5) are shown as "other
    colleagues", mean 17 / 5 = 3.40, weighing (1 + 3) / 2 = 2 beside the manager's 4 (weight 2):
    observed (2·4 + 2·3.40) / 4 = 3.70, gap 0.30 (the direct reports' weight 3 alone would give 3.64,
    the peers' 1 alone 3.80)."""
    team = released_team(peers=2, reports=3, per_area=1, requirements=[(4, 1, False)],
                         weights=MANAGER_2_PEERS_1_DIRECTS_3,
                         answers={Group.MANAGER: [4], Group.PEER: [1, 2], Group.DIRECT: [4, 5, 5]})
    assert set(ResultCell.objects.filter(participant=team.participant).values_list("label", "mean")) == {
        (CellLabel.MANAGER, D("4.00")), (CellLabel.OTHER, D("3.40")), (CellLabel.OTHERS, D("3.40"))}
    assert table(analyse(team.cycle), team) == [
        (4, D("1.00"), False, D("3.70"), None, D("0.30"), D("0.30"), GapStatus.GAP)]


def test_a_leader_without_a_manager_is_observed_from_the_anonymous_groups_only():
    """No manager questionnaire at all: peers (2, 3, 4 → 3) at weight 1 and direct reports (4, 4, 4)
    at weight 3 give (3 + 12) / 4 = 3.75, gap 0.25; the manager's weight 2 plays no part."""
    team = released_team(manager=False, per_area=1, requirements=[(4, 1, False)], weights=MANAGER_2_PEERS_1_DIRECTS_3,
                         answers={Group.PEER: [2, 3, 4], Group.DIRECT: [4, 4, 4]})
    assert not Questionnaire.objects.filter(participant=team.participant, group=Group.MANAGER).exists()
    assert table(analyse(team.cycle), team) == [
        (4, D("1.00"), False, D("3.75"), None, D("0.25"), D("0.25"), GapStatus.GAP)]


def test_the_answers_of_a_suppressed_group_change_no_figure():
    """Acceptance 4: 2 peers alone are a suppressed pool. Whatever levels they answer (all 1, all 5,
    mixed), every requirement row, leader row and aggregate of the analysis is the same — here with
    two more leaders in the same unit and role, so that the aggregates carry figures: the leader's
    C0 is the manager's 4.00 (met), C1 the manager's 2.00 (gap 1); the organisation's C0 mean gap
    (0 + 0 + 0.5) / 3 = 0.17 with 33.33 % below, C1 (1 + 2 + 0) / 3 = 1.00 with 66.67 % below."""
    team = released_team(release=False, peers=2, reports=0, per_area=2,
                         answers={Group.SELF: [3], Group.MANAGER: [[4, 2]]})
    first, second = team.competencies()
    others = [PersonFactory(org_unit=team.leader.org_unit, role_profile=team.profile) for _ in range(2)]
    required = {first: (3, 1, False), second: (3, 1, False)}
    seen = []
    for variant in ([[1, 1], [1, 1]], [[5, 5], [5, 5]], [[2, 4], [4, 2]]):
        with transaction.atomic():
            for index, levels in enumerate(variant):
                answer(team.questionnaire(Group.PEER, index), dict(zip((first, second), levels, strict=True)))
            close(team.cycle, team.hr)
            release_cycle(team.cycle, actor=team.hr)
            assert set(ResultCell.objects.filter(participant=team.participant, label=CellLabel.OTHER)
                       .values_list("mean", "count", "suppressed")) == {(None, 2, True)}
            for person, (one, two) in zip(others, [(3, 1), ("2.5", 3)], strict=True):
                stored_leader(team.cycle, person=person, role_profile=team.profile, requirements=required,
                              cells={first: {CellLabel.MANAGER: one}, second: {CellLabel.MANAGER: two}})
            analysis = analyse(team.cycle)
            person_of = dict(Participant.objects.filter(cycle=team.cycle).values_list("pk", "person_id"))
            found = figures(analysis)
            seen.append({
                "requirements": {(person_of[p], c): row for (p, c), row in found["requirements"].items()},
                "leaders": {person_of[p]: row for p, row in found["leaders"].items()},
                "aggregates": found["aggregates"],
            })
            transaction.set_rollback(True)
    assert seen[0] == seen[1] == seen[2]
    assert seen[0]["requirements"][(team.leader.pk, first.pk)] == (
        3, D("1.00"), False, D("4.00"), D("3.00"), D("0.00"), D("0.00"), GapStatus.MET)
    assert seen[0]["requirements"][(team.leader.pk, second.pk)] == (
        3, D("1.00"), False, D("2.00"), D("3.00"), D("1.00"), D("1.00"), GapStatus.GAP)
    org = {key[3]: row for key, row in seen[0]["aggregates"].items() if key[0] == AggregateKind.ORGANISATION}
    assert org == {
        first.pk: (3, 3, D("0.17"), D("33.33"), D("0.00"), None),
        second.pk: (3, 3, D("1.00"), D("66.67"), D("0.00"), None),
        None: (3, 3, None, None, None, D("50.00")),
    }


def test_only_the_requirements_frozen_at_opening_are_analysed():
    """The role profile gains C2 (and a revision) after the cycle opened. The raters rated C2 too, so
    its cells exist, but the analysis holds only the two requirements of the revision frozen with the
    cycle: no C2 row, 2 requirements, the leader's revision still 2."""
    team = released_team(release=False, per_area=3, requirements=[(3, 1, False), (3, 1, False), None],
                         answers={Group.MANAGER: [3], Group.PEER: [3, 3, 3], Group.DIRECT: [2, 2, 2]})
    first, second, added = team.competencies()
    set_requirements(team.profile, team.hr, {first: (3, 1, False), second: (3, 1, False), added: (5, 3, True)})
    team.profile.refresh_from_db()
    assert team.profile.revision == 3
    close(team.cycle, team.hr)
    release_cycle(team.cycle, actor=team.hr)
    analysis = analyse(team.cycle)
    assert ResultCell.objects.filter(participant=team.participant, competency=added, mean__isnull=False).exists()
    assert set(RequirementGap.objects.filter(analysis=analysis).values_list("competency_id", flat=True)) == {
        first.pk, second.pk}
    leader = LeaderGap.objects.get(analysis=analysis)
    assert (leader.profile_revision, leader.requirements) == (2, 2)
    # (3 + 3 + 2) / 3 = 2.67 observed on each: a gap of 0.33 twice.
    assert [(row[3], row[5]) for row in table(analysis, team)] == [(D("2.67"), D("0.33"))] * 2


# --- aggregates --------------------------------------------------------------------------------------


def test_aggregates_per_organisation_unit_with_sub_units_and_role_show_figures_from_three_assessed_leaders():
    """Four leaders on C0 and C1 (role A: C0 level 3 weight 2 critical, C1 level 3 weight 1; role B:
    C0 level 4 only). Unit R has sub-unit S; T stands apart.

    | leader | unit | role | C0 observed → gap        | C1 observed → gap | readiness       |
    | L1     | R    | A    | 2 → 1 (critical)         | 4 → 0             | 1/3 = 33.33     |
    | L2     | S    | A    | 3 → 0                    | 2.5 → 0.5         | 2/3 = 66.67     |
    | L3     | S    | A    | not observed → none      | 1 → 2             | 0.00            |
    | L4     | T    | B    | 3.5 → 0.5                | (not required)    | 0.00            |

    R counts L1 and its sub-unit's L2, L3. Where fewer than 3 leaders are assessed the heatmap gets
    the counts and no figures (S, T, role B, and R's C0 with 2 of 3 assessed)."""
    cycle, (c0, c1) = stored_cycle()
    hr = cycle.created_by
    r = OrgUnitFactory(name="R")
    s = OrgUnitFactory(name="S", parent=r)
    t = OrgUnitFactory(name="T")
    role_a = approved_profile(cycle.framework_version, hr, code="role-a")
    role_b = approved_profile(cycle.framework_version, hr, code="role-b")
    a = {c0: (3, 2, True), c1: (3, 1, False)}
    manager = CellLabel.MANAGER
    stored_leader(cycle, org_unit=r, role_profile=role_a, requirements=a, cells={c0: {manager: 2}, c1: {manager: 4}})
    stored_leader(cycle, org_unit=s, role_profile=role_a, requirements=a,
                  cells={c0: {manager: 3}, c1: {manager: "2.5"}})
    stored_leader(cycle, org_unit=s, role_profile=role_a, requirements=a,
                  cells={c0: {manager: None, CellLabel.SELF: 5}, c1: {manager: 1}})
    stored_leader(cycle, org_unit=t, role_profile=role_b, requirements={c0: (4, 1, False)},
                  cells={c0: {manager: "3.5"}})
    analysis = analyse(cycle)
    assert sorted(LeaderGap.objects.filter(analysis=analysis).values_list("readiness", flat=True)) == [
        D("0.00"), D("0.00"), D("33.33"), D("66.67")]
    org, unit, role = AggregateKind.ORGANISATION, AggregateKind.UNIT, AggregateKind.ROLE
    assert figures(analysis)["aggregates"] == {
        (org, None, None, c0.pk): (4, 3, D("0.50"), D("66.67"), D("33.33"), None),
        (org, None, None, c1.pk): (3, 3, D("0.83"), D("66.67"), D("0.00"), None),
        (org, None, None, None): (4, 4, None, None, None, D("25.00")),
        (unit, r.pk, None, c0.pk): (3, 2, None, None, None, None),
        (unit, r.pk, None, c1.pk): (3, 3, D("0.83"), D("66.67"), D("0.00"), None),
        (unit, r.pk, None, None): (3, 3, None, None, None, D("33.33")),
        (unit, s.pk, None, c0.pk): (2, 1, None, None, None, None),
        (unit, s.pk, None, c1.pk): (2, 2, None, None, None, None),
        (unit, s.pk, None, None): (2, 2, None, None, None, None),
        (unit, t.pk, None, c0.pk): (1, 1, None, None, None, None),
        (unit, t.pk, None, None): (1, 1, None, None, None, None),
        (role, None, role_a.pk, c0.pk): (3, 2, None, None, None, None),
        (role, None, role_a.pk, c1.pk): (3, 3, D("0.83"), D("66.67"), D("0.00"), None),
        (role, None, role_a.pk, None): (3, 3, None, None, None, D("33.33")),
        (role, None, role_b.pk, c0.pk): (1, 1, None, None, None, None),
        (role, None, role_b.pk, None): (1, 1, None, None, None, None),
    }
    assert (analysis.leaders, analysis.readiness) == (4, D("25.00"))
    assert not OrgUnit.objects.filter(pk__in=[r.pk, s.pk, t.pk]).exclude(
        pk__in=Aggregate.objects.values("org_unit_id")).exists()


# --- starting, re-running, interruptions ----------------------------------------------------------------


def test_the_release_starts_the_analysis_by_itself(django_capture_on_commit_callbacks):
    """Releasing is all HR does: once the release commits, an analysis of release 1 is queued (nobody
    asked for it) and computed — done and current, with the leader's gap (3 + 4) / 2 = 3.50 vs 4."""
    team = released_team(release=False, reports=0, per_area=1, requirements=[(4, 1, False)],
                         answers={Group.MANAGER: [3], Group.PEER: [3, 4, 5]})
    close(team.cycle, team.hr)
    with django_capture_on_commit_callbacks(execute=True):
        release_cycle(team.cycle, actor=team.hr)
    analysis = Analysis.objects.get(cycle=team.cycle)
    assert (analysis.status, analysis.current, analysis.release_number, analysis.requested_by) == (
        AnalysisStatus.DONE, True, 1, None)
    assert table(analysis, team) == [(4, D("1.00"), False, D("3.50"), None, D("0.50"), D("0.50"), GapStatus.GAP)]


def test_start_analysis_refuses_an_unreleased_cycle_and_creates_nothing(django_capture_on_commit_callbacks):
    """"Run the analysis" on a cycle whose results are not released says so and starts nothing."""
    team = released_team(release=False, reports=0, per_area=1, answers={Group.PEER: [3, 3, 3]})
    close(team.cycle, team.hr)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        with pytest.raises(ValidationError, match="release the cycle first"):
            services.start_analysis(team.cycle, actor=team.hr)
    assert not Analysis.objects.exists() and not queued


def test_start_analysis_returns_the_running_one_instead_of_a_second(django_capture_on_commit_callbacks):
    """Pressing "Run the analysis" twice gives the one already queued (one task queued); only once a
    running one has been silent longer than a batch can take (stalled) does a new one start, and the
    stalled one is marked failed, replaced."""
    cycle, (c0, _c1) = stored_cycle()
    hr = cycle.created_by
    stored_leader(cycle, requirements={c0: (3, 1, False)}, cells={c0: {CellLabel.MANAGER: 3}})
    with django_capture_on_commit_callbacks(execute=False) as queued:
        first, created = services.start_analysis(cycle, actor=hr)
        again, created_again = services.start_analysis(cycle, actor=hr)
    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert (first.status, first.requested_by, first.progress) == (AnalysisStatus.QUEUED, hr, {"done": 0, "total": 1})
    assert Analysis.objects.count() == 1 and len(queued) == 1
    Analysis.objects.filter(pk=first.pk).update(updated_at=timezone.now() - timedelta(minutes=11))
    with django_capture_on_commit_callbacks(execute=False) as queued:  # queued for long: waiting, not stalled
        assert services.start_analysis(cycle, actor=hr) == (first, False)
    Analysis.objects.filter(pk=first.pk).update(status=AnalysisStatus.RUNNING,
                                                updated_at=timezone.now() - timedelta(minutes=11))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        fresh, created = services.start_analysis(cycle, actor=hr)
    assert created and fresh.pk != first.pk and len(queued) == 1
    first.refresh_from_db()
    assert first.status == AnalysisStatus.FAILED and "replaced by a new run" in first.error


def test_a_second_analysis_of_the_release_becomes_current_and_the_first_ones_rows_go():
    """Running the analysis again shows the new run and keeps only its rows: one current analysis, the
    first superseded with no rows left, the figures the same."""
    cycle, (c0, c1) = stored_cycle()
    for level in (2, 4):
        stored_leader(cycle, requirements={c0: (3, 1, False), c1: (3, 1, True)},
                      cells={c0: {CellLabel.MANAGER: level}, c1: {CellLabel.MANAGER: level}})
    first = analyse(cycle)
    before = figures(first)
    second = analyse(cycle)
    first.refresh_from_db()
    assert (first.status, first.current, second.status, second.current) == (
        AnalysisStatus.SUPERSEDED, False, AnalysisStatus.DONE, True)
    assert list(Analysis.objects.filter(cycle=cycle, current=True)) == [second]
    assert figures(first) == {"requirements": {}, "leaders": {}, "aggregates": {}}
    assert figures(second) == before and len(before["leaders"]) == 2
    assert set(LeaderGap.objects.values_list("analysis_id", flat=True)) == {second.pk}
    assert set(RequirementGap.objects.values_list("analysis_id", flat=True)) == {second.pk}


def interrupted_after_first_batch(done: int) -> None:
    raise RuntimeError("worker lost")


def test_an_interrupted_run_leaves_the_shown_analysis_and_continues_once_retried(django_capture_on_commit_callbacks):
    """A worker dying after the first of three batches leaves HR looking at the earlier analysis,
    unchanged, and the new one failed with the reason (1 of 3 leaders done). Tried again, it continues
    and completes with each leader exactly once, and replaces the earlier one."""
    cycle, (c0, c1) = stored_cycle()
    hr = cycle.created_by
    for level in (1, 3, 5):
        stored_leader(cycle, requirements={c0: (4, 1, False), c1: (2, 2, True)},
                      cells={c0: {CellLabel.MANAGER: level}, c1: {CellLabel.PEER: level}})
    shown = analyse(cycle)
    before = figures(shown)
    broken = analyse(cycle, batch_size=1, after_batch=interrupted_after_first_batch)
    assert broken.status == AnalysisStatus.FAILED
    assert (broken.progress["done"], broken.progress["total"]) == (1, 3)
    assert broken.error.startswith("An unexpected error (RuntimeError) stopped it. The earlier results are still shown")
    assert LeaderGap.objects.filter(analysis=broken).count() == 1
    shown.refresh_from_db()
    assert shown.current and shown.status == AnalysisStatus.DONE and figures(shown) == before

    with django_capture_on_commit_callbacks(execute=False) as queued:
        again = services.retry(broken, actor=hr)
    assert again.status == AnalysisStatus.QUEUED and "error" not in again.progress and len(queued) == 1
    queued[0]()  # the task, run in-process
    again.refresh_from_db()
    shown.refresh_from_db()
    assert (again.status, again.current, shown.status, shown.current) == (
        AnalysisStatus.DONE, True, AnalysisStatus.SUPERSEDED, False)
    assert sorted(LeaderGap.objects.values_list("participant_id", flat=True)) == sorted(
        Participant.objects.filter(cycle=cycle).values_list("pk", flat=True))
    assert RequirementGap.objects.filter(analysis=again).count() == 6 and not RequirementGap.objects.exclude(
        analysis=again).exists()
    assert figures(again) == before
    with pytest.raises(ValidationError, match="Only a failed or stalled analysis"):
        services.retry(again, actor=hr)


def test_a_run_overtaken_by_a_new_release_is_superseded_and_leaves_no_rows():
    """The cycle is released again (3 late peers) while an analysis of release 1 runs: the run stops,
    says why and leaves nothing; the analysis shown before stays shown until release 2's own."""
    team = released_team(reports=0, per_area=1, answers={Group.MANAGER: [3], Group.PEER: [3, 3, 3]})
    shown = analyse(team.cycle)

    def re_release(done: int) -> None:
        for _ in range(3):
            peer = PersonFactory(org_unit=team.leader.org_unit)
            answer(Questionnaire.objects.create(participant=team.participant, group=Group.PEER, rater=peer), 2)
        release_cycle(team.cycle, actor=team.hr)

    overtaken = analyse(team.cycle, batch_size=1, after_batch=re_release)
    assert overtaken.status == AnalysisStatus.SUPERSEDED and overtaken.release_number == 1
    assert "released again while this analysis ran" in overtaken.error
    assert figures(overtaken) == {"requirements": {}, "leaders": {}, "aggregates": {}}
    team.cycle.refresh_from_db()
    assert team.cycle.release_number == 2
    shown.refresh_from_db()
    assert shown.current and LeaderGap.objects.filter(analysis=shown).count() == 1


# --- cost ---------------------------------------------------------------------------------------------


def test_the_queries_of_a_run_grow_with_its_batches_only():
    """In batches of 2, analyses of 2, 6 and 10 leaders take 1, 3 and 5 batches: each batch costs the same
    fixed number of queries, whatever its leaders and their requirements, and the rest of the run too."""
    counts = []
    for leaders in (2, 6, 10):
        cycle, (c0, c1) = stored_cycle(code=f"size{leaders}")
        unit = OrgUnitFactory()
        for n in range(leaders):
            stored_leader(cycle, org_unit=unit, requirements={c0: (3, 1, False), c1: (4, 1, True)},
                          cells={c0: {CellLabel.MANAGER: 1 + n % 5}, c1: {CellLabel.PEER: 1 + n % 4}})
        with CaptureQueriesContext(connection) as queries:
            analysis = analyse(cycle, batch_size=2)
        assert analysis.status == AnalysisStatus.DONE and LeaderGap.objects.filter(analysis=analysis).count() == leaders
        counts.append(len(queries))
    per_batch = (counts[1] - counts[0]) / 2
    assert per_batch == (counts[2] - counts[1]) / 2 and per_batch <= 10, counts


def test_the_analysis_mean_readiness_is_rounded_as_the_organisation_cell_is():
    """The mean readiness HR reads on the analysis equals the organisation's all-requirements cell,
    both rounded half up: four leaders at 50.00, 50.00, 50.01 and 50.01 % (weights 50.01 met, 49.99
    not) average 50.005, shown as 50.01 in both places (Python's half-even rounding would say 50.00)."""
    cycle, (c0, c1) = stored_cycle()
    for weights in ((1, 1), (1, 1), ("50.01", "49.99"), ("50.01", "49.99")):
        stored_leader(cycle, requirements={c0: (3, weights[0], False), c1: (3, weights[1], False)},
                      cells={c0: {CellLabel.MANAGER: 3}, c1: {CellLabel.MANAGER: 2}})
    analysis = analyse(cycle)
    assert sorted(LeaderGap.objects.filter(analysis=analysis).values_list("readiness", flat=True)) == [
        D("50.00"), D("50.00"), D("50.01"), D("50.01")]
    organisation = Aggregate.objects.get(analysis=analysis, kind=AggregateKind.ORGANISATION, competency=None)
    assert (organisation.readiness, analysis.readiness) == (D("50.01"), D("50.01"))
