"""The weight the release stores on each cell, which a gap analysis weighs the observed level with:
the manager at the cycle's manager weight, each shown group at its own, a pool at the mean of the
weights of its groups that rated the competency; self, "all others" and a suppressed pool at 0."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from assessments.models import CellLabel, Group, ResultCell
from tests.gaps.builders import released_team

pytestmark = pytest.mark.django_db

WEIGHTS = {Group.MANAGER: 2, Group.PEER: D("1.5"), Group.DIRECT: 3, Group.EXTERNAL: D("0.5")}


def weights(team, competency) -> dict[str, tuple]:
    """{label: (weight, mean, suppressed)} of one competency's cells."""
    return {c.label: (c.weight, c.mean, c.suppressed)
            for c in ResultCell.objects.filter(participant=team.participant, competency=competency)}


def test_the_manager_and_each_shown_group_carry_the_cycles_weights_and_self_and_all_others_none():
    """Manager 2, peers 1.5, direct reports 3, externals 0.5 on the cycle: so on the cells; the self
    rating and "all others" (made of the shown groups, already weighed) carry 0."""
    team = released_team(externals=3, per_area=1, weights=WEIGHTS, answers={
        Group.SELF: [5], Group.MANAGER: [4], Group.PEER: [3, 3, 3], Group.DIRECT: [2, 2, 2],
        Group.EXTERNAL: [1, 1, 1]})
    assert weights(team, team.competencies()[0]) == {
        CellLabel.SELF: (D("0"), D("5.00"), False),
        CellLabel.MANAGER: (D("2.0000"), D("4.00"), False),
        CellLabel.PEER: (D("1.5000"), D("3.00"), False),
        CellLabel.DIRECT: (D("3.0000"), D("2.00"), False),
        CellLabel.EXTERNAL: (D("0.5000"), D("1.00"), False),
        # (1.5·3 + 3·2 + 0.5·1) / 5 = 2.20
        CellLabel.OTHERS: (D("0"), D("2.20"), False),
    }


def test_default_weights_are_one():
    """A cycle whose weights nobody changed weighs manager and groups alike."""
    team = released_team(reports=0, per_area=1, answers={Group.MANAGER: [4], Group.PEER: [3, 3, 3]})
    found = weights(team, team.competencies()[0])
    assert (found[CellLabel.MANAGER][0], found[CellLabel.PEER][0]) == (D("1.0000"), D("1.0000"))


def test_a_pool_weighs_the_mean_of_the_weights_of_all_its_groups():
    """2 peers, 1 direct report and 1 external rater are all too few alone, so they are pooled: the pool
    weighs (1.5 + 3 + 0.5) / 3 = 1.6667 on C0, which all four rated, and on C1 too, which the direct
    report did not observe — a weight that changed with it would tell that the one direct report did
    not rate C1 to anyone who solves the observed level for it."""
    team = released_team(peers=2, reports=1, externals=1, per_area=2, weights=WEIGHTS, answers={
        Group.PEER: [[2, 2], [3, 3]], Group.DIRECT: [[5, None]], Group.EXTERNAL: [[4, 4]]})
    first, second = team.competencies()
    assert weights(team, first) == {CellLabel.OTHER: (D("1.6667"), D("3.50"), False),
                                    CellLabel.OTHERS: (D("0"), D("3.50"), False)}
    assert weights(team, second) == {CellLabel.OTHER: (D("1.6667"), D("3.00"), False),
                                     CellLabel.OTHERS: (D("0"), D("3.00"), False)}


def test_a_suppressed_pool_weighs_nothing():
    """1 peer and 1 direct report: a pool of 2, too few to show; its cell keeps a count, no mean and
    no weight, beside the manager's at 2."""
    team = released_team(peers=1, reports=1, per_area=1, weights=WEIGHTS, answers={
        Group.MANAGER: [3], Group.PEER: [5], Group.DIRECT: [1]})
    assert weights(team, team.competencies()[0]) == {
        CellLabel.MANAGER: (D("2.0000"), D("3.00"), False),
        CellLabel.OTHER: (D("0"), None, True),
    }
