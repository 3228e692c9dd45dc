"""The demo's gap analysis: `seed_demo` leaves the released pilot cycle analysed, once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from assessments.models import CellLabel, Cycle, Participant, ResultCell
from demo.seed import DEMO_DOMAIN, seed_demo_organisation
from demo.seed_assessments import NOT_OBSERVED_BY_MANAGER, OPEN_CYCLE, RELEASED_CYCLE
from gaps.models import Aggregate, AggregateKind, Analysis, AnalysisStatus, GapStatus, LeaderGap, RequirementGap

pytestmark = pytest.mark.django_db


def _aisha(cycle: Cycle) -> Participant:
    return Participant.objects.get(cycle=cycle, person__user__email=f"aisha.chen@{DEMO_DOMAIN}")


def test_the_released_pilot_cycle_has_a_done_current_analysis_of_every_leader():
    """After seed_demo the pilot cycle's current analysis is done, of its release, dated with the release,
    with a leader row per participant, gaps, critical gaps, one requirement with no evidence and the
    heatmaps' cells; the open cycle has none."""
    seed_demo_organisation(leaders=30)
    cycle = Cycle.objects.get(name=RELEASED_CYCLE)
    analysis = Analysis.objects.get(cycle=cycle)
    assert (analysis.status, analysis.current, analysis.release_number) == (AnalysisStatus.DONE, True, 1)
    assert analysis.progress == {"done": 30, "total": 30} and analysis.leaders == 30
    # Run as the release's signal would have started it: then, not on the day of seeding.
    assert cycle.released_at <= analysis.created_at <= analysis.finished_at
    assert analysis.finished_at.date() < timezone.localdate() and analysis.requested_by is None
    assert not Analysis.objects.filter(cycle__name=OPEN_CYCLE).exists()

    participants = set(Participant.objects.filter(cycle=cycle).values_list("pk", flat=True))
    assert set(LeaderGap.objects.filter(analysis=analysis).values_list("participant_id", flat=True)) == participants
    rows = RequirementGap.objects.filter(analysis=analysis)
    # Every frozen requirement of every leader (the demo profiles require ten competencies each).
    assert rows.count() == 300 == sum(len(p.requirements) for p in Participant.objects.filter(cycle=cycle))
    assert rows.filter(status=GapStatus.GAP).count() > 30
    critical = rows.filter(status=GapStatus.CRITICAL)
    assert critical.exists() and all(row.critical and row.gap > 0 for row in critical)
    # The only requirement without evidence: Aisha Chen's manager did not observe it and her pool is
    # suppressed; her own rating is shown beside it and counts for nothing.
    none = rows.get(status=GapStatus.NONE)
    assert (none.participant_id, none.competency.code) == (_aisha(cycle).pk, NOT_OBSERVED_BY_MANAGER)
    assert none.observed is None and none.gap is None and none.self_level is not None
    assert Aggregate.objects.filter(analysis=analysis, kind=AggregateKind.ORGANISATION, competency=None).get(
        ).readiness == analysis.readiness


def test_a_leader_seen_only_by_her_manager_is_measured_by_her_managers_ratings():
    """Aisha Chen's pool is suppressed, so each observed level is her manager's rating and her own never
    counts; her readiness is the weighted share of requirements met: 6.5 of 10.5 = 61.90 %."""
    seed_demo_organisation(leaders=30)
    cycle = Cycle.objects.get(name=RELEASED_CYCLE)
    aisha = _aisha(cycle)
    analysis = Analysis.objects.get(cycle=cycle, current=True)
    manager = dict(ResultCell.objects.filter(participant=aisha, label=CellLabel.MANAGER)
                   .values_list("competency_id", "mean"))
    rows = list(RequirementGap.objects.filter(analysis=analysis, participant=aisha))
    assert len(rows) == 10
    for row in rows:
        assert row.observed == manager[row.competency_id]
        expected = None if row.observed is None else max(Decimal(0), row.required_level - row.observed)
        assert row.gap == expected
    leader = LeaderGap.objects.get(analysis=analysis, participant=aisha)
    # Met: SV-03, CA-01, RM-01, PM-02, QC-01 (weight 1 each) and PM-01 (critical, 1.5); below by one
    # level: PI-01, PI-03, PM-03; no evidence: CF-01. Mean gap over the nine with evidence: 3 / 9.
    assert (leader.requirements, leader.met, leader.gaps, leader.critical_gaps, leader.no_evidence) == (10, 6, 3, 0, 1)
    assert (leader.readiness, leader.mean_gap) == (Decimal("61.90"), Decimal("0.33"))


def test_seeding_again_keeps_the_one_current_analysis(django_capture_on_commit_callbacks):
    """A second seed_demo (committing, as the command does) leaves exactly one analysis, the same one;
    a demo database seeded before gap analyses existed gets its analysis on the next seed."""
    with django_capture_on_commit_callbacks(execute=True):
        seed_demo_organisation(leaders=30)
    first = Analysis.objects.get(current=True)
    rows = RequirementGap.objects.filter(analysis=first).count()
    with django_capture_on_commit_callbacks(execute=True):
        seed_demo_organisation(leaders=30)
    assert list(Analysis.objects.values_list("pk", "status", "current")) == [(first.pk, AnalysisStatus.DONE, True)]
    assert RequirementGap.objects.count() == rows

    Analysis.objects.all().delete()  # as in a database seeded before this feature
    seed_demo_organisation(leaders=30)
    again = Analysis.objects.get()
    assert (again.status, again.current, again.cycle.name) == (AnalysisStatus.DONE, True, RELEASED_CYCLE)
    assert RequirementGap.objects.filter(analysis=again).count() == rows


def test_the_benchmarks_floor_gives_the_analysis_rows_one_for_one(postgres):
    """The bench's one-statement floor (demo/bench_gaps.py), written from the rules rather than from
    gaps.compute, computes the pilot analysis's 300 rows exactly (the demo profiles' weights of 1.5
    and 2 included), and its comparison notices one changed gap."""
    from demo.bench_gaps import analysis_figures, create_floor_table, floor_figures, rows_that_differ, run_floor

    seed_demo_organisation(leaders=30)
    cycle = Cycle.objects.get(name=RELEASED_CYCLE)
    analysis = Analysis.objects.get(cycle=cycle, current=True)
    create_floor_table()
    assert run_floor(cycle.pk) == 300
    assert floor_figures() == analysis_figures(analysis.pk)
    assert floor_figures().rows == 300 and floor_figures().with_gap == 299
    assert rows_that_differ(analysis.pk) == 0
    row = RequirementGap.objects.filter(analysis=analysis, status=GapStatus.GAP).first()
    RequirementGap.objects.filter(pk=row.pk).update(gap=row.gap + 1)
    assert rows_that_differ(analysis.pk) == 2  # the floor's row and the changed one
