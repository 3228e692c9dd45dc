"""The import pages: upload, preview (with Moodle's column mapping), confirm; bad files change nothing."""

from __future__ import annotations

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from competency.models import Competency, Framework, FrameworkImport, ImportFormat, VersionStatus
from tests.helpers import text, fixture_bytes

pytestmark = pytest.mark.django_db

MOODLE_HEADER = ('"Parent ID number","ID number","Short name",Description,"Description format","Scale values",'
                 '"Scale configuration","Rule type","Rule outcome","Rule config","Cross-referenced competency ID numbers",'
                 '"Exported ID","Is framework",Taxonomy\n')
FRAMEWORK_ROW = ',FW,Framework,,1,"Low,High","[{""scaleid"":""1""},{""id"":2,""scaledefault"":1,""proficient"":1}]",,,,,,1,competency\n'


def moodle(*rows: str) -> bytes:
    return (MOODLE_HEADER + FRAMEWORK_ROW + "".join(rows)).encode()




def upload(client, content: bytes, fmt: str = "moodle_csv", name: str = "framework.csv", **extra):
    data = {"file": SimpleUploadedFile(name, content), "format": fmt, "delimiter": ",", "encoding": "utf-8", **extra}
    return client.post("/frameworks/import/", data)


@pytest.fixture
def signed_in(client, hr):
    client.force_login(hr)
    return client


def assert_nothing_written():
    assert not Framework.objects.exists()
    assert not Competency.objects.exists()
    assert not FrameworkImport.objects.exists()


BAD_FILES = [
    pytest.param(b"", "moodle_csv", "The submitted file is empty.", id="empty file"),
    pytest.param(b"   \n\n", "moodle_csv", "The file is empty.", id="blank file"),
    pytest.param("ID;Name\nA;Café\n".encode("cp1252"), "moodle_csv", "Line 2: byte 0xE9 is not valid UTF-8", id="wrong encoding"),
    pytest.param(b"code,name\nA,B\n", "proficio_csv", "Line 1: the header lacks the columns area_code, area_name", id="missing column"),
    pytest.param(moodle(",A,Area,,1,,,,,,,,,\n", "MISSING,A-1,Orphan,,1,,,,,,,,,\n"), "moodle_csv",
                 "Line 4, column “Parent ID number”: the parent MISSING is not in the file.", id="unknown parent"),
    pytest.param(moodle(",A,Area,,1,,,,,,,,,\n", "A,A-1,One,,1,,,,,,,,,\n", "A,A-1,Two,,1,,,,,,,,,\n"), "moodle_csv",
                 "Line 5, column “ID number”: the code A-1 is used twice (first on line 4).", id="duplicate code"),
    pytest.param(moodle(",A,Area,,1,,,,,,,,,\n", "X-2,X-1,One,,1,,,,,,,,,\n", "X-1,X-2,Two,,1,,,,,,,,,\n"), "moodle_csv",
                 "these competencies are each other's parents, a cycle: X-1 → X-2 → X-1.", id="cycle"),
    pytest.param(MOODLE_HEADER.encode() + b",A,Area,,1,,,,,,,,,\n", "moodle_csv", "No row is marked as the framework",
                 id="no framework row"),
    pytest.param(moodle(",A,Area,,1\n"), "moodle_csv", "Line 3: the row has 5 cells but the header has 14.", id="short row"),
    pytest.param(b'{"CFDocument": {"title": "x",}', "case_json", "Line 1: the file is not valid JSON", id="broken JSON"),
    pytest.param(b'{"CFItems": []}', "case_json", "This is not a CASE CFPackage: it has no CFDocument object.", id="not CASE"),
    pytest.param(b"area_code,area_name,code,name,iso_clauses\nA,Area,A-1,One,7.9\n", "proficio_csv",
                 "Line 2, column “iso_clauses”: 7.9 is not an ISO 9001:2015 clause.", id="unknown clause"),
    pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "moodle_csv", "This is not a text file", id="binary file"),
]


@pytest.mark.parametrize("content, fmt, message", BAD_FILES)
def test_a_bad_file_is_refused_with_its_line_and_problem_and_changes_nothing(signed_in, content, fmt, message):
    response = upload(signed_in, content, fmt)
    assert response.status_code == 400
    assert message in text(response)
    assert_nothing_written()


def test_a_50_mb_file_is_refused_before_it_is_read(signed_in):
    response = upload(signed_in, b"x" * (50 * 1024 * 1024))
    assert response.status_code == 400
    assert "The file is 50.0 MB; Proficio imports files up to 10 MB." in response.content.decode()
    assert_nothing_written()


def test_the_oecd_file_goes_through_preview_and_confirm(signed_in):
    response = upload(signed_in, fixture_bytes("moodle-lpimportcsv-example-oecd.csv"))
    assert response.status_code == 302
    pending = FrameworkImport.objects.get()
    preview = signed_in.get(response.url).content.decode()
    assert "<strong>2</strong> areas" in preview and "<strong>62</strong> competencies" in preview
    assert "The file's scale “Competency scale: OECD” is created with it" in html.unescape(preview)
    assert "<li>Not yet competent</li>" in preview and "<li>Competent <span" in preview
    assert not Framework.objects.exists()  # the preview writes nothing
    confirmed = signed_in.post(f"/frameworks/imports/{pending.pk}/confirm/", {"name": "OECD core", "code": "oecd-core"})
    assert confirmed.status_code == 302
    framework = Framework.objects.get()
    version = framework.versions.get()
    assert confirmed.url == f"/frameworks/versions/{version.pk}/"
    assert version.competencies.count() == 62 and version.status == VersionStatus.DRAFT
    page = signed_in.get(confirmed.url).content.decode()
    assert "Imported 2 areas and 62 competencies" in page


def test_confirming_the_same_upload_twice_imports_it_once(signed_in):
    upload(signed_in, fixture_bytes("moodle-lpimportcsv-example-oecd.csv"))
    pending = FrameworkImport.objects.get()
    signed_in.post(f"/frameworks/imports/{pending.pk}/confirm/", {"name": "OECD", "code": "oecd"})
    again = signed_in.post(f"/frameworks/imports/{pending.pk}/confirm/", {"name": "OECD", "code": "oecd-2"}, follow=True)
    assert "has already been imported as OECD" in again.content.decode()
    assert Framework.objects.count() == 1


def test_a_taken_framework_code_is_reported_on_the_confirm_form(signed_in, scale):
    upload(signed_in, fixture_bytes("case-opensalt-smartlevel.json"), "case_json", "smart.json")
    pending = FrameworkImport.objects.get()
    without_scale = signed_in.post(f"/frameworks/imports/{pending.pk}/confirm/", {"name": "One", "code": "smart"})
    assert without_scale.status_code == 400  # CASE has no scale: the user picks one
    signed_in.post(f"/frameworks/imports/{pending.pk}/confirm/", {"name": "One", "code": "smart", "scale": scale.pk})
    assert Framework.objects.count() == 1
    upload(signed_in, fixture_bytes("case-opensalt-smartlevel.json"), "case_json", "smart.json")
    second = FrameworkImport.objects.latest("pk")
    response = signed_in.post(f"/frameworks/imports/{second.pk}/confirm/",
                              {"name": "Two", "code": "smart", "scale": scale.pk})
    assert response.status_code == 400
    assert "A framework with the code smart already exists" in text(response)
    assert Framework.objects.count() == 1


def test_the_legacy_file_asks_for_its_column_mapping_first(signed_in):
    response = upload(signed_in, fixture_bytes("moodle-lpimportcsv-legacy-pharmacy.csv"))
    pending = FrameworkImport.objects.get()
    preview = signed_in.get(response.url).content.decode()
    assert "not in the order of Moodle's standard export" in preview
    assert "Import</button>" not in preview  # no confirm before the mapping is checked
    mapping = {"parentidnumber": 0, "idnumber": 1, "shortname": 2, "description": 3, "descriptionformat": 4,
               "scalevalues": 5, "scaleconfiguration": 6, "ruletype": 7, "ruleoutcome": 8, "ruleconfig": 9,
               "relatedidnumbers": -1, "exportid": -1, "isframework": 10, "taxonomy": 11}
    applied = signed_in.post(f"/frameworks/imports/{pending.pk}/", mapping)
    assert applied.status_code == 302
    preview = signed_in.get(applied.url).content.decode()
    assert "<strong>6</strong> areas" in preview and "<strong>203</strong> competencies" in preview
    signed_in.post(f"/frameworks/imports/{pending.pk}/confirm/", {"name": "Pharmacy", "code": "pharmacy"})
    version = Framework.objects.get().versions.get()
    assert version.areas.count() + version.competencies.count() == 209


def test_a_wrong_mapping_shows_what_is_wrong_and_writes_nothing(signed_in):
    upload(signed_in, fixture_bytes("moodle-lpimportcsv-legacy-pharmacy.csv"))
    pending = FrameworkImport.objects.get()
    wrong = {key: -1 for key in ("parentidnumber", "description", "descriptionformat", "scalevalues",
                                 "scaleconfiguration", "ruletype", "ruleoutcome", "ruleconfig", "relatedidnumbers",
                                 "exportid", "taxonomy")} | {"idnumber": 1, "shortname": 2, "isframework": 11}
    response = signed_in.post(f"/frameworks/imports/{pending.pk}/", wrong)
    assert response.status_code == 400
    assert "none is mapped to Parent ID number" in response.content.decode()
    assert not Framework.objects.exists()


def test_stale_uploads_are_purged_by_the_periodic_task(hr):
    from datetime import timedelta

    from django.utils import timezone

    from competency.tasks import purge_stale_imports

    old = FrameworkImport.objects.create(created_by=hr, format=ImportFormat.CASE_JSON, filename="a.json", content="{}")
    FrameworkImport.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    fresh = FrameworkImport.objects.create(created_by=hr, format=ImportFormat.CASE_JSON, filename="b.json", content="{}")
    assert purge_stale_imports() == 1
    assert list(FrameworkImport.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_a_moodle_file_with_100000_columns_is_refused_in_a_second_and_never_previewed(signed_in):
    import time

    content = (",".join(f"c{i}" for i in range(100_000)) + "\n").encode()
    assert len(content) < 1024 * 1024
    started = time.perf_counter()
    response = upload(signed_in, content)
    assert time.perf_counter() - started < 2
    assert response.status_code == 400
    assert "Line 1: the row has 100,000 columns; Proficio reads files of up to 80 columns." in text(response)
    assert_nothing_written()


def test_ten_megabytes_of_one_character_lines_are_refused_at_once(signed_in, settings):
    import time

    settings.MAX_IMPORT_FILE_BYTES = 11 * 1024 * 1024
    started = time.perf_counter()
    response = upload(signed_in, b"x\n" * (5 * 1024 * 1024), fmt="proficio_csv")
    assert time.perf_counter() - started < 3
    assert response.status_code == 400 and "Proficio reads files of up to 200,000 lines" in text(response)
    assert_nothing_written()


def test_a_case_file_nested_10000_deep_gets_a_message_not_a_server_error(signed_in):
    deep = ('{"CFDocument": ' + "[" * 10_000 + "]" * 10_000 + "}").encode()
    response = upload(signed_in, deep, "case_json", "deep.json")
    assert response.status_code == 400
    assert "The file nests 10,001 levels deep" in text(response)
    assert_nothing_written()


def test_the_preview_names_the_scale_it_will_use_and_refuses_levels_no_scale_has(signed_in):
    content = b"area_code,area_name,code,name,level_7\nA,Area,A-1,One,Leads the whole sector\n"
    response = upload(signed_in, content, "proficio_csv")
    preview = text(signed_in.get(response.url))
    assert "no scale in Proficio has level 7" in preview and "Import</button>" not in preview
    pending = FrameworkImport.objects.get()
    confirm = signed_in.post(f"/frameworks/imports/{pending.pk}/confirm/", {"name": "Seven", "code": "seven"})
    assert confirm.status_code == 400 and not Framework.objects.exists()
    from competency import services

    services.scale_create(actor=pending.created_by, name="Seven steps", description="", proficient_value=4,
                          levels=[services.LevelInput(f"S{n}") for n in range(1, 8)])
    preview = text(signed_in.get(response.url))
    assert "Seven steps" in preview and "Proficio 1-5" not in preview.split('name="scale"')[1].split("</select>")[0]


def test_the_preview_of_a_proficio_export_shows_its_own_scale_and_its_levels(signed_in, draft, hr):
    from competency.formats import proficio_csv
    from tests.helpers import build_framework

    build_framework(draft, areas=1, per_area=1)
    response = upload(signed_in, proficio_csv.write(draft).encode(), "proficio_csv")
    preview = text(signed_in.get(response.url))
    assert "The file's scale is Proficio's scale" in preview and "“Proficio 1-5”" in preview
    assert "<li>Awareness</li>" in preview and "<li>Proficient <span" in preview


@pytest.mark.parametrize("content, fmt, message", [
    pytest.param(b'{"CFDocument": {}}', "moodle_csv", "This file is JSON, not CSV", id="JSON as Moodle CSV"),
    pytest.param(b"area_code,area_name,code,name\nA,B,C,D\n", "case_json", "This file is not JSON",
                 id="CSV as CASE JSON"),
    pytest.param(MOODLE_HEADER.encode() + b",FW,F,,1,,,,,,,,1,\n", "proficio_csv",
                 "This is a Moodle competency framework file", id="Moodle as Proficio CSV"),
    pytest.param(b"\"area_code\";\"area_name\";code;name;level_1\nA;Area;A-1;Thing;Acts\n", "moodle_csv",
                 "This is a Proficio CSV file", id="Proficio as Moodle CSV"),
])
def test_a_file_in_another_format_than_chosen_says_which_to_choose(signed_in, content, fmt, message):
    response = upload(signed_in, content, fmt)
    assert response.status_code == 400 and message in text(response)
    assert_nothing_written()


@pytest.mark.parametrize("scale_values, message", [
    pytest.param("Only", "A scale needs at least two levels.", id="one level"),
    pytest.param('"Good,good"', "Two levels are called “good”", id="names differing in case"),
])
def test_a_file_whose_scale_is_not_a_scale_says_so_in_the_preview(signed_in, scale_values, message):
    content = (MOODLE_HEADER + f',FW,Framework,,1,{scale_values},"[]",,,,,,1,\n,A,Area,,1,,,,,,,,,\n').encode()
    response = upload(signed_in, content)
    preview = text(signed_in.get(response.url))
    assert message in preview and "Import</button>" not in preview
    pending = FrameworkImport.objects.get()
    assert signed_in.post(f"/frameworks/imports/{pending.pk}/confirm/", {"name": "F", "code": "f"}).status_code == 400
    assert not Framework.objects.exists()
