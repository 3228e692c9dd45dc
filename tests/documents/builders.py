"""Released 360° cycles for the documents tests, and a way to watch or break the results renderer."""

from __future__ import annotations

import dataclasses

from assessments.models import Group
from assessments.release import release_cycle
from documents import registry
from tests.assessments.builders import answer, close, team_cycle


def released(*, code: str = "leadership", comments: bool = True, suppressed: bool = False):
    """One leader's cycle, closed and released. By default self 4, manager 3, peers 2-3-4 (shown), with
    comments. `suppressed`: one peer (1) and one report (2) instead, pooled and too few to show."""
    if suppressed:
        team = team_cycle(peers=1, reports=1, areas=1, per_area=2, code=code)
        first = team.competencies()[0]
        answer(team.questionnaire(Group.SELF), 4)
        answer(team.questionnaire(Group.MANAGER), 3)
        answer(team.questionnaire(Group.PEER), 1, comments={first: "Secret peer remark"})
        answer(team.questionnaire(Group.DIRECT), 2, comments={first: "Secret report remark"})
    else:
        team = team_cycle(peers=3, reports=0, areas=2, per_area=2, code=code)
        said = {c: f"Keeps the team on course in {c.code}" for c in team.competencies()[:1]} if comments else {}
        answer(team.questionnaire(Group.SELF), 4, comments=said)
        answer(team.questionnaire(Group.MANAGER), 3)
        for index, level in enumerate([2, 3, 4]):
            answer(team.questionnaire(Group.PEER, index), level)
    close(team.cycle, team.hr)
    release_cycle(team.cycle, actor=team.hr)
    team.cycle.refresh_from_db()
    return team


class Renderer:
    """Stands in for the "results" kind's render: counts the renders, fails while `failing` is set."""

    def __init__(self, real):
        self.real = real
        self.calls = 0
        self.failing: str | None = None

    def __call__(self, obj) -> bytes:
        self.calls += 1
        if self.failing:
            raise RuntimeError(self.failing)
        return self.real(obj)


def watch_results_renders(monkeypatch) -> Renderer:
    kind = registry.get_kind("results")
    renderer = Renderer(kind.render)
    monkeypatch.setitem(registry._KINDS, "results", dataclasses.replace(kind, render=renderer))
    return renderer
