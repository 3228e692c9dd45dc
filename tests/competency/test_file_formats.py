"""Real files from Moodle and CASE servers import into the right tree, and exports import back the same.

The formats one by one are tested in test_proficio_csv.py, test_moodle_csv.py and test_case_json.py."""

from __future__ import annotations

import csv
import io
import json

import jsonschema
import pytest

from competency import services
from competency.formats import FRAMEWORK_LIMITS, case_json, moodle_csv, proficio_csv
from competency.models import Competency, CompetencyArea, Framework, ProficiencyScale
from core.uploads import ImportFailed, decode
from tests.conftest import interop
from tests.helpers import build_framework, fixture_bytes

pytestmark = pytest.mark.django_db

CASE_FIXTURES = {
    # file: (items, areas, maximum depth below the top level)
    "case-opensalt-act-holistic-math.json": (28, 1, 4),
    "case-opensalt-smartlevel.json": (14, 2, 1),
    "case-opensalt-utf8.json": (1, 1, 0),
}


def moodle_tree(text: str) -> dict[str, str]:
    """idnumber → parent idnumber for every competency row of a Moodle CSV."""
    rows = list(csv.reader(io.StringIO(text)))
    header = [h.lower() for h in rows[0]]
    framework_column = next(i for i, h in enumerate(header) if "framework" in h)
    return {row[1]: row[0] for row in rows[1:] if row[framework_column] not in {"1", "true"}}


def imported_tree(version) -> dict[str, str]:
    """code → parent code (empty for areas) of an imported version."""
    tree = {area.code: "" for area in version.areas.all()}
    for competency in version.competencies.select_related("parent", "area"):
        tree[competency.code] = competency.parent.code if competency.parent_id else competency.area.code
    return tree


def read_fixture(name: str) -> str:
    return decode(fixture_bytes(name), "utf-8", FRAMEWORK_LIMITS)


def import_file(text: str, reader, hr, *, code: str, scale=None, **options):
    plan = reader(text, **options)
    return services.framework_import_apply(plan, actor=hr, name=plan.name, code=code, scale=scale)


def test_the_oecd_moodle_file_yields_all_64_competencies_in_the_right_tree(hr):
    text = read_fixture("moodle-lpimportcsv-example-oecd.csv")
    version = import_file(text, moodle_csv.read, hr, code="oecd")
    assert version.areas.count() + version.competencies.count() == 64
    assert imported_tree(version) == moodle_tree(text)
    assert version.competencies.filter(parent__isnull=False).count() == 54  # depth 2 and 3 kept, not flattened
    level_one = version.competencies.get(code="level-1")
    assert level_one.related.count() == 39
    scale = version.framework.scale
    assert list(scale.levels.values_list("name", flat=True)) == ["Not yet competent", "Competent"]
    assert scale.proficient_value == 2
    description = version.competencies.get(code="delivery").description
    assert description == next(r[3] for r in csv.reader(io.StringIO(text)) if r[1] == "delivery")


def test_the_legacy_pharmacy_file_needs_its_columns_mapped_then_imports_all_209(hr):
    text = read_fixture("moodle-lpimportcsv-legacy-pharmacy.csv")
    header = moodle_csv.header(text, ",")
    assert not moodle_csv.layout_is_standard(header)
    positional = {key: i for i, (key, _l, _a) in enumerate(moodle_csv.FIELDS)}
    with pytest.raises(ImportFailed, match="none is mapped to Is framework"):
        moodle_csv.read(text, mapping=positional)
    mapping = moodle_csv.suggest_mapping(header)
    assert mapping["isframework"] == 10 and mapping["taxonomy"] == 11 and mapping["relatedidnumbers"] == -1
    version = import_file(text, moodle_csv.read, hr, code="pharmacy", mapping=mapping)
    assert version.areas.count() == 6
    assert version.areas.count() + version.competencies.count() == 209
    assert imported_tree(version) == moodle_tree(text)
    assert version.framework.extra["moodle"]["taxonomy"][:3] == ["domain", "competency", "behaviour"]


@pytest.mark.parametrize("name", CASE_FIXTURES)
def test_the_case_fixtures_import_with_their_tree(name, hr, scale):
    package = json.loads(fixture_bytes(name))
    items, areas, depth = CASE_FIXTURES[name]
    version = import_file(read_fixture(name), case_json.read, hr, code="case", scale=scale)
    assert version.areas.count() + version.competencies.count() == items == len(package["CFItems"])
    assert version.areas.count() == areas
    plan = case_json.read(read_fixture(name))
    assert plan.depth == depth
    by_id = {item["identifier"]: item for item in package["CFItems"]}
    for association in package["CFAssociations"]:
        child = by_id[association["originNodeURI"]["identifier"]]
        code = child.get("humanCodingScheme") or child["identifier"]
        parent = by_id.get(association["destinationNodeURI"]["identifier"])
        node = version.competencies.filter(code=code).select_related("parent", "area").first()
        if parent is None:
            assert version.areas.filter(code=code).exists()
        else:
            parent_code = parent.get("humanCodingScheme") or parent["identifier"]
            assert (node.parent.code if node.parent_id else node.area.code) == parent_code


def test_four_byte_utf8_survives_import_and_export(hr, scale):
    version = import_file(read_fixture("case-opensalt-utf8.json"), case_json.read, hr,
                          code="utf8", scale=scale)
    assert version.framework.name == "UTF8 𝑑 Test"
    assert version.areas.get().name == "Item 𝑑 1"
    assert "𝑑" in case_json.write(version, base_uri="https://proficio.example")
    assert "𝑑" in moodle_csv.write(version)


def test_a_moodle_export_of_an_imported_framework_reimports_with_the_same_tree(hr):
    text = read_fixture("moodle-lpimportcsv-example-oecd.csv")
    first = import_file(text, moodle_csv.read, hr, code="oecd")
    exported = moodle_csv.write(first)
    assert exported.splitlines()[0].split(",")[:3] == ["Parent ID number", "ID number", "Short name"]
    assert moodle_tree(exported) == moodle_tree(text)
    second = import_file(exported, moodle_csv.read, hr, code="oecd-again")
    assert imported_tree(second) == imported_tree(first)
    assert second.framework.scale == first.framework.scale  # matched by its level names, not duplicated
    assert second.competencies.get(code="level-1").related.count() == 39
    rows = {row[1]: row for row in csv.reader(io.StringIO(exported))}
    assert rows["OECD-CORE"][12] == "1" and rows["OECD-CORE"][5] == "Not yet competent,Competent"


def test_a_native_framework_round_trips_through_proficio_csv(draft, hr, scale):
    build_framework(draft, areas=2, per_area=3)
    exported = proficio_csv.write(draft)
    plan = proficio_csv.read(exported)
    copy = services.framework_import_apply(plan, actor=hr, name="Copy", code="copy", scale=scale)
    assert imported_tree(copy) == imported_tree(draft)
    original = draft.competencies.get(code="A1-02")
    again = copy.competencies.get(code="A1-02")
    assert list(again.indicators.values_list("level", "text")) == list(original.indicators.values_list("level", "text"))
    assert list(again.clauses.values_list("number", flat=True)) == ["7.2"]


def test_a_case_export_validates_against_the_case_11_schema_and_reimports_the_same(draft, hr, scale):
    build_framework(draft, areas=2, per_area=2)
    first = draft.competencies.get(code="A0-00")
    services.competency_create(area=first.area, code="A0-00-x", name="Nested", parent=first)
    first.related.add(draft.competencies.get(code="A1-01"))
    package = case_json.package(draft, base_uri="https://proficio.example/")
    schema = json.loads(interop("case-v1p1-cfpackage-schema.1edtech.json").read_text())
    validator = jsonschema.Draft201909Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(package), key=lambda e: e.path)
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    again = import_file(json.dumps(package), case_json.read, hr, code="case-copy", scale=None)
    assert imported_tree(again) == imported_tree(draft)
    assert again.framework.scale == scale  # the scale travels in Proficio's extension
    copied = again.competencies.get(code="A0-00")
    assert list(copied.indicators.values_list("level", "text")) == list(first.indicators.values_list("level", "text"))
    assert list(copied.clauses.values_list("number", flat=True)) == ["7.2"]
    assert list(copied.related.values_list("code", flat=True)) == ["A1-01"]


def test_real_case_files_pass_the_10_schema_but_only_an_import_that_ignores_extra_properties_accepts_them():
    schema = json.loads(interop("case-v1p0-cfpackage-schema.opensalt.json").read_text())
    package = json.loads(fixture_bytes("case-opensalt-act-holistic-math.json"))
    jsonschema.validate(package, schema)
    plan = case_json.read(json.dumps(package))  # CFPackageURI, CFDocumentURI are simply ignored
    assert len(plan.nodes) == 28


def test_nothing_is_written_before_the_plan_is_applied():
    moodle_csv.read(read_fixture("moodle-lpimportcsv-example-oecd.csv"))
    assert not Framework.objects.exists() and not CompetencyArea.objects.exists() and not Competency.objects.exists()
    assert ProficiencyScale.objects.count() == 1
