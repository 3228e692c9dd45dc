"""Every CSV and XLSX export people open in a spreadsheet neutralises formula cells (core/spreadsheets.py): a
name, title or text starting with =, +, -, @, a tab or a carriage return comes back with a leading apostrophe,
so the spreadsheet shows it as text instead of running it. Each test writes the payloads into what an export
writes, downloads it, reads it back with the csv module or openpyxl, and checks every cell.

The exports: a framework version's Proficio CSV and Moodle CSV, a cycle's results, the gap heatmap (by unit
and by role) and the training matrix, each as CSV and XLSX where it offers both. The "Moodle CSV, exact
values" export is the one deliberate exception: it is labelled "do not open in a spreadsheet" and writes
values exactly, for Moodle's importer (its own test says so below).
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role
from assessments.models import CellLabel
from competency.models import BehaviouralIndicator, Competency, CompetencyArea
from profiles.models import RoleProfile
from tests.factories import OrgUnitFactory, PersonFactory, UserFactory
from tests.gaps.builders import analyse, stored_cycle, stored_leader
from tests.helpers import approved_profile, build_framework, publish

PAYLOADS = ['=HYPERLINK("http://x")', "+1", "-1", "@SUM(1)", "\t=1+1 tab-led", "\r=1+1 return-led"]
#: A cell a spreadsheet would run: it starts with a formula character and is not a plain number.
_FORMULA_START = re.compile(r"^[=+\-@\t\r]")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")

pytestmark = pytest.mark.django_db


def csv_cells(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    body = (b"".join(response.streaming_content) if response.streaming else response.content).decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(body, newline="")) for cell in row]


def xlsx_cells(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)
            for cell in row if isinstance(cell, str)]


def assert_neutralised(cells: list[str], payloads=PAYLOADS) -> None:
    """Each payload is in the file behind an apostrophe, and no text cell would run as a formula."""
    for payload in payloads:
        assert any(cell.startswith("'" + payload) for cell in cells), f"{payload!r} is not in the file as text"
    dangerous = [cell for cell in cells if _FORMULA_START.match(cell) and not _NUMBER.match(cell)]
    assert dangerous == [], dangerous


@pytest.fixture
def hr_client(client):
    hr = UserFactory(role=Role.HR)
    client.force_login(hr)
    client.hr = hr
    return client


# --- frameworks ------------------------------------------------------------------------------------


@pytest.fixture
def formula_version(hr_client):
    """A published version whose area, competency names and descriptions and indicators hold the payloads."""
    from competency import services
    from competency.models import ProficiencyScale

    scale = ProficiencyScale.objects.get(name="Proficio 1-5")
    draft = services.framework_create(name="Formulas", code="formulas", description="", scale=scale,
                                      owner=hr_client.hr)
    build_framework(draft, areas=2, per_area=3, levels=scale.levels.count())
    areas = list(CompetencyArea.objects.filter(version=draft).order_by("pk"))
    competencies = list(Competency.objects.filter(version=draft).order_by("pk"))
    for area, payload in zip(areas, PAYLOADS[:2], strict=True):
        CompetencyArea.objects.filter(pk=area.pk).update(name=payload + " area")
    for competency, payload in zip(competencies, PAYLOADS, strict=True):
        Competency.objects.filter(pk=competency.pk).update(name=payload + " name", description=payload + " description")
    indicator = BehaviouralIndicator.objects.filter(competency__version=draft).order_by("pk").first()
    BehaviouralIndicator.objects.filter(pk=indicator.pk).update(text=PAYLOADS[0] + " indicator")
    return publish(draft, hr_client.hr)


@pytest.mark.parametrize("fmt", ["proficio-csv", "moodle-csv"])
def test_a_framework_export_writes_formula_names_descriptions_and_indicators_as_text(hr_client, formula_version, fmt):
    response = hr_client.get(reverse("competency:version_export", kwargs={"pk": formula_version.pk, "fmt": fmt}))
    assert_neutralised(csv_cells(response))


def test_the_exact_moodle_export_keeps_values_as_they_are_and_says_it_is_not_for_spreadsheets(hr_client,
                                                                                           formula_version):
    from competency.formats import EXPORTS

    assert "do not open in a spreadsheet" in EXPORTS["moodle-csv-exact"].note
    response = hr_client.get(reverse("competency:version_export",
                                     kwargs={"pk": formula_version.pk, "fmt": "moodle-csv-exact"}))
    assert any(cell.startswith(PAYLOADS[0]) for cell in csv_cells(response))


# --- results, gaps and the training matrix ---------------------------------------------------------


@pytest.fixture
def formula_cycle(hr_client):
    """A released cycle with an analysis, whose leaders, employee ids, org units, role, competencies and area
    carry the payloads: six units of three leaders each (heatmap cells show from three leaders)."""
    cycle, competencies = stored_cycle(hr_client.hr, code="formula-cycle", competencies=2)
    for competency, payload in zip(competencies, PAYLOADS[:2], strict=True):
        Competency.objects.filter(pk=competency.pk).update(name=payload + " competency")
    CompetencyArea.objects.filter(version=cycle.framework_version).update(name=PAYLOADS[3] + " area")
    codes = {c.code: 3 for c in competencies}
    role = approved_profile(cycle.framework_version, hr_client.hr, code="formula-role", levels=codes)
    RoleProfile.objects.filter(pk=role.pk).update(name=PAYLOADS[0] + " role")
    for number, payload in enumerate(PAYLOADS):
        unit = OrgUnitFactory(name=payload + " unit", code=f"FORMULA-{number}")
        for seat in range(3):
            person = PersonFactory(user=UserFactory(first_name=payload, last_name=f"Leader{seat}"), org_unit=unit,
                                   role_profile=role, employee_id=f"{payload}{number}{seat}")
            stored_leader(cycle, person=person, role_profile=role,
                          requirements={c: (3, 1, False) for c in competencies},
                          cells={c: {CellLabel.MANAGER: 2, CellLabel.OTHERS: 2} for c in competencies})
    analyse(cycle)
    return cycle


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_results_export_writes_formula_names_ids_units_and_competencies_as_text(hr_client, formula_cycle, fmt):
    response = hr_client.get(reverse("assessments:cycle_export", args=[formula_cycle.pk, fmt]))
    assert_neutralised((csv_cells if fmt == "csv" else xlsx_cells)(response))


@pytest.mark.parametrize("by", ["units", "roles"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_gap_heatmap_export_writes_formula_units_roles_and_competencies_as_text(hr_client, formula_cycle, fmt, by):
    query = {"cycle": formula_cycle.pk} | ({"by": "role"} if by == "roles" else {})
    response = hr_client.get(reverse("gaps:heatmap_export", args=[fmt]), query)
    assert f"-gaps-by-{by}.{fmt}" in response["Content-Disposition"]
    cells = (csv_cells if fmt == "csv" else xlsx_cells)(response)
    assert_neutralised(cells, PAYLOADS if by == "units" else PAYLOADS[:2] + [PAYLOADS[0] + " role"])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_training_matrix_export_writes_formula_names_ids_units_and_roles_as_text(hr_client, formula_cycle, fmt):
    response = hr_client.get(reverse("training:matrix_export", args=[fmt]))
    assert_neutralised((csv_cells if fmt == "csv" else xlsx_cells)(response))
