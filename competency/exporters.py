"""Writing a framework version as Proficio CSV, Moodle competency framework CSV or CASE 1.1 JSON.

Each exporter is a pure function of the version's tree (see selectors.version_tree), so an export
costs a fixed number of queries whatever the framework's size.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from django.utils.text import slugify

from .models import FrameworkVersion, VersionStatus
from .selectors import VersionTree, version_tree

CASE_ADOPTION = {
    VersionStatus.DRAFT: "Draft",
    VersionStatus.IN_REVIEW: "Draft",
    VersionStatus.APPROVED: "Draft",
    VersionStatus.PUBLISHED: "Adopted",
    VersionStatus.RETIRED: "Deprecated",
}


def export_filename(version: FrameworkVersion, extension: str) -> str:
    return f"{slugify(version.framework.code) or 'framework'}-v{version.number}.{extension}"


def _csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(rows)
    return buffer.getvalue()


# --- Proficio CSV ----------------------------------------------------------------------------------


def proficio_csv(version: FrameworkVersion) -> str:
    tree = version_tree(version)
    parents = {node.competency.pk: node.competency.code for area in tree.areas for node in area.nodes}
    header = ["area_code", "area_name", "area_description", "code", "name", "parent_code", "description",
              "iso_clauses", "related_codes"] + [f"level_{level.value}" for level in tree.levels]
    rows = [header]
    for area_node in tree.areas:
        area = area_node.area
        if not area_node.nodes:
            rows.append([area.code, area.name, area.description, "", "", "", "", "", ""] + [""] * len(tree.levels))
        for node in area_node.nodes:
            competency = node.competency
            rows.append(
                [area.code, area.name, area.description, competency.code, competency.name,
                 parents.get(competency.parent_id, ""), competency.description,
                 "; ".join(clause.number for clause in node.clauses), "; ".join(node.related)]
                + ["\n".join(node.indicators.get(level.value, [])) for level in tree.levels]
            )
    return _csv_text(rows)


# --- Moodle CSV ------------------------------------------------------------------------------------

MOODLE_HEADER = [
    "Parent ID number", "ID number", "Short name", "Description", "Description format", "Scale values",
    "Scale configuration", "Rule type (optional)", "Rule outcome (optional)", "Rule config (optional)",
    "Cross-referenced competency ID numbers", "Exported ID (optional)", "Is framework", "Taxonomy",
]


def _moodle_scale_configuration(tree: VersionTree) -> str:
    scale = tree.version.framework.scale
    items: list[dict] = [{"scaleid": str(scale.pk)}]
    first = True
    for index, level in enumerate(tree.levels, start=1):
        if level.value >= scale.proficient_value:
            items.append({"id": index, "scaledefault": 1 if first else 0, "proficient": 1})
            first = False
    return json.dumps(items, separators=(",", ":"))


def moodle_csv(version: FrameworkVersion) -> str:
    """Moodle's 14 columns; areas become top-level competencies, so Moodle sees the same tree."""
    tree = version_tree(version)
    framework = version.framework
    kept = framework.extra.get("moodle", {})
    depth = max((node.depth + 2 for area in tree.areas for node in area.nodes), default=1)
    taxonomy = kept.get("taxonomy") or []
    taxonomy = (taxonomy + ["competency"] * depth)[:max(depth, len(taxonomy))]
    rows = [MOODLE_HEADER, [
        "", kept.get("idnumber") or framework.code, framework.name, framework.description,
        kept.get("descriptionformat") or "1", ",".join(level.name for level in tree.levels),
        _moodle_scale_configuration(tree), "", "", "", "", "", "1", ",".join(taxonomy),
    ]]
    codes = {node.competency.pk: node.competency.code for area in tree.areas for node in area.nodes}

    def escape(code: str) -> str:
        return code.replace(",", "%2C")

    for area_node in tree.areas:
        area = area_node.area
        moodle = area.extra.get("moodle", {})
        rows.append(["", area.code, area.name, area.description, moodle.get("descriptionformat", "1"),
                     moodle.get("scalevalues", ""), moodle.get("scaleconfiguration", ""), moodle.get("ruletype", ""),
                     moodle.get("ruleoutcome", "0"), moodle.get("ruleconfig", "null"), "",
                     moodle.get("exportid", ""), "", ""])
        for node in area_node.nodes:
            competency = node.competency
            moodle = competency.extra.get("moodle", {})
            rows.append([
                codes.get(competency.parent_id, area.code), competency.code, competency.name,
                competency.description, moodle.get("descriptionformat", "1"), moodle.get("scalevalues", ""),
                moodle.get("scaleconfiguration", ""), moodle.get("ruletype", ""), moodle.get("ruleoutcome", "0"),
                moodle.get("ruleconfig", "null"), ",".join(escape(code) for code in node.related),
                moodle.get("exportid", str(competency.pk)), "", "",
            ])
    return _csv_text(rows)


# --- CASE 1.1 CFPackage JSON -----------------------------------------------------------------------


def _timestamp(moment: datetime | None) -> str:
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def case_package(version: FrameworkVersion, *, base_uri: str) -> dict:
    """A CASE 1.1 CFPackage: items for areas and competencies, isChildOf/isRelatedTo associations, and
    the behavioural indicators as a rubric (one criterion per competency, one level per scale level)."""
    import uuid as uuidlib

    tree = version_tree(version)
    framework = version.framework
    changed = _timestamp(version.approved_at or version.created_at)
    base = base_uri.rstrip("/") + "/ims/case/v1p1"
    namespace = framework.uuid

    def derived(*parts: object) -> str:
        """Stable identifiers for things Proficio has no UUID of its own for (associations, rubric parts)."""
        return str(uuidlib.uuid5(namespace, ":".join(str(p) for p in (version.number, *parts))))

    def link(kind: str, identifier: str, title: str) -> dict:
        return {"title": title[:500], "identifier": identifier, "uri": f"{base}/{kind}/{identifier}"}

    doc_id = str(framework.uuid)
    document = {
        "identifier": doc_id,
        "uri": f"{base}/CFDocuments/{doc_id}",
        "creator": framework.extra.get("case", {}).get("creator") or "Proficio",
        "title": framework.name,
        "lastChangeDateTime": changed,
        "description": framework.description,
        "version": str(version.number),
        "adoptionStatus": CASE_ADOPTION[version.status],
        "caseVersion": "1.1",
        "extensions": {"proficio": {
            "scale": {"name": framework.scale.name, "levels": [level.name for level in tree.levels],
                      "proficient": framework.scale.proficient_value},
            "frameworkCode": framework.code,
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
            item = {
                "identifier": identifier, "uri": f"{base}/CFItems/{identifier}",
                "fullStatement": competency.description or competency.name,
                "abbreviatedStatement": competency.name, "humanCodingScheme": competency.code,
                "CFItemType": "Competency", "lastChangeDateTime": changed,
            }
            if node.clauses:
                item["extensions"] = {"proficio": {"isoClauses": [clause.number for clause in node.clauses]}}
            items.append(item)
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
    package = {"CFDocument": document, "CFItems": items, "CFAssociations": associations}
    if criteria:
        rubric_id = derived("rubric")
        package["CFRubrics"] = [{
            "identifier": rubric_id, "uri": f"{base}/CFRubrics/{rubric_id}",
            "title": f"Behavioural indicators of {framework.name} v{version.number}",
            "description": "One criterion per competency; each level lists the behaviours that show it.",
            "lastChangeDateTime": changed, "CFRubricCriteria": criteria,
        }]
    return package


def _child_of(identifier: str, child: dict, parent: dict, sequence: int, changed: str, base: str) -> dict:
    return {
        "identifier": identifier, "uri": f"{base}/CFAssociations/{identifier}", "associationType": "isChildOf",
        "sequenceNumber": sequence, "lastChangeDateTime": changed, "originNodeURI": child,
        "destinationNodeURI": parent,
    }


def case_json(version: FrameworkVersion, *, base_uri: str) -> str:
    return json.dumps(case_package(version, base_uri=base_uri), ensure_ascii=False, indent=2)
