"""Moodle's competency framework CSV: Moodle's limits and formula-safe cells, both ways."""

from __future__ import annotations

import csv
import io

import pytest

from competency import services
from competency.formats import moodle_csv
from competency.models import ProficiencyScale
from tests.competency.test_import_pages import MOODLE_HEADER, upload
from tests.helpers import text

pytestmark = pytest.mark.django_db
LONG = ("Building and maintaining a culture in which every team member reports quality problems early, "
        "openly and without fear of blame")


def rows(exported: str) -> dict[str, list[str]]:
    return {row[1]: row for row in csv.reader(io.StringIO(exported))}


def test_a_moodle_scale_with_a_repeated_level_is_refused(client, hr):
    client.force_login(hr)
    content = (MOODLE_HEADER + ',FW,Framework,,1,"Yes,Yes,No","[]",,,,,,1,\n,A,Area,,1,,,,,,,,,\n').encode()
    response = upload(client, content)
    assert response.status_code == 400
    assert "the scale names the level “Yes” twice" in text(response)
    assert ProficiencyScale.objects.count() == 1


def test_a_name_longer_than_moodle_keeps_is_shortened_with_its_full_text_in_the_description(draft, hr):
    area = services.area_create(version=draft, code="QC", name="Quality culture")
    services.competency_create(area=area, code="QC-01", name=LONG, description="<p>Shown by the whole team.</p>")
    exported = rows(moodle_csv.write(draft))["QC-01"]
    assert len(exported[2]) == 100 and exported[2].endswith("…")
    assert exported[3] == f"<p>Full name: {LONG}</p><p>Shown by the whole team.</p>"
    again = moodle_csv.read(moodle_csv.write(draft))
    node = next(node for node in again.nodes if node.code == "QC-01")
    assert (node.name, node.description) == (LONG, "<p>Shown by the whole team.</p>")


def test_the_version_page_says_which_names_a_moodle_export_shortens(client, draft, hr):
    area = services.area_create(version=draft, code="QC", name="Quality culture")
    services.competency_create(area=area, code="QC-01", name=LONG)
    services.competency_create(area=area, code="QC-02", name="Short")
    client.force_login(hr)
    page = text(client.get(f"/frameworks/versions/{draft.pk}/"))
    assert "In a Moodle export 1 name is shortened" in page and "QC-01." in page and "QC-02" not in page.split(
        "In a Moodle export")[1].split("</div>")[0]


@pytest.mark.parametrize("name", ["=HYPERLINK(\"http://evil.example\",\"Click\")", "+cmd|'/C calc'!A0", "-2+3",
                                  "@SUM(A1)"])
def test_cells_that_a_spreadsheet_would_run_are_written_as_text_and_read_back_unchanged(draft, hr, name):
    area = services.area_create(version=draft, code="A", name="Area")
    services.competency_create(area=area, code="A-1", name=name, description=name)
    exported = rows(moodle_csv.write(draft))["A-1"]
    assert exported[2] == "'" + name and exported[3] == "'" + name
    node = next(node for node in moodle_csv.read(moodle_csv.write(draft)).nodes if node.code == "A-1")
    assert (node.name, node.description) == (name, name)


def test_the_exact_export_for_moodle_writes_every_value_as_it_is(draft, hr):
    area = services.area_create(version=draft, code="A", name="Area")
    services.competency_create(area=area, code="A-1", name="=1+1")
    assert rows(moodle_csv.write(draft, exact=True))["A-1"][2] == "=1+1"


def test_both_moodle_exports_are_offered_and_labelled(client, draft, hr):
    client.force_login(hr)
    page = text(client.get(f"/frameworks/versions/{draft.pk}/"))
    assert "safe to open in a spreadsheet" in page
    assert "Moodle CSV, exact values for Moodle's importer" in page and "do not open in a spreadsheet" in page
    exact = client.get(f"/frameworks/versions/{draft.pk}/export/moodle-csv-exact/")
    assert exact.status_code == 200 and exact["Content-Disposition"].endswith('moodle-exact.csv"')
