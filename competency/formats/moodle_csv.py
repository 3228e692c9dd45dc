"""Moodle's competency framework CSV (the format of Moodle's tool_lpimportcsv), both ways.

Moodle has fourteen logical fields; a file's columns are matched to them by position unless the
user maps them (older exports order them differently). Moodle keeps short names and ID numbers to
100 characters: longer Proficio names are shortened on export with "…", the full name goes at the
top of the description, and the export page says which were shortened; Proficio's reader puts the
full name back.

Two exports: the default is formula-safe for people who open it in a spreadsheet; "exact" writes
every value as it is, for Moodle's importer, which would keep the apostrophe.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from dataclasses import dataclass

from core.spreadsheets import formula_restored, safe_row
from core.uploads import ImportFailed, ImportIssue, csv_rows, fail, separator_hint

from ..models import FrameworkVersion
from ..selectors import VersionTree, version_tree
from .plan import FRAMEWORK_LIMITS, ImportPlan, NodeSpec, ScaleSpec, check_tree, framework_code
from .writing import csv_text

#: Moodle cuts ID numbers and short names to this length on import.
TEXT_LENGTH = 100
#: Moodle's fourteen logical fields in their default column order, with the header labels seen in
#: Moodle releases (old and new wording); the labels only serve to suggest a mapping.
FIELDS: list[tuple[str, str, tuple[str, ...]]] = [
    ("parentidnumber", "Parent ID number", ("parent id number", "parentidnumber")),
    ("idnumber", "ID number", ("id number", "idnumber")),
    ("shortname", "Short name", ("shortname", "short name")),
    ("description", "Description", ("description",)),
    ("descriptionformat", "Description format", ("description format", "descriptionformat")),
    ("scalevalues", "Scale values", ("scale values", "scalevalues")),
    ("scaleconfiguration", "Scale configuration", ("scale configuration", "scaleconfiguration")),
    ("ruletype", "Rule type (optional)", ("rule type", "rule type (optional)", "ruletype")),
    ("ruleoutcome", "Rule outcome (optional)", ("rule outcome", "rule outcome (optional)", "ruleoutcome")),
    ("ruleconfig", "Rule config (optional)", ("rule config", "rule config (optional)", "ruleconfig")),
    ("relatedidnumbers", "Cross-referenced competency ID numbers",
     ("cross referenced competency id numbers", "cross-referenced competency id numbers", "relatedidnumbers")),
    ("exportid", "Exported ID (optional)", ("exported id (optional)", "exported id", "exportid")),
    ("isframework", "Is framework", ("is framework", "isframework")),
    ("taxonomy", "Taxonomy", ("taxonomy",)),
]
REQUIRED = ("idnumber", "shortname", "parentidnumber", "isframework")
#: Per-competency Moodle properties Proficio has no use for but keeps, so an export gives them back.
KEPT = ("descriptionformat", "scalevalues", "scaleconfiguration", "ruletype", "ruleoutcome", "ruleconfig", "exportid")
TAXONOMY_TERMS = {"behaviour", "competency", "concept", "domain", "indicator", "level", "outcome",
                  "practice", "proficiency", "skill", "value"}
HTML_FORMAT = "1"  # Moodle's FORMAT_HTML, the default for descriptions
_FULL_NAME_HTML = re.compile(r"^<p>Full name: (?P<name>[^<]*)</p>", re.S)
_FULL_NAME_TEXT = re.compile(r"^Full name: (?P<name>[^\n]*)\n\n?", re.S)


def header(text: str, delimiter: str) -> list[str]:
    rows = csv_rows(text, delimiter, FRAMEWORK_LIMITS)
    if not rows:
        raise fail("The file is empty.")
    return [cell.strip() for cell in rows[0][1]]


def suggest_mapping(columns: list[str]) -> dict[str, int]:
    """Column index per logical field: by header label where one matches, else Moodle's default position."""
    normalised = [" ".join(cell.lower().replace("_", " ").split()) for cell in columns]
    known = {alias for _, _, aliases in FIELDS for alias in aliases}
    mapping: dict[str, int] = {}
    for position, (key, _label, aliases) in enumerate(FIELDS):
        by_label = next((i for i, cell in enumerate(normalised) if cell in aliases), None)
        if by_label is not None:
            mapping[key] = by_label
        else:
            mapping[key] = position if position < len(columns) and normalised[position] not in known else -1
    return mapping


def layout_is_standard(columns: list[str]) -> bool:
    """Whether the columns sit where Moodle's importer expects them by default."""
    return len(columns) == len(FIELDS) and suggest_mapping(columns) == {
        key: position for position, (key, _label, _aliases) in enumerate(FIELDS)
    }


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes"}


def _taxonomy(raw: str) -> list[str]:
    raw = raw.strip()
    if raw.startswith("{"):  # the legacy plugin stored a JSON object {"1": "domain", ...}
        try:
            terms = json.loads(raw)
            return [str(terms[key]) for key in sorted(terms, key=lambda k: int(k))]
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return []
    return [term.strip() for term in raw.split(",") if term.strip()]


def _proficient(config: str, level_count: int) -> int:
    """The first scale item marked proficient in Moodle's scale configuration (1-based)."""
    try:
        items = json.loads(config) if config.strip() else []
        marked = [int(item["id"]) for item in items[1:] if int(item.get("proficient", 0))]
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        marked = []
    return min(marked) if marked and 1 <= min(marked) <= level_count else level_count


def _restore_full_name(name: str, description: str) -> tuple[str, str]:
    """Undoes the shortening of `write`: a name ending in "…" whose description starts with its full text."""
    if not name.endswith("…"):
        return name, description
    match = _FULL_NAME_HTML.match(description) or _FULL_NAME_TEXT.match(description)
    if match is None:
        return name, description
    full = html.unescape(match.group("name")) if match.re is _FULL_NAME_HTML else match.group("name")
    if not full.startswith(name[:-1].rstrip()):
        return name, description
    return full, description[match.end():]


def read(text: str, *, delimiter: str = ",", mapping: dict[str, int] | None = None) -> ImportPlan:
    rows = csv_rows(text, delimiter, FRAMEWORK_LIMITS)
    if len(rows) < 2:
        raise fail("The file has a header but no rows.")
    header_line, columns = rows[0]
    mapping = mapping or suggest_mapping([cell.strip() for cell in columns])
    labels = {key: label for key, label, _ in FIELDS}
    unmapped = [labels[key] for key in REQUIRED if not 0 <= mapping.get(key, -1) < len(columns)]
    if unmapped:
        raise fail(
            f"the file has {len(columns)} column{'s' if len(columns) != 1 else ''} and none is mapped to "
            f"{', '.join(unmapped)}. Map the columns below (older Moodle exports have 12 columns in another order)."
            + separator_hint(text, delimiter), header_line,
        )
    issues: list[ImportIssue] = []

    def value(cells: list[str], key: str) -> str:
        index = mapping.get(key, -1)
        return formula_restored(cells[index]) if 0 <= index < len(cells) else ""

    framework_row = None
    nodes: list[NodeSpec] = []
    for order, (line, cells) in enumerate(rows[1:]):
        if len(cells) != len(columns):
            issues.append(ImportIssue(f"the row has {len(cells)} cells but the header has {len(columns)}.", line))
            continue
        if _truthy(value(cells, "isframework")):
            if framework_row is not None:
                issues.append(ImportIssue(
                    f"a second row is marked as the framework (the first is on line {framework_row[0]}).",
                    line, labels["isframework"],
                ))
            framework_row = (line, cells)
            continue
        extra = {key: value(cells, key) for key in KEPT if value(cells, key).strip()}
        name, description = _restore_full_name(value(cells, "shortname").strip()[:TEXT_LENGTH],
                                               value(cells, "description"))
        nodes.append(NodeSpec(
            code=value(cells, "idnumber").strip()[:TEXT_LENGTH],
            name=name,
            parent_code=value(cells, "parentidnumber").strip()[:TEXT_LENGTH] or None,
            line=line,
            description=description,
            related=[ref.strip().replace("%2C", ",") for ref in value(cells, "relatedidnumbers").split(",") if ref.strip()],
            extra={"moodle": extra} if extra else {},
            order=order,
        ))
    if framework_row is None:
        issues.append(ImportIssue(
            f"no row is marked as the framework (column “{labels['isframework']}” = 1). "
            "Moodle exports always have one; check the column mapping."
        ))
    check_tree(nodes, issues, labels["idnumber"], labels["parentidnumber"])
    if issues:
        raise ImportFailed(issues)
    line, cells = framework_row
    scale_values = [item.strip()[:80] for item in value(cells, "scalevalues").split(",") if item.strip()]
    if not scale_values:
        raise fail("the framework row has no scale values.", line, labels["scalevalues"])
    repeated = [name for name, count in Counter(scale_values).items() if count > 1]
    if repeated:
        raise fail(f"the scale names the level “{repeated[0]}” twice; each level needs its own name.",
                   line, labels["scalevalues"])
    framework_name, framework_description = _restore_full_name(value(cells, "shortname").strip(),
                                                               value(cells, "description"))
    framework_name = framework_name or value(cells, "idnumber").strip()
    taxonomy = _taxonomy(value(cells, "taxonomy"))
    warnings = []
    codes = {node.code for node in nodes}
    unknown_refs = sum(1 for node in nodes for ref in node.related if ref not in codes)
    if unknown_refs:
        warnings.append(f"{unknown_refs} cross-reference(s) name competencies that are not in the file; they were left out.")
    for node in nodes:
        node.related = [ref for ref in node.related if ref in codes]
    if taxonomy and any(term not in TAXONOMY_TERMS for term in taxonomy):
        warnings.append("The taxonomy uses terms Moodle does not know; they are kept as they are.")
    return ImportPlan(
        source="moodle",
        name=framework_name,
        code=framework_code(value(cells, "idnumber"), framework_name),
        description=framework_description,
        nodes=nodes,
        scale=ScaleSpec(
            name=f"Competency scale: {framework_name}"[:120],
            level_names=scale_values,
            proficient_value=_proficient(value(cells, "scaleconfiguration"), len(scale_values)),
        ),
        framework_extra={"moodle": {
            "idnumber": value(cells, "idnumber").strip(),
            "descriptionformat": value(cells, "descriptionformat"),
            "scaleconfiguration": value(cells, "scaleconfiguration"),
            "taxonomy": taxonomy,
        }},
        warnings=warnings,
    )


# --- writing --------------------------------------------------------------------------------------

HEADER = [label for _key, label, _aliases in FIELDS]


@dataclass(frozen=True)
class Shortened:
    code: str
    name: str


def shortened_names(tree: VersionTree) -> list[Shortened]:
    """The framework, areas and competencies whose names are longer than Moodle keeps."""
    framework = tree.version.framework
    nodes = [area.area for area in tree.areas] + [node.competency for area in tree.areas for node in area.nodes]
    found = [Shortened(node.code, node.name) for node in nodes if len(node.name) > TEXT_LENGTH]
    return ([Shortened(framework.code, framework.name)] if len(framework.name) > TEXT_LENGTH else []) + found


def _shorten(name: str, description: str, description_format: str) -> tuple[str, str]:
    if len(name) <= TEXT_LENGTH:
        return name, description
    short = name[: TEXT_LENGTH - 1].rstrip() + "…"
    if description_format == HTML_FORMAT:
        return short, f"<p>Full name: {html.escape(name, quote=False)}</p>{description}"
    return short, f"Full name: {name}\n\n{description}"


def _scale_configuration(tree: VersionTree) -> str:
    scale = tree.version.framework.scale
    items: list[dict] = [{"scaleid": str(scale.pk)}]
    first = True
    for index, level in enumerate(tree.levels, start=1):
        if level.value >= scale.proficient_value:
            items.append({"id": index, "scaledefault": 1 if first else 0, "proficient": 1})
            first = False
    return json.dumps(items, separators=(",", ":"))


def write(version: FrameworkVersion, *, exact: bool = False) -> str:
    """Moodle's 14 columns; areas become top-level competencies, so Moodle sees the same tree."""
    tree = version_tree(version)
    framework = version.framework
    kept = framework.extra.get("moodle", {})
    depth = max((node.depth + 2 for area in tree.areas for node in area.nodes), default=1)
    taxonomy = kept.get("taxonomy") or []
    taxonomy = (taxonomy + ["competency"] * depth)[:max(depth, len(taxonomy))]
    framework_format = kept.get("descriptionformat") or HTML_FORMAT
    framework_name, framework_description = _shorten(framework.name, framework.description, framework_format)
    rows = [[
        "", kept.get("idnumber") or framework.code, framework_name, framework_description,
        framework_format, ",".join(level.name for level in tree.levels),
        _scale_configuration(tree), "", "", "", "", "", "1", ",".join(taxonomy),
    ]]
    codes = {node.competency.pk: node.competency.code for area in tree.areas for node in area.nodes}

    def escape(code: str) -> str:
        return code.replace(",", "%2C")

    for area_node in tree.areas:
        area = area_node.area
        moodle = area.extra.get("moodle", {})
        description_format = moodle.get("descriptionformat", HTML_FORMAT)
        name, description = _shorten(area.name, area.description, description_format)
        rows.append(["", area.code, name, description, description_format,
                     moodle.get("scalevalues", ""), moodle.get("scaleconfiguration", ""), moodle.get("ruletype", ""),
                     moodle.get("ruleoutcome", "0"), moodle.get("ruleconfig", "null"), "",
                     moodle.get("exportid", ""), "", ""])
        for node in area_node.nodes:
            competency = node.competency
            moodle = competency.extra.get("moodle", {})
            description_format = moodle.get("descriptionformat", HTML_FORMAT)
            name, description = _shorten(competency.name, competency.description, description_format)
            rows.append([
                codes.get(competency.parent_id, area.code), competency.code, name, description, description_format,
                moodle.get("scalevalues", ""), moodle.get("scaleconfiguration", ""), moodle.get("ruletype", ""),
                moodle.get("ruleoutcome", "0"), moodle.get("ruleconfig", "null"),
                ",".join(escape(code) for code in node.related), moodle.get("exportid", str(competency.pk)), "", "",
            ])
    return csv_text([HEADER] + (rows if exact else [safe_row(row) for row in rows]))
