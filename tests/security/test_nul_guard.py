"""A NUL character anywhere in a request is refused with a 400 and a clear message, and nothing is written
(core/middleware.py): PostgreSQL text cannot hold it, and a raw search parameter once made a server error."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role, User
from competency.models import Framework
from tests.factories import UserFactory
from tests.helpers import visible_text

pytestmark = pytest.mark.django_db


def test_a_nul_in_a_search_is_refused_with_a_message(client):
    client.force_login(UserFactory(role=Role.HR))
    response = client.get(reverse("profiles:person_list"), {"q": "Ann\x00"})
    assert response.status_code == 400
    assert "contains a NUL character" in visible_text(response)


def test_a_nul_in_a_posted_field_is_refused_and_nothing_is_saved(client, scale):
    client.force_login(UserFactory(role=Role.HR))
    response = client.post(reverse("competency:framework_create"),
                           {"name": "Safety\x00", "code": "safety", "description": "", "scale": scale.pk})
    assert response.status_code == 400
    assert "contains a NUL character" in visible_text(response)
    assert not Framework.objects.filter(code="safety").exists()


def test_a_nul_in_the_path_is_refused(client):
    client.force_login(UserFactory(role=Role.HR))
    assert client.get("/competency/versions/1/export/csv%00/").status_code == 400


# --- the REST API speaks JSON ----------------------------------------------------------------------------


@pytest.fixture
def api(db):
    from api.services import token_create
    from tests.api.conftest import TokenClient

    _token, key = token_create(name="HRIS sync", role="hr", scope="read-write", actor=UserFactory(role=Role.HR))
    return TokenClient(key)


@pytest.fixture
def people_setup(db):
    from tests.factories import OrgUnitFactory

    return OrgUnitFactory(code="OPS")


def _refused_as_json(response) -> str:
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    return response.json()["detail"]


@pytest.mark.parametrize("address", ["/api/v1/people/?q=Ann%00", "/api/v1/people/E1%00/", "/api/v1/cycles/?status=%00"])
def test_a_nul_in_an_api_address_gets_a_json_400(api, address):
    assert "contains a NUL character" in _refused_as_json(api.get(address))


def test_a_nul_is_refused_as_json_before_the_token_is_even_read(db):
    from tests.api.conftest import TokenClient

    assert "contains a NUL character" in _refused_as_json(TokenClient().get("/api/v1/people/", {"q": "\x00"}))


def test_hr_s_token_pages_under_api_keep_the_html_page(client):
    client.force_login(UserFactory(role=Role.HR))
    response = client.get(reverse("api:token_list"), {"q": "\x00"})
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
    assert "contains a NUL character" in visible_text(response)


def _person(**overrides) -> dict:
    return {"first_name": "Maria", "last_name": "Jensen", "email": "maria@example.com", "org_unit": "OPS", **overrides}


@pytest.mark.parametrize("field", ["first_name", "last_name", "email", "org_unit", "role_profile", "manager_email"])
def test_a_nul_in_a_put_person_field_gets_a_json_400_naming_the_field_and_writes_nothing(api, people_setup, field):
    from profiles.models import Person

    response = api.put("/api/v1/people/E1/", _person(**{field: "Ma\x00ria"}), format="json")
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert response.json()[field] == ["Null characters are not allowed."]
    assert not Person.objects.exists() and not User.objects.filter(email="maria@example.com").exists()


@pytest.mark.parametrize("person", [_person(employee_id="E\x002"), _person(employee_id="E2", last_name="\x00")])
def test_a_nul_in_a_bulk_person_gets_a_json_400_and_writes_nothing(api, people_setup, person):
    from profiles.models import Person

    body = {"people": [_person(employee_id="E1", email="ann@example.com"), person]}
    response = api.post("/api/v1/people/bulk/", body, format="json")
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert "Null characters are not allowed." in str(response.json()["people"])
    assert not Person.objects.exists()


def test_a_nul_in_an_unknown_key_is_ignored_as_any_unknown_key_and_stored_nowhere(api, people_setup):
    from profiles.models import Person

    response = api.put("/api/v1/people/E1/", {**_person(), "nick\x00name": "x"}, format="json")
    assert response.status_code == 200, response.content
    assert Person.objects.get().user.first_name == "Maria"


def test_a_raw_nul_byte_in_a_json_body_is_a_json_400(api, people_setup):
    from profiles.models import Person

    body = b'{"first_name": "Ma\x00ria", "last_name": "J", "email": "m@example.com", "org_unit": "OPS"}'
    response = api.put("/api/v1/people/E1/", body, content_type="application/json")
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert "JSON parse error" in response.json()["detail"]
    assert not Person.objects.exists()
