"""What every framework reader produces: an `ImportPlan`, checked without touching the database.

The plan is applied by `competency.services.framework_import_apply`, in one transaction.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.text import slugify

from core.trees import depth_first, loops
from core.uploads import ImportIssue, Limits

#: A framework file holds at most this many areas and competencies (the largest real ones have a few hundred).
FRAMEWORK_LIMITS = Limits(rows=5_000, columns=80, lines=200_000, json_depth=32)
NAME_LENGTH = 255
CODE_LENGTH = 100
INDICATOR_BULLET = re.compile(r"^\s*(?:[-•*]\s+)?")


@dataclass
class NodeSpec:
    """One area (top level) or competency (any depth below) as read from the file."""

    code: str
    name: str
    parent_code: str | None
    line: int | None
    description: str = ""
    uuid: str | None = None
    clauses: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    indicators: dict[int, list[str]] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)
    order: float = 0.0
    area: str | None = None  # Proficio CSV: the area the row names, to check parents against


@dataclass
class ScaleSpec:
    """The scale a file asks for: matched to an existing scale, or created."""

    name: str
    level_names: list[str]
    proficient_value: int
    description: str = ""
    level_descriptions: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return [message for _field, message in level_problems(self.level_names, self.proficient_value)]

    def levels(self) -> list[tuple[int, str, str]]:
        descriptions = self.level_descriptions + [""] * (len(self.level_names) - len(self.level_descriptions))
        return [(value, name, descriptions[value - 1]) for value, name in enumerate(self.level_names, start=1)]


@dataclass
class ImportPlan:
    source: str
    name: str
    code: str
    description: str
    nodes: list[NodeSpec]
    scale: ScaleSpec | None = None
    framework_extra: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    uuid: str | None = None  # the framework's identity in the file (CASE), kept when free

    @property
    def areas(self) -> list[NodeSpec]:
        return [node for node in self.nodes if node.parent_code is None]

    @property
    def competencies(self) -> list[NodeSpec]:
        return [node for node in self.nodes if node.parent_code is not None]

    def ordered(self) -> list[tuple[NodeSpec, int]]:
        """Nodes depth-first in display order, with their depth (0 = area)."""
        children: dict[str | None, list[NodeSpec]] = defaultdict(list)
        for node in self.nodes:
            children[node.parent_code].append(node)
        for siblings in children.values():
            siblings.sort(key=lambda n: n.order)
        return depth_first(children, key=lambda node: node.code)

    @property
    def depth(self) -> int:
        return max((depth for _, depth in self.ordered()), default=0)

    @property
    def indicator_levels(self) -> set[int]:
        return {level for node in self.nodes for level, texts in node.indicators.items() if texts}


def level_problems(names: list[str], proficient_value: int) -> list[tuple[str, str]]:
    """What makes a list of level names not a scale, as (field, message): "levels" or
    "proficient_value". The rules of scales made on the pages and from files alike."""
    names = [name.strip() for name in names]
    problems = []
    if len(names) < 2:
        problems.append(("levels", "A scale needs at least two levels."))
    if any(not name for name in names):
        problems.append(("levels", "Every level needs a name."))
    seen: set[str] = set()
    for name in names:
        if name and name.lower() in seen:
            problems.append(("levels", f"Two levels are called “{name}”; each level needs its own name."))
            break
        seen.add(name.lower())
    if not 1 <= proficient_value <= max(len(names), 1):
        problems.append(("proficient_value",
                         f"The proficient level must be one of the scale's levels (1 to {len(names)})."))
    return problems


def split_indicators(cell: str) -> list[str]:
    """One indicator per line; a leading bullet is dropped."""
    return [INDICATOR_BULLET.sub("", line).strip() for line in cell.splitlines() if line.strip()]


def fit_name(text: str) -> str:
    """A name on one line, within the length Proficio keeps. Spaces inside are kept as they are."""
    text = " ".join(part.strip() for part in text.strip().splitlines() if part.strip())
    return text if len(text) <= NAME_LENGTH else text[: NAME_LENGTH - 1].rstrip() + "…"


def framework_code(raw: str, fallback: str) -> str:
    return slugify(raw)[:100] or slugify(fallback)[:100] or "imported-framework"


def check_tree(nodes: list[NodeSpec], issues: list[ImportIssue], code_column: str, parent_column: str) -> None:
    """Empty or duplicate codes, unknown parents and loops, each reported with its line."""
    seen: dict[str, NodeSpec] = {}
    for node in nodes:
        if not node.code:
            issues.append(ImportIssue("the code is empty; every competency needs one.", node.line, code_column))
            continue
        if len(node.code) > CODE_LENGTH:
            issues.append(ImportIssue(f"the code is longer than {CODE_LENGTH} characters.", node.line, code_column))
        if node.code in seen:
            first = seen[node.code].line
            issues.append(ImportIssue(
                f"the code {node.code} is used twice (first on line {first}).", node.line, code_column
            ))
            continue
        seen[node.code] = node
        if not node.name.strip():
            issues.append(ImportIssue("the name is empty.", node.line, "name"))
        elif len(node.name) > NAME_LENGTH:
            issues.append(ImportIssue(f"the name is longer than {NAME_LENGTH} characters.", node.line, "name"))
    for node in nodes:
        if node.parent_code is not None and node.parent_code not in seen:
            issues.append(ImportIssue(
                f"the parent {node.parent_code} is not in the file.", node.line, parent_column
            ))
    if issues:
        return
    for loop in loops((node.code for node in nodes), lambda code: seen[code].parent_code):
        issues.append(ImportIssue(
            "these competencies are each other's parents, a cycle: " + " → ".join(loop + [loop[0]]) + ".",
            seen[loop[0]].line, parent_column,
        ))
