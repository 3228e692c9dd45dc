"""Reading frameworks from files: Proficio CSV, Moodle's competency framework CSV and CASE JSON.

Every reader turns a file into an `ImportPlan` without touching the database, or raises `ImportFailed`
with every problem it found, each naming its line (or CASE item) and what is wrong. `apply_plan`
then writes the whole plan in one transaction: a bad file changes nothing.

The formats are described in docs/formats.md.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.shortcuts import save_unique

from .models import (
    BehaviouralIndicator,
    Competency,
    CompetencyArea,
    Framework,
    FrameworkVersion,
    IsoClause,
    ProficiencyLevel,
    ProficiencyScale,
)
from .trees import depth_first

MAX_ISSUES = 50
NAME_LENGTH = 255
CODE_LENGTH = 100
MOODLE_TEXT_LENGTH = 100  # Moodle cuts idnumbers and short names to this length on import
ENCODINGS = {
    "utf-8": "UTF-8",
    "windows-1252": "Windows-1252 (Western European)",
    "iso-8859-1": "ISO-8859-1 (Latin-1)",
    "utf-16": "UTF-16",
}
DELIMITERS = {",": "Comma", ";": "Semicolon", "\t": "Tab"}


@dataclass(frozen=True)
class ImportIssue:
    message: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column:
            where.append(f"column “{self.column}”")
        prefix = ", ".join(where)
        return (prefix[:1].upper() + prefix[1:] + ": " if where else "") + self.message


class ImportFailed(Exception):
    def __init__(self, issues: list[ImportIssue]):
        self.issues = issues[:MAX_ISSUES]
        self.more = max(0, len(issues) - MAX_ISSUES)
        super().__init__("; ".join(str(issue) for issue in self.issues))


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
    """The scale a file asks for: matched to an existing scale by its level names, or created."""

    name: str
    level_names: list[str]
    proficient_value: int


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


# --- reading bytes ---------------------------------------------------------------------------------


def decode(raw: bytes, encoding: str = "utf-8") -> str:
    if not raw.strip():
        raise ImportFailed([ImportIssue("The file is empty.")])
    if encoding not in ENCODINGS:
        raise ImportFailed([ImportIssue(f"Unknown encoding {encoding!r}.")])
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"  # the byte-order mark says so, whatever was chosen
    if encoding != "utf-16" and b"\x00" in raw:
        raise ImportFailed([ImportIssue("This is not a text file (it contains NUL bytes). Export it as CSV or JSON.")])
    try:
        text = raw.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ImportFailed(
            [ImportIssue(
                f"byte 0x{raw[error.start]:02X} is not valid {ENCODINGS[encoding]}. "
                "Choose the file's encoding (often Windows-1252 for files saved by Excel) and upload it again.",
                line=line,
            )]
        ) from None
    if not text.strip():
        raise ImportFailed([ImportIssue("The file is empty.")])
    if "\x00" in text:
        raise ImportFailed([ImportIssue("This is not a text file (it contains NUL characters).")])
    return text


def separator_hint(text: str, delimiter: str) -> str:
    """A hint when the header looks split by another separator than the one chosen."""
    header = text.split("\n", 1)[0]
    for candidate, name in DELIMITERS.items():
        if candidate != delimiter and header.count(candidate) > header.count(delimiter):
            return f" The header seems to be separated by {name.lower()}s: choose that separator."
    return ""


def csv_rows(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """(first physical line of the record, cells) for every record, header included."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows, start = [], 1
    try:
        for cells in reader:
            rows.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as error:
        raise ImportFailed([ImportIssue(f"the file is not valid CSV ({error}).", line=reader.line_num)]) from None
    return [(line, cells) for line, cells in rows if any(cell.strip() for cell in cells)]


# --- checks shared by every format ------------------------------------------------------------------


def check_tree(nodes: list[NodeSpec], issues: list[ImportIssue], code_column: str, parent_column: str) -> None:
    """Empty or duplicate codes, unknown parents and cycles, each reported with its line."""
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
    # Every node must reach a top-level node by following parents; otherwise it sits in a cycle.
    reported: set[str] = set()
    for node in nodes:
        path: list[str] = []
        current = node
        while current.parent_code is not None and current.code not in path:
            path.append(current.code)
            current = seen[current.parent_code]
        if current.parent_code is not None and current.code not in reported:
            cycle = path[path.index(current.code):]
            reported.update(cycle)
            issues.append(ImportIssue(
                "these competencies are each other's parents, a cycle: " + " → ".join(cycle + [cycle[0]]) + ".",
                seen[cycle[0]].line, parent_column,
            ))


def _fit_name(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= NAME_LENGTH else text[: NAME_LENGTH - 1].rstrip() + "…"


def _framework_code(raw: str, fallback: str) -> str:
    return slugify(raw)[:100] or slugify(fallback)[:100] or "imported-framework"


# --- Proficio CSV ----------------------------------------------------------------------------------

PROFICIO_REQUIRED = ["area_code", "area_name", "code", "name"]
PROFICIO_OPTIONAL = ["area_description", "parent_code", "description", "iso_clauses", "related_codes"]
LEVEL_COLUMN = re.compile(r"^level_(\d+)$")
INDICATOR_BULLET = re.compile(r"^\s*(?:[-•*]\s+)?")


def split_indicators(cell: str) -> list[str]:
    """One indicator per line; a leading bullet is dropped."""
    return [INDICATOR_BULLET.sub("", line).strip() for line in cell.splitlines() if line.strip()]


def read_proficio_csv(text: str, *, delimiter: str = ",", valid_clauses: set[str] | None = None) -> ImportPlan:
    """The levels of the indicator columns are checked against the scale chosen on the confirm page."""
    rows = csv_rows(text, delimiter)
    if not rows:
        raise ImportFailed([ImportIssue("The file is empty.")])
    header_line, header = rows[0]
    header = [cell.strip().lower() for cell in header]
    issues: list[ImportIssue] = []
    missing = [column for column in PROFICIO_REQUIRED if column not in header]
    if missing:
        raise ImportFailed([ImportIssue(
            f"the header lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}. "
            f"Proficio CSV needs {', '.join(PROFICIO_REQUIRED)}." + separator_hint(text, delimiter), header_line,
        )])
    level_columns: dict[int, int] = {}
    warnings = []
    for index, column in enumerate(header):
        match = LEVEL_COLUMN.match(column)
        if match:
            level_columns[int(match.group(1))] = index
        elif column not in PROFICIO_REQUIRED + PROFICIO_OPTIONAL:
            warnings.append(f"The column “{column}” is not part of Proficio CSV and was ignored.")
    column = {name: header.index(name) for name in PROFICIO_REQUIRED + PROFICIO_OPTIONAL if name in header}
    valid_clauses = valid_clauses if valid_clauses is not None else set(IsoClause.objects.values_list("number", flat=True))

    def cell(cells: list[str], name: str) -> str:
        index = column.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    areas: dict[str, NodeSpec] = {}
    nodes: list[NodeSpec] = []
    for order, (line, cells) in enumerate(rows[1:]):
        if len(cells) > len(header):
            issues.append(ImportIssue(f"the row has {len(cells)} cells but the header has {len(header)}.", line))
            continue
        area_code, area_name = cell(cells, "area_code"), cell(cells, "area_name")
        if not area_code:
            issues.append(ImportIssue("the area code is empty.", line, "area_code"))
            continue
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
        clauses = [c for c in re.split(r"[;,\s]+", cell(cells, "iso_clauses")) if c]
        for clause in clauses:
            if clause not in valid_clauses:
                issues.append(ImportIssue(f"{clause} is not an ISO 9001:2015 clause.", line, "iso_clauses"))
        indicators = {
            value: split_indicators(cells[index]) for value, index in level_columns.items() if index < len(cells)
        }
        nodes.append(NodeSpec(
            code=code, name=cell(cells, "name"), parent_code=cell(cells, "parent_code") or area_code, line=line,
            description=cell(cells, "description"), clauses=clauses,
            related=[c for c in re.split(r"[;,\s]+", cell(cells, "related_codes")) if c],
            indicators={value: texts for value, texts in indicators.items() if texts}, order=order, area=area_code,
        ))
    check_tree(nodes, issues, "code", "parent_code")
    if not issues:
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
    if issues:
        raise ImportFailed(issues)
    if not any(node.parent_code for node in nodes):
        raise ImportFailed([ImportIssue("The file has no competencies (no row has a code).")])
    return ImportPlan(source="proficio", name="Imported framework", code="imported-framework", description="",
                      nodes=nodes, warnings=warnings)



# --- Moodle competency framework CSV (tool_lpimportcsv) ---------------------------------------------

#: Moodle's fourteen logical fields in their default column order, with the header labels seen in
#: Moodle releases (old and new wording); a file's columns are matched to them by position unless the
#: user maps them, and the labels only serve to suggest a mapping.
MOODLE_FIELDS: list[tuple[str, str, tuple[str, ...]]] = [
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
MOODLE_REQUIRED = ("idnumber", "shortname", "parentidnumber", "isframework")
#: Per-competency Moodle properties Proficio has no use for but keeps, so an export gives them back.
MOODLE_KEPT = ("descriptionformat", "scalevalues", "scaleconfiguration", "ruletype", "ruleoutcome", "ruleconfig", "exportid")
MOODLE_TAXONOMY_TERMS = {"behaviour", "competency", "concept", "domain", "indicator", "level", "outcome",
                         "practice", "proficiency", "skill", "value"}


def moodle_header(text: str, delimiter: str) -> list[str]:
    rows = csv_rows(text, delimiter)
    if not rows:
        raise ImportFailed([ImportIssue("The file is empty.")])
    return [cell.strip() for cell in rows[0][1]]


def suggest_moodle_mapping(header: list[str]) -> dict[str, int]:
    """Column index per logical field: by header label where one matches, else Moodle's default position."""
    normalised = [" ".join(cell.lower().replace("_", " ").split()) for cell in header]
    mapping: dict[str, int] = {}
    for position, (key, _label, aliases) in enumerate(MOODLE_FIELDS):
        by_label = next((i for i, cell in enumerate(normalised) if cell in aliases), None)
        if by_label is not None:
            mapping[key] = by_label
        else:
            mapping[key] = position if position < len(header) and normalised[position] not in {
                alias for _, _, other in MOODLE_FIELDS for alias in other
            } else -1
    return mapping


def moodle_layout_is_standard(header: list[str]) -> bool:
    """Whether the columns sit where Moodle's importer expects them by default."""
    return len(header) == len(MOODLE_FIELDS) and suggest_moodle_mapping(header) == {
        key: position for position, (key, _label, _aliases) in enumerate(MOODLE_FIELDS)
    }


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes"}


def _moodle_taxonomy(raw: str) -> list[str]:
    raw = raw.strip()
    if raw.startswith("{"):  # the legacy plugin stored a JSON object {"1": "domain", ...}
        try:
            terms = json.loads(raw)
            return [str(terms[key]) for key in sorted(terms, key=lambda k: int(k))]
        except (ValueError, KeyError, TypeError):
            return []
    return [term.strip() for term in raw.split(",") if term.strip()]


def _moodle_proficient(config: str, level_count: int) -> int:
    """The first scale item marked proficient in Moodle's scale configuration (1-based)."""
    try:
        items = json.loads(config) if config.strip() else []
        marked = [int(item["id"]) for item in items[1:] if int(item.get("proficient", 0))]
    except (ValueError, TypeError, KeyError, AttributeError):
        marked = []
    return min(marked) if marked and 1 <= min(marked) <= level_count else level_count


def read_moodle_csv(text: str, *, delimiter: str = ",", mapping: dict[str, int] | None = None) -> ImportPlan:
    rows = csv_rows(text, delimiter)
    if len(rows) < 2:
        raise ImportFailed([ImportIssue("The file has a header but no rows.")])
    header_line, header = rows[0]
    mapping = mapping or suggest_moodle_mapping([cell.strip() for cell in header])
    labels = {key: label for key, label, _ in MOODLE_FIELDS}
    unmapped = [labels[key] for key in MOODLE_REQUIRED if not 0 <= mapping.get(key, -1) < len(header)]
    if unmapped:
        raise ImportFailed([ImportIssue(
            f"the file has {len(header)} column{'s' if len(header) != 1 else ''} and none is mapped to "
            f"{', '.join(unmapped)}. Map the columns below (older Moodle exports have 12 columns in another order)."
            + separator_hint(text, delimiter), header_line,
        )])
    issues: list[ImportIssue] = []

    def value(cells: list[str], key: str) -> str:
        index = mapping.get(key, -1)
        return cells[index] if 0 <= index < len(cells) else ""

    framework_row = None
    nodes: list[NodeSpec] = []
    for order, (line, cells) in enumerate(rows[1:]):
        if len(cells) != len(header):
            issues.append(ImportIssue(f"the row has {len(cells)} cells but the header has {len(header)}.", line))
            continue
        if _truthy(value(cells, "isframework")):
            if framework_row is not None:
                issues.append(ImportIssue(
                    f"a second row is marked as the framework (the first is on line {framework_row[0]}).",
                    line, labels["isframework"],
                ))
            framework_row = (line, cells)
            continue
        code = value(cells, "idnumber").strip()[:MOODLE_TEXT_LENGTH]
        extra = {key: value(cells, key) for key in MOODLE_KEPT if value(cells, key).strip()}
        nodes.append(NodeSpec(
            code=code,
            name=value(cells, "shortname").strip()[:MOODLE_TEXT_LENGTH],
            parent_code=value(cells, "parentidnumber").strip()[:MOODLE_TEXT_LENGTH] or None,
            line=line,
            description=value(cells, "description"),
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
        raise ImportFailed([ImportIssue("the framework row has no scale values.", line, labels["scalevalues"])])
    repeated = [name for name, count in Counter(scale_values).items() if count > 1]
    if repeated:
        raise ImportFailed([ImportIssue(
            f"the scale names the level “{repeated[0]}” twice; each level needs its own name.", line, labels["scalevalues"]
        )])
    framework_name = value(cells, "shortname").strip() or value(cells, "idnumber").strip()
    taxonomy = _moodle_taxonomy(value(cells, "taxonomy"))
    warnings = []
    codes = {node.code for node in nodes}
    unknown_refs = sum(1 for node in nodes for ref in node.related if ref not in codes)
    if unknown_refs:
        warnings.append(f"{unknown_refs} cross-reference(s) name competencies that are not in the file; they were left out.")
    for node in nodes:
        node.related = [ref for ref in node.related if ref in codes]
    if taxonomy and any(term not in MOODLE_TAXONOMY_TERMS for term in taxonomy):
        warnings.append("The taxonomy uses terms Moodle does not know; they are kept as they are.")
    return ImportPlan(
        source="moodle",
        name=framework_name,
        code=_framework_code(value(cells, "idnumber"), framework_name),
        description=value(cells, "description"),
        nodes=nodes,
        scale=ScaleSpec(
            name=f"Competency scale: {framework_name}"[:120],
            level_names=scale_values,
            proficient_value=_moodle_proficient(value(cells, "scaleconfiguration"), len(scale_values)),
        ),
        framework_extra={"moodle": {
            "idnumber": value(cells, "idnumber").strip(),
            "descriptionformat": value(cells, "descriptionformat"),
            "scaleconfiguration": value(cells, "scaleconfiguration"),
            "taxonomy": taxonomy,
        }},
        warnings=warnings,
    )


# --- CASE CFPackage JSON (1.0 and 1.1) -------------------------------------------------------------

UUID_PATTERN = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
#: CFItem properties kept (for a faithful export) beyond those Proficio maps to its own fields.
CASE_KEPT = ("CFItemType", "listEnumeration", "alternativeLabel", "notes", "language", "educationLevel",
             "conceptKeywords")


def _has_nul(value) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _link_identifier(link) -> str | None:
    if isinstance(link, dict):
        identifier = link.get("identifier")
        if isinstance(identifier, str) and identifier:
            return identifier
        uri = link.get("uri")
        if isinstance(uri, str) and uri:
            return uri.rstrip("/").rsplit("/", 1)[-1]
    return None


def read_case_json(text: str) -> ImportPlan:
    try:
        package = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFailed([ImportIssue(f"the file is not valid JSON ({error.msg}, column {error.colno}).",
                                        line=error.lineno)]) from None
    if _has_nul(package):
        raise ImportFailed([ImportIssue("The file contains a NUL character (\\u0000), which no text may hold.")])
    if not isinstance(package, dict) or not isinstance(package.get("CFDocument"), dict):
        raise ImportFailed([ImportIssue("This is not a CASE CFPackage: it has no CFDocument object.")])
    document = package["CFDocument"]
    items = package.get("CFItems") or []
    associations = package.get("CFAssociations") or []
    if not isinstance(items, list) or not isinstance(associations, list):
        raise ImportFailed([ImportIssue("CFItems and CFAssociations must be lists.")])
    issues: list[ImportIssue] = []
    warnings: list[str] = []
    document_id = document.get("identifier")
    if not isinstance(document_id, str) or not document_id:
        issues.append(ImportIssue("The CFDocument has no identifier."))
    title = document.get("title")
    if not isinstance(title, str) or not title.strip():
        issues.append(ImportIssue("The CFDocument has no title."))

    def where(index: int, item: dict) -> str:
        identifier = item.get("identifier") if isinstance(item, dict) else None
        return f"CFItems item {index + 1}" + (f" ({identifier})" if identifier else "")

    nodes_by_id: dict[str, NodeSpec] = {}
    codes: Counter[str] = Counter()
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            issues.append(ImportIssue(f"{where(index, item)} is not an object."))
            continue
        identifier, statement = item.get("identifier"), item.get("fullStatement")
        if not isinstance(identifier, str) or not identifier:
            issues.append(ImportIssue(f"{where(index, item)} has no identifier."))
            continue
        if identifier in nodes_by_id:
            issues.append(ImportIssue(f"{where(index, item)}: the identifier is used twice."))
            continue
        if not isinstance(statement, str) or not statement.strip():
            issues.append(ImportIssue(f"{where(index, item)} has no fullStatement."))
            continue
        short = item.get("abbreviatedStatement")
        name = _fit_name(short if isinstance(short, str) and short.strip() else statement)
        code = item.get("humanCodingScheme") if isinstance(item.get("humanCodingScheme"), str) else ""
        code = code.strip() or identifier
        codes[code] += 1
        extensions = item.get("extensions") if isinstance(item.get("extensions"), dict) else {}
        ours = extensions.get("proficio") if isinstance(extensions.get("proficio"), dict) else {}
        nodes_by_id[identifier] = NodeSpec(
            code=code,
            name=name,
            parent_code=None,
            line=None,
            description="" if statement.strip() == name else statement,
            uuid=identifier.lower() if UUID_PATTERN.match(identifier) else None,
            clauses=[str(c) for c in ours.get("isoClauses", []) if isinstance(c, str)]
            if isinstance(ours.get("isoClauses"), list) else [],
            extra={"case": {k: item[k] for k in CASE_KEPT if k in item} | {"identifier": identifier}},
            order=float(index),
        )
    # Human codes are optional in CASE and need not be unique; a repeated one falls back to the identifier.
    for identifier, node in nodes_by_id.items():
        if codes[node.code] > 1:
            node.code = identifier
    if codes and any(count > 1 for count in codes.values()):
        warnings.append("Some items share a humanCodingScheme; those items are coded by their identifier instead.")

    parents: dict[str, list[tuple[float, int, str]]] = defaultdict(list)
    related: list[tuple[str, str]] = []
    for index, association in enumerate(associations):
        if not isinstance(association, dict):
            issues.append(ImportIssue(f"CFAssociations item {index + 1} is not an object."))
            continue
        kind = association.get("associationType")
        origin = _link_identifier(association.get("originNodeURI"))
        destination = _link_identifier(association.get("destinationNodeURI"))
        if kind == "isChildOf" and origin in nodes_by_id:
            sequence = association.get("sequenceNumber")
            order = float(min(max(sequence, -1e15), 1e15)) if isinstance(sequence, int) and not isinstance(sequence, bool) \
                else float("inf")
            parents[origin].append((order, index, destination or ""))
        elif kind == "isRelatedTo" and origin in nodes_by_id and destination in nodes_by_id:
            related.append((origin, destination))
    several = unresolved = orphans = 0
    for identifier, node in nodes_by_id.items():
        links = sorted(parents.get(identifier, []))
        if not links:
            orphans += 1
            continue
        several += len(links) > 1
        sequence, _, destination = links[0]
        if destination in nodes_by_id:
            node.parent_code = destination  # resolved to codes below, once codes are final
        elif destination != document_id:
            unresolved += 1
        if sequence != float("inf"):
            node.order = sequence  # otherwise file order, as the saved ACT and SmartLevel files need
    for node in nodes_by_id.values():
        if node.parent_code is not None:
            node.parent_code = nodes_by_id[node.parent_code].code
    for origin, destination in related:
        nodes_by_id[origin].related.append(nodes_by_id[destination].code)
    if several:
        warnings.append(f"{several} item(s) have more than one parent; each was placed under its first.")
    if unresolved:
        warnings.append(f"{unresolved} item(s) belong to parents outside this package; they were placed at the top level.")
    if orphans:
        warnings.append(f"{orphans} item(s) had no place in the tree; they were placed at the top level.")
    nodes = list(nodes_by_id.values())
    check_tree(nodes, issues, "humanCodingScheme", "isChildOf")
    _indicators_from_rubrics(package.get("CFRubrics"), nodes_by_id)
    if issues:
        raise ImportFailed(issues)
    if not nodes:
        raise ImportFailed([ImportIssue("The package has no CFItems.")])
    ours = document.get("extensions", {}).get("proficio", {}) if isinstance(document.get("extensions"), dict) else {}
    scale = _case_scale(ours.get("scale") if isinstance(ours, dict) else None, warnings)
    return ImportPlan(
        source="case",
        name=_fit_name(title)[:200],
        code=_framework_code(title, "case-framework"),
        description=document.get("description") if isinstance(document.get("description"), str) else "",
        nodes=nodes,
        scale=scale,
        framework_extra={"case": {k: document[k] for k in ("identifier", "creator", "publisher", "version",
                                                            "adoptionStatus", "language", "frameworkType")
                                  if k in document}},
        warnings=warnings,
    )


def _case_scale(raw, warnings: list[str]) -> ScaleSpec | None:
    """The scale Proficio writes into its own CASE exports; anything malformed is ignored with a warning."""
    if raw is None:
        return None
    levels = raw.get("levels") if isinstance(raw, dict) else None
    proficient = raw.get("proficient") if isinstance(raw, dict) else None
    name = raw.get("name") if isinstance(raw, dict) else None
    if (
        isinstance(name, str) and name.strip() and isinstance(levels, list) and levels
        and all(isinstance(level, str) and level.strip() for level in levels)
        and len(set(levels)) == len(levels) and isinstance(proficient, int) and 1 <= proficient <= len(levels)
    ):
        return ScaleSpec(name.strip()[:120], [level.strip()[:80] for level in levels], proficient)
    warnings.append("The package's Proficio scale description is not usable; choose the scale below.")
    return None


def _indicators_from_rubrics(rubrics, nodes_by_id: dict[str, NodeSpec]) -> None:
    """Behavioural indicators come back from the rubric Proficio writes on export (one criterion per
    competency, one criterion level per proficiency level, one indicator per line)."""
    if not isinstance(rubrics, list):
        return
    for rubric in rubrics:
        for criterion in (rubric.get("CFRubricCriteria") or []) if isinstance(rubric, dict) else []:
            if not isinstance(criterion, dict):
                continue
            node = nodes_by_id.get(_link_identifier(criterion.get("CFItemURI")) or "")
            if node is None:
                continue
            for level in criterion.get("CFRubricCriterionLevels") or []:
                score = level.get("score") if isinstance(level, dict) else None
                if isinstance(score, int | float) and score == score and float(score).is_integer() and 1 <= score <= 100 \
                        and isinstance(level.get("description"), str):
                    node.indicators[int(score)] = split_indicators(level["description"])


# --- writing a plan ---------------------------------------------------------------------------------


def matching_scale(spec: ScaleSpec) -> ProficiencyScale | None:
    """An existing scale with exactly the file's level names, in order (as Moodle matches scales)."""
    wanted = list(spec.level_names)
    levels_by_scale: dict[int, list[str]] = defaultdict(list)
    for scale_id, level_name in ProficiencyLevel.objects.order_by("scale_id", "value").values_list("scale_id", "name"):
        levels_by_scale[scale_id].append(level_name)
    for scale_id, names in levels_by_scale.items():
        if names == wanted:
            return ProficiencyScale.objects.get(pk=scale_id)
    return None


def _create_scale(spec: ScaleSpec) -> ProficiencyScale:
    base = spec.name[:110]  # room for " (n)" within the 120 characters of a scale name
    name, suffix = base, 2
    while ProficiencyScale.objects.filter(name=name).exists():
        name, suffix = f"{base} ({suffix})", suffix + 1
    scale = ProficiencyScale.objects.create(name=name, proficient_value=spec.proficient_value)
    ProficiencyLevel.objects.bulk_create(
        ProficiencyLevel(scale=scale, value=value, name=level_name)
        for value, level_name in enumerate(spec.level_names, start=1)
    )
    return scale


@transaction.atomic
def apply_plan(plan: ImportPlan, *, actor, name: str, code: str, scale: ProficiencyScale | None,
               change_note: str = "") -> FrameworkVersion:
    """Creates the framework and its draft v1 with the whole tree, or nothing at all."""
    from django.core.exceptions import ValidationError

    if scale is None:
        if plan.scale is None:
            raise ValidationError({"scale": "Choose the proficiency scale for this framework."})
        scale = matching_scale(plan.scale) or _create_scale(plan.scale)
    level_values = set(scale.levels.values_list("value", flat=True))
    used = {level for node in plan.nodes for level in node.indicators}
    if used - level_values:
        raise ValidationError({"scale": f"The file has indicators for level {max(used - level_values)}, "
                                        f"which the scale {scale.name} does not have."})
    framework = Framework(name=name, code=code, description=plan.description, scale=scale, owner=actor,
                          source=plan.source, extra=plan.framework_extra)
    framework.full_clean()
    save_unique(framework, "code", "A framework with this code was just created; choose another code.")
    version = FrameworkVersion.objects.create(framework=framework, number=1, created_by=actor, change_note=change_note)

    ordered = plan.ordered()
    positions: dict[str, int] = {}
    sibling_count: Counter[str | None] = Counter()
    for node, _depth in ordered:
        sibling_count[node.parent_code] += 1
        positions[node.code] = sibling_count[node.parent_code]
    by_code = {node.code: node for node in plan.nodes}

    def area_code_of(node: NodeSpec) -> str:
        while node.parent_code is not None:
            node = by_code[node.parent_code]
        return node.code

    def as_uuid(value: str | None) -> uuid.UUID:
        return uuid.UUID(value) if value and UUID_PATTERN.match(value) else uuid.uuid4()

    area_specs = [node for node, depth in ordered if depth == 0]
    areas = bulk_create_with_history(
        [CompetencyArea(version=version, uuid=as_uuid(n.uuid), code=n.code, name=n.name,
                        description=n.description, position=positions[n.code], extra=n.extra)
         for n in area_specs],
        CompetencyArea, default_user=actor,
    )
    area_by_code = {area.code: area for area in areas}
    competency_specs = [node for node, depth in ordered if depth > 0]
    competencies = bulk_create_with_history(
        [Competency(version=version, area=area_by_code[area_code_of(n)], uuid=as_uuid(n.uuid), code=n.code,
                    name=n.name, description=n.description, position=positions[n.code], extra=n.extra)
         for n in competency_specs],
        Competency, default_user=actor,
    )
    competency_by_code = {competency.code: competency for competency in competencies}
    nested = []
    for spec in competency_specs:
        if spec.parent_code in competency_by_code:
            competency_by_code[spec.code].parent = competency_by_code[spec.parent_code]
            nested.append(competency_by_code[spec.code])
    if nested:
        bulk_update_with_history(nested, Competency, ["parent"], default_user=actor)

    bulk_create_with_history(
        [BehaviouralIndicator(competency=competency_by_code[spec.code], level=level, position=position, text=text)
         for spec in competency_specs for level, texts in sorted(spec.indicators.items())
         for position, text in enumerate(texts)],
        BehaviouralIndicator, default_user=actor,
    )
    clause_ids = dict(IsoClause.objects.values_list("number", "pk"))
    ClauseLink = Competency.clauses.through
    ClauseLink.objects.bulk_create(
        ClauseLink(competency_id=competency_by_code[spec.code].pk, isoclause_id=clause_ids[number])
        for spec in competency_specs for number in dict.fromkeys(spec.clauses) if number in clause_ids
    )
    pairs = {
        tuple(sorted((competency_by_code[spec.code].pk, competency_by_code[ref].pk)))
        for spec in competency_specs for ref in spec.related
        if ref in competency_by_code and ref != spec.code
    }
    RelatedLink = Competency.related.through
    RelatedLink.objects.bulk_create(
        [RelatedLink(from_competency_id=a, to_competency_id=b) for a, b in pairs]
        + [RelatedLink(from_competency_id=b, to_competency_id=a) for a, b in pairs]
    )
    return version
