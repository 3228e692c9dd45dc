"""The 360° bench's own logic: its verdicts, and the fast writers the benchmark seed uses."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from demo.bench_assessments import LoadResult, Step, print_load, print_steps
from demo.seed_ratings import copy_text, peers_of


def test_the_load_report_compares_the_p95_of_saving_with_the_login_pages():
    result = LoadResult(seconds=12.0, worker_peak_mb=80)
    result.latencies["trivial", "trivial"] += [10.0] * 20
    result.latencies["save", "save"] += [30.0] * 18 + [35.0] * 2  # p95 (nearest rank): the 19th of 20
    result.latencies["mixed", "trivial"] += [40.0] * 20
    result.latencies["mixed", "save"] += [50.0] * 20
    result.statuses["save"][200] += 60
    lines: list[str] = []
    print_load(lines.append, result, clients=16)
    assert "p95 saves alone / login page alone: 3.50 (goal <= 3: OVER)" in lines
    assert "p95 saves / login page, alternating: 1.25 (goal <= 3: ok)" in lines
    assert not result.failed
    result.statuses["save"][500] += 1
    assert result.failed


def test_the_steps_say_which_goal_they_missed():
    lines: list[str] = []
    print_steps(lines.append, [Step("opening", 31.0, 10, 100.0, goal=30), Step("release", 59.0, 5, 100.0, goal=60),
                               Step("other", 1.0, 1, 100.0, note="no goal")])
    assert "<= 30 OVER" in lines[1] and "<= 60 ok" in lines[2] and "no goal" in lines[3]


def test_copy_text_writes_postgresqls_text_format():
    requirements = [{"name": "Tab\there, a back\\slash — and a new\nline"}]
    cache: dict = {}
    assert copy_text(None, cache) == r"\N"
    assert (copy_text(True, cache), copy_text(False, cache), copy_text(Decimal("1.50"), cache)) == ("t", "f", "1.50")
    assert copy_text(datetime(2026, 1, 2, 3, 4, tzinfo=UTC), cache) == "2026-01-02T03:04:00+00:00"
    assert copy_text("a\tb\\c\nd", cache) == "a\\tb\\\\c\\nd"
    text = copy_text(requirements, cache)
    assert "\t" not in text and "\n" not in text and text.startswith('[{"name": "Tab\\\\t')
    assert copy_text(requirements, cache) is text  # the same list is encoded once


@pytest.mark.parametrize("count", [1, 3, 6])
def test_peers_are_the_nearest_colleagues_never_the_excluded(count):
    ordered = list(range(100, 120))
    position = {pk: i for i, pk in enumerate(ordered)}
    found = peers_of(105, ordered, position, excluded={105, 104, 106}, count=count)
    assert len(found) == count == len(set(found))
    assert not {104, 105, 106} & set(found)
    assert found[:2] == [107, 103][:count]
