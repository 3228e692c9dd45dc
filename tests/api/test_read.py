"""The read endpoints: what each role's token sees, the export files, cursor pages, and query counts
that do not grow with the data."""

from __future__ import annotations

import pytest
from django.urls import reverse

from competency import formats
from tests.factories import OrgUnitFactory, PersonFactory
from tests.helpers import approved_profile, published_framework

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(hr):
    return published_framework(hr, code="leadership", areas=2, per_area=2)


def _warm(api) -> None:
    """One request first, so that the token's last use is recorded outside the counted requests."""
    assert api.get("/api/v1/org-units/").status_code == 200


def test_frameworks_list_their_readable_versions_with_links(hr_reader, version):
    from competency import services

    draft = services.version_revise(version=version, actor=version.created_by)
    body = hr_reader.get("/api/v1/frameworks/").json()
    [framework] = body["results"]
    assert framework["code"] == "leadership" and framework["scale"] == "Proficio 1-5"
    assert [(v["number"], v["status"]) for v in framework["versions"]] == [(1, "published"), (2, "draft")]
    assert framework["versions"][0]["url"].endswith(f"/api/v1/versions/{version.pk}/")
    assert draft.pk  # the draft is HR's to see


def test_an_auditor_token_does_not_see_drafts(auditor_reader, version):
    from competency import services

    draft = services.version_revise(version=version, actor=version.created_by)
    [framework] = auditor_reader.get("/api/v1/frameworks/").json()["results"]
    assert [v["status"] for v in framework["versions"]] == ["published"]
    assert auditor_reader.get(f"/api/v1/versions/{draft.pk}/").status_code == 404


def test_a_version_lists_its_competencies_and_every_export_format(hr_reader, version):
    body = hr_reader.get(f"/api/v1/versions/{version.pk}/").json()
    assert body["framework"] == "leadership" and len(body["competencies"]) == 4
    assert {link["format"] for link in body["exports"]} == set(formats.EXPORTS)


@pytest.mark.parametrize("fmt", list(formats.EXPORTS))
def test_each_export_is_the_file_the_version_page_gives(client, hr, hr_reader, version, fmt):
    client.force_login(hr)
    page_file = client.get(reverse("competency:version_export", args=[version.pk, fmt]))
    api_file = hr_reader.get(f"/api/v1/versions/{version.pk}/export/{fmt}/")
    assert api_file.status_code == 200
    assert api_file["Content-Type"] == page_file["Content-Type"]
    assert api_file["Content-Disposition"] == page_file["Content-Disposition"]
    assert api_file.content == page_file.content


def test_an_unknown_export_format_is_a_404_naming_the_formats(hr_reader, version):
    response = hr_reader.get(f"/api/v1/versions/{version.pk}/export/docx/")
    assert response.status_code == 404
    assert "proficio-csv" in response.json()["detail"]


def test_role_profiles_come_with_their_requirements(hr_reader, hr, version):
    approved_profile(version, hr, code="team-leader")
    [profile] = hr_reader.get("/api/v1/role-profiles/").json()["results"]
    assert profile["code"] == "team-leader" and profile["status"] == "approved"
    assert profile["framework"] == "leadership" and profile["framework_version"] == 1
    assert [(r["competency"], r["required_level"]) for r in profile["requirements"]] == [
        (version.competencies.order_by("code").first().code, 3)]


def test_people_are_listed_with_the_columns_of_the_people_import(hr_reader):
    unit = OrgUnitFactory(code="PLANT")
    boss = PersonFactory(org_unit=unit, employee_id="B1", user__email="boss@example.com")
    PersonFactory(org_unit=unit, employee_id="E1", manager=boss, user__email="e1@example.com")
    PersonFactory(org_unit=unit, employee_id="GONE", active=False)
    people = hr_reader.get("/api/v1/people/").json()["results"]
    assert [p["employee_id"] for p in people] == ["B1", "E1"]  # inactive people only when asked, as on the page
    assert people[1]["manager_email"] == "boss@example.com" and people[1]["org_unit"] == "PLANT"
    everyone = hr_reader.get("/api/v1/people/?active=all").json()["results"]
    assert {p["employee_id"] for p in everyone} == {"B1", "E1", "GONE"}
    assert hr_reader.get("/api/v1/people/?q=E1").json()["results"][0]["employee_id"] == "E1"
    assert hr_reader.get("/api/v1/people/E1/").json()["email"] == "e1@example.com"
    assert hr_reader.get("/api/v1/people/NOPE/").status_code == 404


def test_lists_are_paged_by_cursor(hr_reader):
    for n in range(5):
        OrgUnitFactory(code=f"U{n}")
    first = hr_reader.get("/api/v1/org-units/?page_size=2").json()
    assert len(first["results"]) == 2 and first["previous"] is None
    second = hr_reader.get(first["next"]).json()
    third = hr_reader.get(second["next"]).json()
    codes = [u["code"] for page in (first, second, third) for u in page["results"]]
    assert codes == ["U0", "U1", "U2", "U3", "U4"] and third["next"] is None


def test_a_bad_cursor_is_a_404_not_an_error(hr_reader):
    response = hr_reader.get("/api/v1/org-units/?cursor=nonsense")
    assert response.status_code == 404 and response.json()["detail"] == "Invalid cursor"


def _people(count: int, start: int) -> None:
    unit = OrgUnitFactory()
    for n in range(count):
        PersonFactory(org_unit=unit, employee_id=f"P{start + n:04d}")


@pytest.mark.parametrize("size", [2, 12])
def test_list_query_counts_do_not_grow_with_the_page(django_assert_num_queries, hr, hr_reader, size):
    for n in range(size // 2):
        version = published_framework(hr, code=f"fw{n}", areas=1, per_area=1)
        approved_profile(version, hr, code=f"profile-{n}")
    _people(size, 0)
    _warm(hr_reader)
    # The token, the page of frameworks with their scales, their versions.
    with django_assert_num_queries(3):
        assert len(hr_reader.get("/api/v1/frameworks/").json()["results"]) == size // 2
    # The token, the page of profiles with their versions and frameworks, their requirements.
    with django_assert_num_queries(3):
        assert len(hr_reader.get("/api/v1/role-profiles/").json()["results"]) == size // 2
    # The token, the page of people with their accounts, units, profiles and managers.
    with django_assert_num_queries(2):
        assert len(hr_reader.get("/api/v1/people/").json()["results"]) >= size
    # The token, the page of units with their parents.
    with django_assert_num_queries(2):
        hr_reader.get("/api/v1/org-units/")
