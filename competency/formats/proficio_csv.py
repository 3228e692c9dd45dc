"""Proficio CSV: one row per competency (or per area without competencies), indicators one per line
in a column per level, and on the first row the framework's name and description and its scale.
Described in docs/formats.md.

Written formula-safe (a cell starting with =, +, -, @ gets a leading apostrophe) because people
open it in spreadsheets; the reader takes the apostrophe off again, so an export reads back as it was.
"""

from __future__ import annotations

import re

from core.spreadsheets import formula_restored, safe_row
from core.uploads import ImportFailed, ImportIssue, csv_rows, fail, separator_hint

from ..models import FrameworkVersion, IsoClause
from ..selectors import version_tree
from .plan import FRAMEWORK_LIMITS, ImportPlan, NodeSpec, ScaleSpec, check_tree, framework_code, split_indicators
from .writing import csv_text

REQUIRED = ["area_code", "area_name", "code", "name"]
OPTIONAL = ["area_description", "parent_code", "description", "iso_clauses", "related_codes"]
#: Columns about the framework as a whole, read from the first row that fills any of them.
FRAMEWORK_WIDE = ["framework_name", "framework_code", "framework_description", "scale_name", "scale_description",
                  "scale_proficient_level"]
# Levels are numbered 1 to 100 at most (a scale has up to ten); ASCII digits only.
INDICATOR_COLUMN = re.compile(r"^level_([0-9]{1,3})$")
LEVEL_NAME_COLUMN = re.compile(r"^level_([0-9]{1,3})_name$")
LEVEL_DESCRIPTION_COLUMN = re.compile(r"^level_([0-9]{1,3})_description$")
SEPARATORS = re.compile(r"[;,\s]+")


def read(text: str, *, delimiter: str = ",", valid_clauses: set[str] | None = None) -> ImportPlan:
    rows = csv_rows(text, delimiter, FRAMEWORK_LIMITS)
    if not rows:
        raise fail("The file is empty.")
    header_line, header = rows[0]
    header = [cell.strip().lower() for cell in header]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise fail(
            f"the header lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}. "
            f"Proficio CSV needs {', '.join(REQUIRED)}." + separator_hint(text, delimiter), header_line,
        )
    indicator_columns: dict[int, int] = {}
    level_columns: dict[int, dict[str, int]] = {}
    warnings = []
    for index, column in enumerate(header):
        if match := INDICATOR_COLUMN.match(column):
            indicator_columns[int(match.group(1))] = index
        elif match := LEVEL_NAME_COLUMN.match(column):
            level_columns.setdefault(int(match.group(1)), {})["name"] = index
        elif match := LEVEL_DESCRIPTION_COLUMN.match(column):
            level_columns.setdefault(int(match.group(1)), {})["description"] = index
        elif column not in REQUIRED + OPTIONAL + FRAMEWORK_WIDE:
            warnings.append(f"The column “{column}” is not part of Proficio CSV and was ignored.")
    column = {name: header.index(name) for name in REQUIRED + OPTIONAL + FRAMEWORK_WIDE if name in header}
    framework_wide = {name: index for name, index in column.items() if name in FRAMEWORK_WIDE}
    framework_wide.update({f"level_{value}_{part}": index for value, parts in level_columns.items()
                           for part, index in parts.items()})
    if valid_clauses is None:
        valid_clauses = set(IsoClause.objects.values_list("number", flat=True))

    def cell(cells: list[str], name: str) -> str:
        index = column.get(name, framework_wide.get(name))
        return formula_restored(cells[index].strip()) if index is not None and index < len(cells) else ""

    issues: list[ImportIssue] = []
    about: dict[str, str] = {}
    about_line: int | None = None
    areas: dict[str, NodeSpec] = {}
    nodes: list[NodeSpec] = []
    for order, (line, cells) in enumerate(rows[1:]):
        if len(cells) > len(header):
            issues.append(ImportIssue(f"the row has {len(cells)} cells but the header has {len(header)}.", line))
            continue
        wide = {name: cell(cells, name) for name in framework_wide}
        if any(wide.values()):
            if about_line is None:
                about, about_line = wide, line
            else:
                for name, value in wide.items():
                    if value and value != about[name]:
                        issues.append(ImportIssue(
                            f"this differs from line {about_line}; the framework and its scale are described once.",
                            line, name,
                        ))
        area_code, area_name = cell(cells, "area_code"), cell(cells, "area_name")
        if not area_code:
            if any(cell(cells, name) for name in REQUIRED + OPTIONAL) or not any(wide.values()):
                issues.append(ImportIssue("the area code is empty.", line, "area_code"))
            continue  # a row that only describes the framework
        if area_code in areas:
            if area_name and area_name != areas[area_code].name:
                issues.append(ImportIssue(
                    f"the area {area_code} is named “{areas[area_code].name}” on line {areas[area_code].line}.",
                    line, "area_name",
                ))
        else:
            areas[area_code] = NodeSpec(
                code=area_code, name=area_name, parent_code=None, line=line,
                description=cell(cells, "area_description"), order=order,
            )
            nodes.append(areas[area_code])
        code = cell(cells, "code")
        if not code:
            continue  # a row that only declares an area
        clauses = [c for c in SEPARATORS.split(cell(cells, "iso_clauses")) if c]
        for clause in clauses:
            if clause not in valid_clauses:
                issues.append(ImportIssue(f"{clause} is not an ISO 9001:2015 clause.", line, "iso_clauses"))
        indicators = {
            value: split_indicators(formula_restored(cells[index])) for value, index in indicator_columns.items()
            if index < len(cells)
        }
        nodes.append(NodeSpec(
            code=code, name=cell(cells, "name"), parent_code=cell(cells, "parent_code") or area_code, line=line,
            description=cell(cells, "description"), clauses=clauses,
            related=[code.strip() for code in cell(cells, "related_codes").split(";") if code.strip()],
            indicators={value: texts for value, texts in indicators.items() if texts}, order=order, area=area_code,
        ))
    check_tree(nodes, issues, "code", "parent_code")
    if not issues:
        _check_parents_stay_in_their_area(nodes, issues)
        codes = {node.code for node in nodes}
        for node in nodes:
            for code in node.related:
                if code not in codes:
                    issues.append(ImportIssue(f"the related code {code} is not in the file (codes are separated "
                                              "by semicolons).", node.line, "related_codes"))
    scale = _scale(about, about_line, level_columns, issues) if about_line is not None else None
    if scale is not None and not issues:
        used = {level for node in nodes for level in node.indicators}
        beyond = sorted(level for level in used if level > len(scale.level_names))
        if beyond:
            issues.append(ImportIssue(
                f"the file has indicators for level {beyond[-1]}, but its scale {scale.name} has "
                f"{len(scale.level_names)} levels.", header_line, f"level_{beyond[-1]}",
            ))
    if issues:
        raise ImportFailed(issues)
    if not any(node.parent_code for node in nodes):
        warnings.append("The file has no competencies: the framework is created with its areas only.")
    name = about.get("framework_name") or "Imported framework"
    return ImportPlan(
        source="proficio",
        name=name,
        code=framework_code(about.get("framework_code", ""), name),
        description=about.get("framework_description", ""),
        nodes=nodes, scale=scale, warnings=warnings,
    )


def _check_parents_stay_in_their_area(nodes: list[NodeSpec], issues: list[ImportIssue]) -> None:
    by_code = {node.code: node for node in nodes}
    for node in nodes:
        parent = by_code.get(node.parent_code) if node.parent_code else None
        if parent is not None and parent.parent_code is None and node.area is not None and parent.code != node.area:
            issues.append(ImportIssue(
                f"the parent {parent.code} is another area; the row belongs to {node.area}.", node.line, "parent_code"
            ))
        elif parent is not None and parent.parent_code is not None and parent.area != node.area:
            issues.append(ImportIssue(
                f"the parent {parent.code} is in area {parent.area}, not {node.area}.", node.line, "parent_code"
            ))


def _scale(about: dict[str, str], line: int, level_columns: dict[int, dict[str, int]],
           issues: list[ImportIssue]) -> ScaleSpec | None:
    """The scale described on the framework row: every level named, 1 to n, one of them proficient."""
    values = sorted(value for value in level_columns if about.get(f"level_{value}_name"))
    if not values and not about.get("scale_name"):
        return None
    before = len(issues)
    if values != list(range(1, len(values) + 1)):
        issues.append(ImportIssue("the scale's levels must be named from level_1_name on, without gaps.", line))
    names = [about[f"level_{value}_name"] for value in values]
    if len(set(names)) != len(names):
        issues.append(ImportIssue("two levels of the scale have the same name; each needs its own.", line))
    if not about.get("scale_name"):
        issues.append(ImportIssue("the scale has levels but no name.", line, "scale_name"))
    raw = about.get("scale_proficient_level", "")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 3) or not 1 <= int(raw) <= len(names):
        issues.append(ImportIssue(
            f"“{raw}” is not one of the scale's levels (1 to {len(names)}): say which level counts as proficient.",
            line, "scale_proficient_level",
        ))
    if len(issues) > before:
        return None
    return ScaleSpec(
        name=about["scale_name"][:120], level_names=[name[:80] for name in names], proficient_value=int(raw),
        description=about.get("scale_description", ""),
        level_descriptions=[about.get(f"level_{value}_description", "") for value in values],
    )


def write(version: FrameworkVersion) -> str:
    tree = version_tree(version)
    framework = version.framework
    scale = framework.scale
    parents = {node.competency.pk: node.competency.code for area in tree.areas for node in area.nodes}
    levels = [f"level_{level.value}" for level in tree.levels]
    about_columns = FRAMEWORK_WIDE + [f"level_{level.value}_{part}" for level in tree.levels
                                      for part in ("name", "description")]
    about = [framework.name, framework.code, framework.description, scale.name, scale.description,
             str(scale.proficient_value)]
    about += [text for level in tree.levels for text in (level.name, level.description)]
    header = REQUIRED[:2] + ["area_description"] + REQUIRED[2:] + OPTIONAL[1:] + levels + about_columns
    blank_about = [""] * len(about_columns)
    rows = []
    for area_node in tree.areas:
        area = area_node.area
        if not area_node.nodes:
            rows.append([area.code, area.name, area.description, "", "", "", "", "", ""] + [""] * len(levels))
        for node in area_node.nodes:
            competency = node.competency
            rows.append(
                [area.code, area.name, area.description, competency.code, competency.name,
                 parents.get(competency.parent_id, ""), competency.description,
                 "; ".join(clause.number for clause in node.clauses), "; ".join(node.related)]
                + ["\n".join(node.indicators.get(level.value, [])) for level in tree.levels]
            )
    if not rows:
        rows.append([""] * (len(header) - len(about_columns)))  # an empty framework: its description only
    rows = [row + (about if index == 0 else blank_about) for index, row in enumerate(rows)]
    return csv_text([header] + [safe_row(row) for row in rows])
