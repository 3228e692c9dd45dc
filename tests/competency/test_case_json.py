"""CASE JSON: odd and hostile packages, and exports that read back exactly, with stable identifiers."""

from __future__ import annotations

import json

import pytest

from competency import services
from competency.formats import case_json
from competency.models import Framework
from core.uploads import ImportFailed
from tests.helpers import build_framework, fixture_bytes

pytestmark = pytest.mark.django_db


def case_package(document_extra: dict | None = None, item_extra: dict | None = None, sequence=1) -> str:
    doc = {"identifier": "d0000000-0000-0000-0000-000000000000", "uri": "x", "title": "T", "creator": "c",
           "lastChangeDateTime": "2020-01-01T00:00:00+00:00", **(document_extra or {})}
    item = {"identifier": "00000000-0000-0000-0000-000000000001", "uri": "y", "fullStatement": "Item",
            "lastChangeDateTime": "2020-01-01T00:00:00+00:00", **(item_extra or {})}
    association = {"identifier": "a", "uri": "z", "associationType": "isChildOf", "sequenceNumber": sequence,
                   "originNodeURI": {"identifier": item["identifier"]}, "destinationNodeURI": {"identifier": doc["identifier"]},
                   "lastChangeDateTime": "2020-01-01T00:00:00+00:00"}
    return json.dumps({"CFDocument": doc, "CFItems": [item], "CFAssociations": [association]})


@pytest.mark.parametrize("scale", [
    pytest.param({"name": "S", "levels": ["a", "a"], "proficient": 1}, id="scale with a repeated level"),
    pytest.param({"name": "S", "levels": ["a", "b"], "proficient": "high"}, id="proficient not a number"),
    pytest.param({"name": "S", "levels": ["a", "b"], "proficient": 10}, id="proficient off the scale"),
])
def test_a_malformed_proficio_scale_in_a_case_file_is_ignored_with_a_warning(scale):
    plan = case_json.read(case_package({"extensions": {"proficio": {"scale": scale}}}))
    assert plan.scale is None
    assert any("scale description is not usable" in warning for warning in plan.warnings)


def test_odd_values_in_case_items_do_not_break_the_import(hr, scale):
    package = case_package(item_extra={"extensions": {"proficio": {"isoClauses": 7}}}, sequence=10**400)
    plan = case_json.read(package)
    assert plan.nodes[0].clauses == []
    version = services.framework_import_apply(plan, actor=hr, name="T", code="t", scale=scale)
    assert version.areas.count() == 1
    with_nan = json.loads(case_package())
    with_nan["CFRubrics"] = [{"CFRubricCriteria": [{"CFItemURI": {"identifier": "00000000-0000-0000-0000-000000000001"},
                                                    "CFRubricCriterionLevels": [{"score": float("nan"), "description": "x"}]}]}]
    assert case_json.read(json.dumps(with_nan)).nodes[0].indicators == {}


def test_a_nul_escape_in_case_json_is_refused():
    with pytest.raises(ImportFailed, match="NUL character"):
        case_json.read(case_package(item_extra={"fullStatement": "Item\\u0000"}).replace("\\\\u0000", "\\u0000"))


def test_a_package_nested_10000_deep_is_refused_with_a_message_not_a_crash():
    deep = '{"CFDocument": ' + "[" * 10_000 + "]" * 10_000 + "}"
    with pytest.raises(ImportFailed, match="nests 10,001 levels deep"):
        case_json.read(deep)


def test_a_number_of_a_million_digits_is_refused_with_a_message():
    with pytest.raises(ImportFailed, match="not JSON Proficio can read"):
        case_json.read('{"CFDocument": {"identifier": "x", "title": "T", "version": ' + "9" * 1_000_000 + "}}")


def test_items_without_sequence_numbers_are_shown_in_natural_order_of_their_codes(hr, scale):
    """The ACT file lists L1.1, L1.10 … L1.19, L1.2: people expect L1.1, L1.2 … L1.10."""
    plan = case_json.read(fixture_bytes("case-opensalt-act-holistic-math.json").decode())
    children = [node.code.rsplit(".", 1)[-1] for node, _depth in plan.ordered()
                if node.code.startswith("H.A.MATH.GM.PF.2DFP.L1.")]
    assert children == [str(number) for number in range(1, 25)]
    version = services.framework_import_apply(plan, actor=hr, name="ACT", code="act", scale=scale)
    parent = version.competencies.get(code="H.A.MATH.GM.PF.2DFP.L1")
    assert list(parent.children.order_by("position").values_list("code", flat=True))[:3] == [
        "H.A.MATH.GM.PF.2DFP.L1.1", "H.A.MATH.GM.PF.2DFP.L1.2", "H.A.MATH.GM.PF.2DFP.L1.3"]


def test_an_export_keeps_descriptions_equal_to_the_name_and_double_spaces(draft, hr):
    area = services.area_create(version=draft, code="A", name="Area  with two spaces", description="Area  with two spaces")
    services.competency_create(area=area, code="A-1", name="Same  as its description", description="Same  as its description")
    services.competency_create(area=area, code="A-2", name="No description")
    again = case_json.read(case_json.write(draft, base_uri="https://proficio.example"))
    by_code = {node.code: node for node in again.nodes}
    assert (by_code["A"].name, by_code["A"].description) == ("Area  with two spaces", "Area  with two spaces")
    assert (by_code["A-1"].name, by_code["A-1"].description) == ("Same  as its description", "Same  as its description")
    assert by_code["A-2"].description == ""


def test_the_document_identifier_is_the_same_in_every_export_and_after_a_round_trip(draft, hr, scale):
    build_framework(draft, areas=1, per_area=2)
    first = case_json.package(draft, base_uri="https://proficio.example")
    second = case_json.package(draft, base_uri="https://proficio.example")
    assert first["CFDocument"]["identifier"] == second["CFDocument"]["identifier"] == str(draft.framework.uuid)
    assert first == second
    copy = services.framework_import_apply(case_json.read(json.dumps(first)), actor=hr, name="Copy", code="copy",
                                           scale=None)
    again = case_json.package(copy, base_uri="https://proficio.example")
    assert again["CFDocument"]["identifier"] == first["CFDocument"]["identifier"]
    assert {item["identifier"] for item in again["CFItems"]} == {item["identifier"] for item in first["CFItems"]}


def test_an_imported_case_document_keeps_its_identifier(hr, scale):
    package = json.loads(fixture_bytes("case-opensalt-smartlevel.json"))
    version = services.framework_import_apply(case_json.read(json.dumps(package)), actor=hr, name="Smart",
                                              code="smart", scale=scale)
    exported = case_json.package(version, base_uri="https://proficio.example")
    assert exported["CFDocument"]["identifier"] == package["CFDocument"]["identifier"]
    assert Framework.objects.get().uuid.hex == package["CFDocument"]["identifier"].replace("-", "").lower()


def test_the_scale_travels_with_its_descriptions(draft, hr):
    build_framework(draft, areas=1, per_area=1)
    plan = case_json.read(case_json.write(draft, base_uri="https://proficio.example"))
    assert plan.scale.name == "Proficio 1-5" and plan.scale.proficient_value == 3
    assert plan.scale.level_descriptions[2].startswith("Applies it independently")


@pytest.mark.parametrize("rubrics", [
    pytest.param([{"CFRubricCriteria": 5}], id="criteria not a list"),
    pytest.param([{"CFRubricCriteria": [{"CFItemURI": {"identifier": "00000000-0000-0000-0000-000000000001"},
                                         "CFRubricCriterionLevels": 7}]}], id="levels not a list"),
    pytest.param([{"CFRubricCriteria": [{"CFItemURI": {"identifier": "00000000-0000-0000-0000-000000000001"},
                                         "CFRubricCriterionLevels": [{"score": 10**400, "description": "x"}]}]}],
                 id="a score of 400 digits"),
])
def test_odd_rubrics_are_ignored_not_a_crash(rubrics):
    package = json.loads(case_package())
    package["CFRubrics"] = rubrics
    assert case_json.read(json.dumps(package)).nodes[0].indicators == {}


def test_half_of_a_surrogate_pair_is_refused_like_a_nul():
    with pytest.raises(ImportFailed, match="half of a surrogate pair"):
        case_json.read(case_package(item_extra={"fullStatement": "Item \\ud800"}).replace("\\\\ud800", "\\ud800"))


def test_codes_with_digits_other_than_0_to_9_sort_without_a_crash(hr, scale):
    package = json.loads(case_package(item_extra={"humanCodingScheme": "1²"}))
    package["CFItems"].append({**package["CFItems"][0], "identifier": "00000000-0000-0000-0000-000000000002",
                               "humanCodingScheme": "1" + "9" * 90})
    package["CFAssociations"].append({**package["CFAssociations"][0], "identifier": "b",
                                      "originNodeURI": {"identifier": "00000000-0000-0000-0000-000000000002"}})
    del package["CFAssociations"][0]["sequenceNumber"], package["CFAssociations"][1]["sequenceNumber"]
    plan = case_json.read(json.dumps(package))
    # "1²" starts with the number 1; a run of 91 digits is too long to be a number and sorts as text.
    assert [node.code for node, _depth in plan.ordered()] == ["1²", "1" + "9" * 90]
