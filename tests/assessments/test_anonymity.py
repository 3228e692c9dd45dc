"""The anonymity promise, checked from the outside: no combination of the figures anyone can see —
on the results page, in the CSV and XLSX exports, the dashboard and the admin — lets anyone work out
one anonymous answer, for the issue's hand-built cases, across competencies, areas and releases.

How: the shown figures are everything those pages and files print (every number of the pages,
including the chart's coordinates, and every cell of the files). For each anonymous answer `a`:

- if changing `a` alone changes no figure, it is hidden; then it must stay so for every other level
  of the scale (a suppressed answer is in no aggregate);
- otherwise it is shown in some figure, and there must be two other answers `c` (in different
  raters' questionnaires) such that moving `a` up one level and `c` down one (or the reverse) changes
  no figure. Then two different worlds show exactly the same figures and differ in `a`: nobody can
  compute `a` — not from sums, differences or means of any figures, and not even a rater who knows
  their own answer (with two witnesses, one is always somebody else's).

The answers sit in the middle of the scale (2–4): a mean of 5.00 over three answers says every one
of them was 5, which is what showing a group's mean means, not a leak. Each trial runs in a
savepoint that is rolled back, so every world starts from the same open cycle.
"""

from __future__ import annotations

import ast
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone as dt_timezone
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from assessments.models import Answer, Questionnaire, QuestionnaireStatus
from assessments.release import release_cycle
from tests.assessments.builders import close, team_cycle
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

LEVELS = range(1, 6)
FIXED_NOW = datetime(2026, 3, 2, 9, 30, tzinfo=dt_timezone.utc)
NUMBER = re.compile(r"\d+(?:\.\d+)?")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')

Key = tuple[str, str, int, int]  # (phase, group, rater index, competency index)


@dataclass
class Case:
    """One leader rated on two competencies. `answers`: {(group, index): [level or None per competency]}
    before the first release; `late`: phases after it, each a dict of new raters' answers followed by a
    re-release, which `refused` phases expect to be refused."""

    peers: int = 0
    reports: int = 0
    externals: int = 0
    answers: dict = field(default_factory=dict)
    late: list = field(default_factory=list)
    refused: set = field(default_factory=set)
    hidden: set = field(default_factory=set)  # (group, index, competency) expected to be in no figure


CASES = {
    "one peer": Case(peers=1, answers={("peer", 0): [3, 2]}, hidden={("peer", 0, 0), ("peer", 0, 1)}),
    "two peers and one direct report": Case(
        peers=2, reports=1, answers={("peer", 0): [2, 3], ("peer", 1): [3, 4], ("direct", 0): [4, 2]}),
    "a thin group absorbs the smallest shown group": Case(
        peers=2, reports=3, externals=4,
        answers={("peer", 0): [2, 3], ("peer", 1): [4, 3], ("direct", 0): [3, 2], ("direct", 1): [2, 4],
                 ("direct", 2): [4, 3], ("external", 0): [3, 3], ("external", 1): [2, 4], ("external", 2): [4, 2],
                 ("external", 3): [3, 3]}),
    "a suppressed pool": Case(
        peers=1, reports=1, answers={("peer", 0): [2, 4], ("direct", 0): [4, 3]},
        hidden={("peer", 0, 0), ("peer", 0, 1), ("direct", 0, 0), ("direct", 0, 1)}),
    "not observed answers": Case(
        peers=4, reports=3,
        answers={("peer", 0): [2, None], ("peer", 1): [3, 3], ("peer", 2): [4, None], ("peer", 3): [3, 2],
                 ("direct", 0): [None, 3], ("direct", 1): [2, None], ("direct", 2): [4, None]}),
    "a late answer": Case(
        peers=3, reports=3,
        answers={("peer", 0): [2, 3], ("peer", 1): [3, 4], ("peer", 2): [4, 2], ("direct", 0): [3, 3],
                 ("direct", 1): [2, 4], ("direct", 2): [4, 2]},
        late=[{("peer", 3): [3, 2]}, {("peer", 4): [2, 3], ("peer", 5): [4, 3]}], refused={0}),
    "a pool released once stays pooled": Case(
        peers=2, reports=3,
        answers={("peer", 0): [2, 3], ("peer", 1): [4, 2], ("direct", 0): [3, 3], ("direct", 1): [2, 4],
                 ("direct", 2): [4, 3]},
        late=[{("peer", 2): [3, 2], ("peer", 3): [2, 4], ("peer", 4): [4, 3]}]),
}


class World:
    """The case's team (open, nobody answered yet) and the users who read the figures."""

    def __init__(self, case: Case, code: str = "leadership"):
        self.case = case
        self.team = team_cycle(peers=case.peers, reports=case.reports, externals=case.externals, areas=2, per_area=1,
                               code=code)
        self.competencies = self.team.competencies()
        self.admin = UserFactory(role=Role.HR, is_staff=True, is_superuser=True)
        self.late_raters = [PersonFactory(org_unit=self.team.leader.org_unit) for _ in range(8)]
        self.clients = {}
        for name, user in (("leader", self.team.leader.user), ("hr", self.team.hr), ("admin", self.admin)):
            self.clients[name] = Client()
            self.clients[name].force_login(user)

    def keys(self) -> list[tuple[Key, int]]:
        """Every anonymous answer with a level, and that level."""
        found = []
        for phase, answers in [("first", self.case.answers)] + [(f"late{i}", a) for i, a in enumerate(self.case.late)]:
            for (group, index), levels in answers.items():
                for competency, level in enumerate(levels):
                    if level is not None:
                        found.append(((phase, group, index, competency), level))
        return found

    def _write(self, questionnaire, levels: list, phase: str, group: str, index: int, overrides: dict) -> None:
        """Answers and submits, as `builders.answer` does, in two queries (trials write a lot)."""
        Answer.objects.bulk_create([
            Answer(questionnaire=questionnaire, competency=self.competencies[c],
                   level=overrides.get((phase, group, index, c), level),
                   comment="Works well with others" if c == 0 else "")
            for c, level in enumerate(levels)])
        Questionnaire.objects.filter(pk=questionnaire.pk).update(status=QuestionnaireStatus.SUBMITTED,
                                                                 submitted_at=timezone.now())

    def figures(self) -> list:
        """Everything the pages and files print that could carry a figure."""
        team = self.team
        shown: list = []
        client = self.clients["leader"]
        page = client.get(reverse("assessments:participant_results", args=[team.participant.pk]))
        assert page.status_code == 200
        shown.append(NUMBER.findall(CSRF.sub("", page.content.decode())))
        shown.append(NUMBER.findall(CSRF.sub("", client.get(reverse("dashboard:home")).content.decode())))
        client = self.clients["hr"]
        body = b"".join(client.get(reverse("assessments:cycle_export", args=[team.cycle.pk, "csv"])).streaming_content)
        shown.append(list(csv.reader(io.StringIO(body.decode("utf-8-sig")))))
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(client.get(reverse("assessments:cycle_export",
                                                               args=[team.cycle.pk, "xlsx"])).content))
        shown.append([[cell.value for cell in row] for sheet in workbook for row in sheet.iter_rows()])
        client = self.clients["admin"]
        for url in (reverse("admin:assessments_cycle_changelist"),
                    reverse("admin:assessments_cycle_change", args=[team.cycle.pk])):
            response = client.get(url)
            assert response.status_code == 200
            shown.append(NUMBER.findall(CSRF.sub("", response.content.decode())))
        return shown

    def run(self, overrides: dict | None = None) -> list:
        """The figures of every release of the world where the answers are the case's, changed by
        `overrides` ({key: level}); nothing of it is kept."""
        overrides = overrides or {}
        team = self.team
        releases = []
        with transaction.atomic():
            for (group, index), levels in self.case.answers.items():
                self._write(team.questionnaire(group, index), levels, "first", group, index, overrides)
            close(team.cycle, team.hr)
            release_cycle(team.cycle, actor=team.hr)
            releases.append(self.figures())
            raters = iter(self.late_raters)
            for phase, answers in enumerate(self.case.late):
                for (group, index), levels in answers.items():
                    questionnaire = Questionnaire.objects.create(
                        participant=team.participant, group=group, rater=next(raters),
                        status=QuestionnaireStatus.PENDING, invited_at=timezone.now())
                    self._write(questionnaire, levels, f"late{phase}", group, index, overrides)
                if phase in self.case.refused:
                    with pytest.raises(ValidationError, match="fewer than 3 new answers"):
                        release_cycle(team.cycle, actor=team.hr)
                    continue
                release_cycle(team.cycle, actor=team.hr)
                releases.append(self.figures())
            transaction.set_rollback(True)
        return releases


def _others(world: World, key: Key) -> list[tuple[Key, int]]:
    """The other anonymous answers to the same competency: first those given at the same time in the
    same group, then the same group's, then the others' (the likeliest witnesses first)."""
    phase, group, _index, competency = key
    rest = [(k, level) for k, level in world.keys() if k[3] == competency and k != key]
    return sorted(rest, key=lambda item: (item[0][1] != group, item[0][0] != phase, item[0]))


@pytest.mark.parametrize("name", list(CASES))
def test_no_combination_of_shown_figures_gives_an_anonymous_answer_away(name):
    world = World(CASES[name])
    with mock.patch("django.utils.timezone.now", return_value=FIXED_NOW):
        base = world.run()
        hidden_found = set()
        for key, level in world.keys():
            phase, group, index, competency = key
            nudged = level + 1 if level < 5 else level - 1
            if world.run({key: nudged}) == base:
                # In no figure: no other level may show either.
                for other in LEVELS:
                    if other not in (level, nudged):
                        assert world.run({key: other}) == base, f"{name}: {key} at {other} shows"
                hidden_found.add((group, index, competency))
                continue
            witnesses = set()
            for other, other_level in _others(world, key):
                # One trade is enough: the figures are linear in the levels, so if a+1, c-1 shows, so does a-1, c+1.
                step = next((step for step in (1, -1) if level + step in LEVELS and other_level - step in LEVELS), None)
                if step is not None and world.run({key: level + step, other: other_level - step}) == base:
                    witnesses.add(other)
                if len(witnesses) >= 2:
                    break
            assert len(witnesses) >= 2, (
                f"{name}: the answer {key} can be worked out from the figures"
                + (" by the one rater " + str(next(iter(witnesses))) + " who could trade with it" if witnesses else ""))
        assert world.case.hidden <= hidden_found, f"{name}: expected hidden {world.case.hidden - hidden_found}"


def test_the_figures_show_what_the_cases_are_about():
    """The cases are what their names say (so the test above checks the situations the issue lists)."""
    from assessments.models import CellLabel, ResultCell

    expected = {
        "one peer": {CellLabel.OTHER: True},
        "two peers and one direct report": {CellLabel.OTHER: False, CellLabel.OTHERS: False},
        "a thin group absorbs the smallest shown group": {CellLabel.OTHER: False, CellLabel.EXTERNAL: False,
                                                          CellLabel.OTHERS: False},
        "a suppressed pool": {CellLabel.OTHER: True},
    }
    for number, (name, labels) in enumerate(expected.items()):
        world = World(CASES[name], code=f"case{number}")
        with transaction.atomic():
            for (group, index), levels in world.case.answers.items():
                world._write(world.team.questionnaire(group, index), levels, "first", group, index, {})
            close(world.team.cycle, world.team.hr)
            release_cycle(world.team.cycle, actor=world.team.hr)
            stored = {cell.label: cell.suppressed for cell in ResultCell.objects.filter(
                participant=world.team.participant, competency=world.competencies[0]).exclude(
                label__in=[CellLabel.SELF, CellLabel.MANAGER])}
            assert stored == labels, name
            transaction.set_rollback(True)


# --- raw answers are read in one place -------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
#: Where `Answer` may appear: its model and migrations, the release (the only reader of other people's
#: answers), the rater's own questionnaire (services, selectors, page), and the demo data and
#: benchmarks, which write answers.
ALLOWED = {
    "assessments/models.py", "assessments/release.py", "assessments/services/answering.py",
    "assessments/selectors.py", "assessments/views/questionnaires.py",
}
ALLOWED_FOLDERS = ("assessments/migrations/", "demo/", "tests/", ".venv/", "node_modules/")
#: Reverse lookups that reach answers from a questionnaire ("answers__level", questionnaire.answers).
ANSWER_PATH = re.compile(r"^answers$|^answers__|__answers?(__|$)")


def _references(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == "Answer":
            found.append(f"line {node.lineno}: Answer")
        elif isinstance(node, ast.Attribute) and node.attr in ("Answer", "answers"):
            found.append(f"line {node.lineno}: .{node.attr}")
        elif isinstance(node, ast.alias) and node.name.split(".")[-1] == "Answer":
            found.append(f"line {node.lineno}: import Answer")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and ANSWER_PATH.search(node.value) \
                and " " not in node.value:
            found.append(f"line {node.lineno}: {node.value!r}")
        elif isinstance(node, ast.keyword) and node.arg and ANSWER_PATH.search(node.arg):
            found.append(f"line {node.lineno}: {node.arg}=")
    return found


def test_no_module_but_the_release_and_the_raters_own_questionnaire_reads_answers():
    offenders = {}
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative in ALLOWED or relative.startswith(ALLOWED_FOLDERS):
            continue
        found = _references(ast.parse(path.read_text(encoding="utf-8"), filename=relative))
        if found:
            offenders[relative] = found
    assert offenders == {}


def test_the_check_finds_a_read_of_answers():
    source = ("from assessments.models import Answer\n"
              "Answer.objects.all()\nq.answers.all()\nQuestionnaire.objects.filter(answers__level=3)\n"
              "Participant.objects.values('questionnaires__answers__level')\n")
    assert len(_references(ast.parse(source))) == 5


def test_the_admin_offers_no_page_of_answers():
    from django.contrib import admin

    from assessments.models import Answer

    assert Answer not in admin.site._registry
