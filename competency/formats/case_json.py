"""CASE CFPackage JSON: read from 1.0 and 1.1 packages, written as 1.1.

Areas and competencies are CFItems linked by isChildOf associations; related competencies by
isRelatedTo; behavioural indicators travel as a rubric (one criterion per competency, one criterion
level per proficiency level). What CASE has no field for (ISO clauses, the scale, exact descriptions)
travels in `extensions.proficio`, so a Proficio export reads back exactly. Identifiers are stable:
the document keeps the identifier it came with, items their UUIDs, and everything else is derived
from those.
"""

from __future__ import annotations

import json
import re
import uuid as uuidlib
from collections import Counter, defaultdict
from datetime import UTC, datetime

from core.trees import natural_key
from core.uploads import ImportFailed, ImportIssue, fail, load_json

from ..models import FrameworkVersion, VersionStatus
from ..selectors import version_tree
from .plan import FRAMEWORK_LIMITS, ImportPlan, NodeSpec, ScaleSpec, check_tree, fit_name, framework_code, split_indicators

UUID_PATTERN = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
#: CFItem properties kept (for a faithful export) beyond those Proficio maps to its own fields.
KEPT = ("CFItemType", "listEnumeration", "alternativeLabel", "notes", "language", "educationLevel", "conceptKeywords")
ADOPTION = {
    VersionStatus.DRAFT: "Draft",
    VersionStatus.IN_REVIEW: "Draft",
    VersionStatus.APPROVED: "Draft",
    VersionStatus.PUBLISHED: "Adopted",
    VersionStatus.RETIRED: "Deprecated",
}


_UNWRITABLE = re.compile("[\x00\ud800-\udfff]")


def _has_nul(value) -> bool:
    """Whether any text holds a NUL or half of a surrogate pair (JSON escapes can write both; no text
    column can store them)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _UNWRITABLE.search(item):
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


def _ours(obj) -> dict:
    """The `extensions.proficio` object Proficio writes, or {}."""
    extensions = obj.get("extensions") if isinstance(obj, dict) else None
    ours = extensions.get("proficio") if isinstance(extensions, dict) else None
    return ours if isinstance(ours, dict) else {}


def read(text: str) -> ImportPlan:
    package = load_json(text, FRAMEWORK_LIMITS)
    if _has_nul(package):
        raise fail("The file contains a NUL character (\\u0000) or half of a surrogate pair (such as \\ud800), "
                   "which no text may hold.")
    if not isinstance(package, dict) or not isinstance(package.get("CFDocument"), dict):
        raise fail("This is not a CASE CFPackage: it has no CFDocument object.")
    document = package["CFDocument"]
    items = package.get("CFItems") or []
    associations = package.get("CFAssociations") or []
    if not isinstance(items, list) or not isinstance(associations, list):
        raise fail("CFItems and CFAssociations must be lists.")
    if len(items) > FRAMEWORK_LIMITS.rows or len(associations) > 10 * FRAMEWORK_LIMITS.rows:
        raise FRAMEWORK_LIMITS.too_many_rows("items")
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
    human_code: dict[str, bool] = {}
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
        name = fit_name(short if isinstance(short, str) and short.strip() else statement)
        code = item.get("humanCodingScheme") if isinstance(item.get("humanCodingScheme"), str) else ""
        human_code[identifier] = bool(code.strip())
        code = code.strip() or identifier
        codes[code] += 1
        ours = _ours(item)
        exact = ours.get("description")
        nodes_by_id[identifier] = NodeSpec(
            code=code,
            name=name,
            parent_code=None,
            line=None,
            description=exact if isinstance(exact, str) else ("" if statement.strip() == name else statement),
            uuid=identifier.lower() if UUID_PATTERN.match(identifier) else None,
            clauses=[str(c) for c in ours.get("isoClauses", []) if isinstance(c, str)]
            if isinstance(ours.get("isoClauses"), list) else [],
            extra={"case": {k: item[k] for k in KEPT if k in item} | {"identifier": identifier}},
            order=float(index),
        )
    # Human codes are optional in CASE and need not be unique; a repeated one falls back to the identifier.
    for identifier, node in nodes_by_id.items():
        if codes[node.code] > 1:
            node.code = identifier
            human_code[identifier] = False
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
    sequenced: set[str] = set()
    for identifier, node in nodes_by_id.items():
        links = sorted(parents.get(identifier, []))
        if not links:
            orphans += 1
            continue
        several += len(links) > 1
        sequence, _, destination = links[0]
        if destination in nodes_by_id:
            node.parent_code = destination  # an identifier for now; resolved to codes below, once codes are final
        elif destination != document_id:
            unresolved += 1
        if sequence != float("inf"):
            node.order = sequence
            sequenced.add(identifier)
    _order_unsequenced_siblings(nodes_by_id, sequenced, human_code)
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
        raise fail("The package has no CFItems.")
    ours = _ours(document)
    scale = _scale(ours.get("scale"), warnings)
    description = ours.get("description") if isinstance(ours.get("description"), str) else document.get("description")
    return ImportPlan(
        source="case",
        name=fit_name(title)[:200],
        code=_safe_code(ours.get("frameworkCode"), title),
        description=description if isinstance(description, str) else "",
        nodes=nodes,
        scale=scale,
        framework_extra={"case": {k: document[k] for k in ("identifier", "creator", "publisher", "version",
                                                            "adoptionStatus", "language", "frameworkType")
                                  if k in document}},
        warnings=warnings,
        uuid=document_id.lower() if isinstance(document_id, str) and UUID_PATTERN.match(document_id) else None,
    )


def _safe_code(code, title: str) -> str:
    return framework_code(code if isinstance(code, str) and code else title, "case-framework")


def _order_unsequenced_siblings(nodes_by_id: dict[str, NodeSpec], sequenced: set[str], human_code: dict[str, bool]) -> None:
    """Siblings that the file gives no sequence numbers are shown in natural order of their codes
    (L1.2 before L1.10), as people read them, when every one of them has a code; otherwise in file order."""
    siblings: dict[str | None, list[str]] = defaultdict(list)
    for identifier, node in nodes_by_id.items():
        siblings[node.parent_code].append(identifier)
    for group in siblings.values():
        if any(identifier in sequenced for identifier in group) or not all(human_code.get(i) for i in group):
            continue
        for rank, identifier in enumerate(sorted(group, key=lambda i: natural_key(nodes_by_id[i].code))):
            nodes_by_id[identifier].order = float(rank)


def _scale(raw, warnings: list[str]) -> ScaleSpec | None:
    """The scale Proficio writes into its own CASE exports; anything malformed is ignored with a warning."""
    if raw is None:
        return None
    levels = raw.get("levels") if isinstance(raw, dict) else None
    proficient = raw.get("proficient") if isinstance(raw, dict) else None
    name = raw.get("name") if isinstance(raw, dict) else None
    descriptions = raw.get("levelDescriptions") if isinstance(raw, dict) else None
    if (
        isinstance(name, str) and name.strip() and isinstance(levels, list) and levels
        and all(isinstance(level, str) and level.strip() for level in levels)
        and len(set(levels)) == len(levels) and isinstance(proficient, int) and not isinstance(proficient, bool)
        and 1 <= proficient <= len(levels)
    ):
        if not (isinstance(descriptions, list) and all(isinstance(d, str) for d in descriptions)):
            descriptions = []
        description = raw.get("description") if isinstance(raw.get("description"), str) else ""
        return ScaleSpec(name.strip()[:120], [level.strip()[:80] for level in levels], proficient,
                         description=description, level_descriptions=descriptions[:len(levels)])
    warnings.append("The package's Proficio scale description is not usable; choose the scale below.")
    return None


def _indicators_from_rubrics(rubrics, nodes_by_id: dict[str, NodeSpec]) -> None:
    """Behavioural indicators come back from the rubric Proficio writes on export (one criterion per
    competency, one criterion level per proficiency level, one indicator per line)."""
    if not isinstance(rubrics, list):
        return
    for rubric in rubrics:
        criteria = rubric.get("CFRubricCriteria") if isinstance(rubric, dict) else None
        for criterion in criteria if isinstance(criteria, list) else []:
            if not isinstance(criterion, dict):
                continue
            node = nodes_by_id.get(_link_identifier(criterion.get("CFItemURI")) or "")
            levels = criterion.get("CFRubricCriterionLevels")
            if node is None or not isinstance(levels, list):
                continue
            for level in levels:
                score = level.get("score") if isinstance(level, dict) else None
                if _level_value(score) is not None and isinstance(level.get("description"), str):
                    node.indicators[_level_value(score)] = split_indicators(level["description"])


def _level_value(score) -> int | None:
    """A rubric score that names a level, 1 to 100 (compared before any conversion: 10**400 is a number)."""
    if isinstance(score, bool):
        return None
    if isinstance(score, int):
        return score if 1 <= score <= 100 else None
    if isinstance(score, float) and score == score and 1 <= score <= 100 and score.is_integer():
        return int(score)
    return None


# --- writing --------------------------------------------------------------------------------------


def _timestamp(moment: datetime | None) -> str:
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def document_identifier(framework) -> str:
    """The framework's CASE identity: the one it was imported with, else its own UUID. The same in every export."""
    imported = framework.extra.get("case", {}).get("identifier") if isinstance(framework.extra, dict) else None
    return imported if isinstance(imported, str) and imported else str(framework.uuid)


def package(version: FrameworkVersion, *, base_uri: str) -> dict:
    tree = version_tree(version)
    framework = version.framework
    scale = framework.scale
    changed = _timestamp(version.approved_at or version.created_at)
    base = base_uri.rstrip("/") + "/ims/case/v1p1"
    doc_id = document_identifier(framework)
    namespace = uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"proficio:{doc_id}") if not UUID_PATTERN.match(doc_id) \
        else uuidlib.UUID(doc_id)

    def derived(*parts: object) -> str:
        """Stable identifiers for things Proficio has no UUID of its own for (associations, rubric parts)."""
        return str(uuidlib.uuid5(namespace, ":".join(str(p) for p in (version.number, *parts))))

    def link(kind: str, identifier: str, title: str) -> dict:
        return {"title": title[:500], "identifier": identifier, "uri": f"{base}/{kind}/{identifier}"}

    document = {
        "identifier": doc_id,
        "uri": f"{base}/CFDocuments/{doc_id}",
        "creator": framework.extra.get("case", {}).get("creator") or "Proficio",
        "title": framework.name,
        "lastChangeDateTime": changed,
        "description": framework.description,
        "version": str(version.number),
        "adoptionStatus": ADOPTION[version.status],
        "caseVersion": "1.1",
        "extensions": {"proficio": {
            "scale": {"name": scale.name, "description": scale.description,
                      "levels": [level.name for level in tree.levels],
                      "levelDescriptions": [level.description for level in tree.levels],
                      "proficient": scale.proficient_value},
            "frameworkCode": framework.code,
            "description": framework.description,
        }},
    }
    if version.effective_date:
        document["statusStartDate"] = version.effective_date.isoformat()
    items, associations, criteria = [], [], []
    doc_link = link("CFDocuments", doc_id, framework.name)
    uuid_by_code: dict[str, str] = {}
    for area_position, area_node in enumerate(tree.areas, start=1):
        area = area_node.area
        uuid_by_code[area.code] = str(area.uuid)
        for node in area_node.nodes:
            uuid_by_code[node.competency.code] = str(node.competency.uuid)
        items.append({
            "identifier": str(area.uuid), "uri": f"{base}/CFItems/{area.uuid}",
            "fullStatement": area.description or area.name, "abbreviatedStatement": area.name,
            "humanCodingScheme": area.code, "CFItemType": "Competency area", "lastChangeDateTime": changed,
            "extensions": {"proficio": {"description": area.description}},
        })
        associations.append(_child_of(derived("child", area.code), link("CFItems", str(area.uuid), area.name),
                                      doc_link, area_position, changed, base))
    pk_to_code = {node.competency.pk: node.competency.code for a in tree.areas for node in a.nodes}
    pk_to_name = {node.competency.pk: node.competency.name for a in tree.areas for node in a.nodes}
    for area_node in tree.areas:
        area = area_node.area
        for node in area_node.nodes:
            competency = node.competency
            identifier = str(competency.uuid)
            ours: dict = {"description": competency.description}
            if node.clauses:
                ours["isoClauses"] = [clause.number for clause in node.clauses]
            items.append({
                "identifier": identifier, "uri": f"{base}/CFItems/{identifier}",
                "fullStatement": competency.description or competency.name,
                "abbreviatedStatement": competency.name, "humanCodingScheme": competency.code,
                "CFItemType": "Competency", "lastChangeDateTime": changed, "extensions": {"proficio": ours},
            })
            parent_code = pk_to_code.get(competency.parent_id, area.code)
            parent_title = pk_to_name.get(competency.parent_id, area.name)
            associations.append(_child_of(
                derived("child", competency.code), link("CFItems", identifier, competency.name),
                link("CFItems", uuid_by_code[parent_code], parent_title), competency.position, changed, base,
            ))
            for other in node.related:
                if competency.code < other:  # one association per related pair
                    association_id = derived("related", competency.code, other)
                    associations.append({
                        "identifier": association_id, "uri": f"{base}/CFAssociations/{association_id}",
                        "associationType": "isRelatedTo", "lastChangeDateTime": changed,
                        "originNodeURI": link("CFItems", identifier, competency.name),
                        "destinationNodeURI": link("CFItems", uuid_by_code[other], other),
                    })
            if any(node.indicators.values()):
                criterion_id = derived("criterion", competency.code)
                criteria.append({
                    "identifier": criterion_id, "uri": f"{base}/CFRubricCriteria/{criterion_id}",
                    "description": competency.name, "CFItemURI": link("CFItems", identifier, competency.name),
                    "position": len(criteria) + 1, "rubricId": derived("rubric"), "lastChangeDateTime": changed,
                    "CFRubricCriterionLevels": [
                        {
                            "identifier": derived("level", competency.code, level.value),
                            "uri": f"{base}/CFRubricCriterionLevels/{derived('level', competency.code, level.value)}",
                            "quality": level.name, "score": level.value, "position": level.value,
                            "description": "\n".join(node.indicators.get(level.value, [])),
                            "rubricCriterionId": criterion_id, "lastChangeDateTime": changed,
                        }
                        for level in tree.levels if node.indicators.get(level.value)
                    ],
                })
    result = {"CFDocument": document, "CFItems": items, "CFAssociations": associations}
    if criteria:
        rubric_id = derived("rubric")
        result["CFRubrics"] = [{
            "identifier": rubric_id, "uri": f"{base}/CFRubrics/{rubric_id}",
            "title": f"Behavioural indicators of {framework.name} v{version.number}",
            "description": "One criterion per competency; each level lists the behaviours that show it.",
            "lastChangeDateTime": changed, "CFRubricCriteria": criteria,
        }]
    return result


def _child_of(identifier: str, child: dict, parent: dict, sequence: int, changed: str, base: str) -> dict:
    return {
        "identifier": identifier, "uri": f"{base}/CFAssociations/{identifier}", "associationType": "isChildOf",
        "sequenceNumber": sequence, "lastChangeDateTime": changed, "originNodeURI": child,
        "destinationNodeURI": parent,
    }


def write(version: FrameworkVersion, *, base_uri: str) -> str:
    return json.dumps(package(version, base_uri=base_uri), ensure_ascii=False, indent=2)
