"""Proficio CSV: carries the framework's description and its scale, reads its own exports back exactly."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import ValidationError

from competency import services
from competency.formats import proficio_csv
from competency.models import ProficiencyScale
from core.uploads import ImportFailed
from tests.helpers import build_framework

pytestmark = pytest.mark.django_db


def six_level_scale(hr) -> ProficiencyScale:
    return services.scale_create(actor=hr, name="Six steps", description="From novice to leader", proficient_value=4,
                                 levels=[services.LevelInput(f"Step {n}", f"What step {n} means") for n in range(1, 7)])


def test_a_semicolon_file_read_with_commas_gets_a_hint():
    with pytest.raises(ImportFailed, match="separated by semicolons"):
        proficio_csv.read("area_code;area_name;code;name\nA;Area;A-1;One\n")


def test_a_proficio_row_whose_parent_is_another_area_is_refused():
    with pytest.raises(ImportFailed, match="the parent A is another area; the row belongs to B"):
        proficio_csv.read("area_code,area_name,code,name,parent_code\nA,Area A,,,\nB,Area B,B-1,One,A\n")


def test_levels_without_a_scale_are_checked_against_the_scale_chosen_at_confirmation(hr):
    plan = proficio_csv.read("area_code,area_name,code,name,level_6\nA,Area,A-1,One,Leads the sector\n")
    assert plan.scale is None and plan.indicator_levels == {6}
    with pytest.raises(ValidationError, match="indicators for level 6"):
        services.framework_import_apply(plan, actor=hr, name="Six", code="six",
                                        scale=ProficiencyScale.objects.get(name="Proficio 1-5"))
    version = services.framework_import_apply(plan, actor=hr, name="Six", code="six", scale=six_level_scale(hr))
    assert version.competencies.get().indicators.get().level == 6


def test_an_export_carries_the_framework_description_and_the_scale_and_recreates_both(draft, hr):
    scale = six_level_scale(hr)
    framework = services.framework_create(name="Six-step leadership", code="six", scale=scale, owner=hr,
                                          description="Leadership in six steps.")
    build_framework(framework, areas=1, per_area=2, levels=6)
    exported = proficio_csv.write(framework)
    header = next(csv.reader(io.StringIO(exported)))
    assert {"framework_name", "scale_name", "scale_proficient_level", "level_6_name", "level_6_description"} <= set(header)
    plan = proficio_csv.read(exported)
    assert (plan.name, plan.description) == ("Six-step leadership", "Leadership in six steps.")
    assert plan.scale.level_names == [f"Step {n}" for n in range(1, 7)] and plan.scale.proficient_value == 4
    copy = services.framework_import_apply(plan, actor=hr, name=plan.name, code="six-copy", scale=None)
    assert copy.framework.scale == scale  # the same levels and proficient level: the existing scale is used
    assert copy.framework.description == "Leadership in six steps."
    ProficiencyScale.objects.filter(pk=scale.pk).update(name="Renamed")  # no longer matching by name
    ProficiencyScale.objects.filter(pk=scale.pk).update(proficient_value=3)  # nor by proficient level
    recreated = services.framework_import_apply(proficio_csv.read(exported), actor=hr, name="Again", code="again",
                                                scale=None)
    assert recreated.framework.scale.name == "Six steps"
    assert list(recreated.framework.scale.levels.values_list("description", flat=True))[5] == "What step 6 means"


def test_an_export_of_a_framework_without_competencies_reads_back(draft, hr):
    services.area_create(version=draft, code="A", name="Only an area")
    plan = proficio_csv.read(proficio_csv.write(draft))
    assert [node.code for node in plan.nodes] == ["A"]
    assert any("no competencies" in warning for warning in plan.warnings)
    empty = services.framework_create(name="Nothing yet", code="nothing", description="To be written.",
                                      scale=ProficiencyScale.objects.get(name="Proficio 1-5"), owner=hr)
    plan = proficio_csv.read(proficio_csv.write(empty))
    assert plan.nodes == [] and plan.description == "To be written." and plan.scale.name == "Proficio 1-5"


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x.example\",\"x\")", "+1", "-1", "@A1", "\tTab", "'=quoted"])
def test_formula_cells_are_written_as_text_and_read_back_unchanged(draft, hr, value):
    area = services.area_create(version=draft, code="A", name=value, description=value)
    competency = services.competency_create(area=area, code="A-1", name=value, description=value)
    services.indicators_replace(competency=competency, indicators={1: [value.strip()]})
    exported = proficio_csv.write(draft)
    cells = list(csv.reader(io.StringIO(exported)))[1]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t")) for cell in cells)
    node = next(node for node in proficio_csv.read(exported).nodes if node.code == "A-1")
    assert (node.name, node.description, node.indicators[1]) == (value, value, [value.strip()])


def test_a_later_row_that_describes_the_framework_differently_is_refused():
    content = ("area_code,area_name,code,name,framework_name\n"
               "A,Area,A-1,One,Leadership\nA,Area,A-2,Two,Something else\n")
    with pytest.raises(ImportFailed, match="Line 3, column “framework_name”: this differs from line 2"):
        proficio_csv.read(content)


def test_a_scale_whose_proficient_level_is_off_the_scale_is_refused():
    content = ("area_code,area_name,code,name,scale_name,scale_proficient_level,level_1_name,level_2_name\n"
               "A,Area,A-1,One,Two steps,7,Low,High\n")
    with pytest.raises(ImportFailed, match="“7” is not one of the scale's levels"):
        proficio_csv.read(content)


@pytest.mark.parametrize("content, message", [
    pytest.param("area_code,area_name,code,name,level_" + "9" * 5000 + "\nA,Area,A-1,One,x\n", "is not part of Proficio CSV",
                 id="a level column of 5000 digits"),
    pytest.param("area_code,area_name,code,name,scale_name,scale_proficient_level,level_1_name,level_2_name\n"
                 "A,Area,A-1,One,S,²,Low,High\n", "“²” is not one of the scale's levels", id="a superscript level"),
])
def test_odd_columns_are_refused_or_ignored_with_a_message_not_a_crash(content, message):
    try:
        plan = proficio_csv.read(content)
    except ImportFailed as failure:
        assert message in str(failure)
    else:
        assert any(message in warning for warning in plan.warnings)


def test_related_codes_with_spaces_survive_a_round_trip(draft, hr):
    area = services.area_create(version=draft, code="A", name="Area")
    one = services.competency_create(area=area, code="child #1", name="One")
    two = services.competency_create(area=area, code="child #2", name="Two")
    one.related.add(two)
    plan = proficio_csv.read(proficio_csv.write(draft))
    assert next(node for node in plan.nodes if node.code == "child #1").related == ["child #2"]
    with pytest.raises(ImportFailed, match="the related code nobody is not in the file"):
        proficio_csv.read("area_code,area_name,code,name,related_codes\nA,Area,A-1,One,nobody\n")
