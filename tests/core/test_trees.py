"""One loop check for every tree: competencies, org units, managers, and the trees in imported files."""

from __future__ import annotations

from core.trees import closes_loop, depth_first, loops, natural_key


def test_loops_are_found_once_each_in_walk_order():
    parent = {"a": "b", "b": "c", "c": "a", "d": "a", "e": None, "f": "f"}
    assert loops(parent, parent.get) == [["a", "b", "c"], ["f"]]


def test_a_tree_without_loops_has_none_and_costs_one_step_per_node():
    steps = []

    def parent_of(key):
        steps.append(key)
        return key - 1 if key > 0 else None

    assert loops(range(1000), parent_of) == []
    assert len(steps) == 1000


def test_a_new_parent_below_the_node_closes_a_loop():
    parent = {2: 1, 3: 2}
    assert closes_loop(1, 3, parent.get)
    assert not closes_loop(3, 1, parent.get)
    assert not closes_loop(None, 3, parent.get)  # an unsaved node is below nothing


def test_depth_first_walks_parents_before_children_and_survives_a_loop():
    children = {None: ["a"], "a": ["b", "c"], "b": ["a"]}
    assert depth_first(children, key=lambda node: node) == [("a", 0), ("b", 1), ("c", 1)]


def test_codes_sort_as_people_read_them():
    codes = ["L1.10", "L1.2", "L1.1", "SV-10", "SV-9", "sv-1"]
    assert sorted(codes, key=natural_key) == ["L1.1", "L1.2", "L1.10", "sv-1", "SV-9", "SV-10"]
