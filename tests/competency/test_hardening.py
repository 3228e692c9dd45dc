"""Defects found by trying the pages as a new user would; each test fails without its fix."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from competency import importers, services
from competency.models import ProficiencyScale
from tests.competency.conftest import build_framework, publish
from tests.competency.test_import_pages import MOODLE_HEADER, upload
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_no_template_has_inline_event_handlers_or_scripts():
    """Names and descriptions come from users and imported files; only static scripts may run."""
    for path in TEMPLATES.rglob("*.html"):
        source = path.read_text()
        assert not re.search(r"\son[a-z]+\s*=", source), path
        assert not re.search(r"<script>(?!</script>)|<script\s+(?!src=)", source), path


def test_pages_carry_a_content_security_policy_that_forbids_inline_scripts(client, hr):
    client.force_login(hr)
    policy = client.get("/frameworks/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src-attr")[0]


def test_a_framework_name_with_script_is_shown_as_text(client, draft, hr):
    draft.framework.name = "Sales'+(document.title='PWNED')+'<script>alert(1)</script>"
    draft.framework.save()
    build_framework(draft, areas=1, per_area=1)
    v1 = publish(draft, hr)
    client.force_login(hr)
    page = client.get(f"/frameworks/versions/{v1.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert 'data-confirm="Retire Sales&#x27;+(document.title=&#x27;PWNED&#x27;)' in page


def test_a_competency_with_stakeholder_comments_cannot_be_deleted(draft, hr):
    build_framework(draft, areas=1, per_area=2)
    services.version_submit_for_review(version=draft, actor=hr)
    competency = draft.competencies.first()
    services.review_comment_add(version=draft, author=UserFactory(), body="Unclear", competency=competency)
    with pytest.raises(ValidationError, match="has stakeholder comments"):
        services.competency_delete(competency=competency)
    assert draft.comments.count() == 1


def test_the_list_counts_each_frameworks_own_competencies(client, draft, hr, scale):
    build_framework(draft, areas=1, per_area=3)
    services.framework_create(name="Empty", code="empty", description="", scale=scale, owner=hr)
    client.force_login(hr)
    page = text(client.get("/frameworks/"))
    rows = re.findall(r'class="fw-semibold">([^<]+)</a>.*?<td class="text-end">(\d+)</td>', page, re.S)
    assert dict(rows) == {"Empty": "0", "Leadership": "3"}


def test_readers_are_not_told_about_drafts(client, draft, hr):
    build_framework(draft, areas=1, per_area=1)
    v1 = publish(draft, hr)
    services.version_revise(version=v1, actor=hr)
    client.force_login(UserFactory())
    page = text(client.get("/frameworks/"))
    assert ">v2<" not in page and "Draft" not in page and "v1" in page
    filtered = text(client.get("/frameworks/?status=draft"))  # not a choice for readers: refused, not answered
    assert "Select a valid choice" in filtered and ">v2<" not in filtered


BROKEN_CASE = [
    pytest.param({"extensions": {"proficio": {"scale": {"name": "S", "levels": ["a", "a"], "proficient": 1}}}},
                 None, id="scale with a repeated level"),
    pytest.param({"extensions": {"proficio": {"scale": {"name": "S", "levels": ["a", "b"], "proficient": "high"}}}},
                 None, id="proficient not a number"),
    pytest.param({"extensions": {"proficio": {"scale": {"name": "S", "levels": ["a", "b"], "proficient": 10}}}},
                 None, id="proficient off the scale"),
]


def case_package(document_extra: dict | None = None, item_extra: dict | None = None, sequence=1) -> str:
    doc = {"identifier": "d0000000-0000-0000-0000-000000000000", "uri": "x", "title": "T", "creator": "c",
           "lastChangeDateTime": "2020-01-01T00:00:00+00:00", **(document_extra or {})}
    item = {"identifier": "00000000-0000-0000-0000-000000000001", "uri": "y", "fullStatement": "Item",
            "lastChangeDateTime": "2020-01-01T00:00:00+00:00", **(item_extra or {})}
    association = {"identifier": "a", "uri": "z", "associationType": "isChildOf", "sequenceNumber": sequence,
                   "originNodeURI": {"identifier": item["identifier"]}, "destinationNodeURI": {"identifier": doc["identifier"]},
                   "lastChangeDateTime": "2020-01-01T00:00:00+00:00"}
    return json.dumps({"CFDocument": doc, "CFItems": [item], "CFAssociations": [association]})


@pytest.mark.parametrize("document_extra, _", BROKEN_CASE)
def test_a_malformed_proficio_scale_in_a_case_file_is_ignored_with_a_warning(document_extra, _):
    plan = importers.read_case_json(case_package(document_extra))
    assert plan.scale is None
    assert any("scale description is not usable" in warning for warning in plan.warnings)


def test_odd_values_in_case_items_do_not_break_the_import(hr, scale):
    package = case_package(item_extra={"extensions": {"proficio": {"isoClauses": 7}}}, sequence=10**400)
    plan = importers.read_case_json(package)
    assert plan.nodes[0].clauses == []
    version = importers.apply_plan(plan, actor=hr, name="T", code="t", scale=scale)
    assert version.areas.count() == 1
    with_nan = json.loads(case_package())
    with_nan["CFRubrics"] = [{"CFRubricCriteria": [{"CFItemURI": {"identifier": "00000000-0000-0000-0000-000000000001"},
                                                    "CFRubricCriterionLevels": [{"score": float("nan"), "description": "x"}]}]}]
    assert importers.read_case_json(json.dumps(with_nan)).nodes[0].indicators == {}


def test_a_moodle_scale_with_a_repeated_level_is_refused(client, hr):
    client.force_login(hr)
    content = (MOODLE_HEADER + ',FW,Framework,,1,"Yes,Yes,No","[]",,,,,,1,\n,A,Area,,1,,,,,,,,,\n').encode()
    response = upload(client, content)
    assert response.status_code == 400
    assert "the scale names the level “Yes” twice" in text(response)
    assert ProficiencyScale.objects.count() == 1


def test_a_utf16_file_is_read_whatever_encoding_was_chosen():
    raw = "area_code,area_name,code,name\nA,Área,A-1,Één\n".encode("utf-16")
    assert "Área" in importers.decode(raw, "utf-8")


def test_a_semicolon_file_read_with_commas_gets_a_hint():
    with pytest.raises(importers.ImportFailed, match="separated by semicolons"):
        importers.read_proficio_csv("area_code;area_name;code;name\nA;Area;A-1;One\n")


def test_a_proficio_row_whose_parent_is_another_area_is_refused():
    with pytest.raises(importers.ImportFailed, match="the parent A is another area; the row belongs to B"):
        importers.read_proficio_csv("area_code,area_name,code,name,parent_code\nA,Area A,,,\nB,Area B,B-1,One,A\n")


def test_a_renamed_code_shows_as_a_change_not_as_added_and_removed(client, draft, hr):
    build_framework(draft, areas=1, per_area=2)
    v1 = publish(draft, hr)
    v2 = services.version_revise(version=v1, actor=hr)
    competency = v2.competencies.get(code="A0-00")
    services.competency_update(competency=competency, code="A0-99", name=competency.name, description="", clauses=[])
    services.node_move(node=v2.competencies.get(code="A0-01"), direction="up")
    client.force_login(hr)
    page = text(client.get(f"/frameworks/versions/{v2.pk}/diff/{v1.pk}/"))
    assert 'data-code="A0-99" data-kind="changed"' in page and "A0-00</del> → <ins>A0-99" in page
    assert 'data-kind="added"' not in page and 'data-kind="removed"' not in page
    assert "Order: <del>2</del> → <ins>1</ins>" in page


def test_an_imported_code_with_spaces_can_be_saved_unchanged(client, draft, hr):
    area = services.area_create(version=draft, code="A", name="Area")
    competency = services.competency_create(area=area, code="child #1", name="Child")
    client.force_login(hr)
    response = client.post(f"/frameworks/competencies/{competency.pk}/edit/", {"code": "child #1", "name": "Child 1"})
    assert response.status_code == 302
    response = client.post(f"/frameworks/competencies/{competency.pk}/edit/", {"code": "a,b", "name": "Child 1"})
    assert response.status_code == 400 and "without commas" in text(response)


def test_a_nul_escape_in_case_json_is_refused():
    with pytest.raises(importers.ImportFailed, match="NUL character"):
        importers.read_case_json(case_package(item_extra={"fullStatement": "Item\\u0000"}).replace("\\\\u0000", "\\u0000"))


def test_long_scale_names_are_shortened_before_a_number_is_added(hr):
    spec = importers.ScaleSpec(name="S" * 120, level_names=["a", "b"], proficient_value=1)
    first, second = importers._create_scale(spec), importers._create_scale(spec)
    assert len(first.name) <= 120 and len(second.name) <= 120 and first.name != second.name


def test_proficio_csv_levels_are_checked_against_the_scale_chosen_at_confirmation(hr):
    from competency.models import ProficiencyLevel

    plan = importers.read_proficio_csv("area_code,area_name,code,name,level_6\nA,Area,A-1,One,Leads the sector\n")
    with pytest.raises(ValidationError, match="indicators for level 6"):
        importers.apply_plan(plan, actor=hr, name="Six", code="six", scale=ProficiencyScale.objects.get())
    seven = ProficiencyScale.objects.create(name="Seven", proficient_value=4)
    ProficiencyLevel.objects.bulk_create(ProficiencyLevel(scale=seven, value=v, name=f"L{v}") for v in range(1, 8))
    version = importers.apply_plan(plan, actor=hr, name="Six", code="six", scale=seven)
    assert version.competencies.get().indicators.get().level == 6


def test_a_stakeholder_reads_a_version_only_while_it_is_in_review(client, draft, hr):
    build_framework(draft, areas=1, per_area=1)
    services.version_submit_for_review(version=draft, actor=hr)
    stakeholder = UserFactory()
    services.review_invite(version=draft, users=[stakeholder], actor=hr, base_url="http://testserver")
    client.force_login(stakeholder)
    assert client.get(f"/frameworks/versions/{draft.pk}/").status_code == 200
    services.version_return_to_draft(version=draft, actor=hr)
    assert client.get(f"/frameworks/versions/{draft.pk}/").status_code == 404
    assert client.get(f"/frameworks/versions/{draft.pk}/export/case-json/").status_code == 404
    assert "Leadership" not in text(client.get("/frameworks/"))
