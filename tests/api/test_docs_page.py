"""The API reference page (/api/v1/docs/): Proficio's own page, read from the OpenAPI schema the API serves, with
every operation, its parameters, body and answers; for everyone signed in, at a fixed cost; and building it
leaves the list pages' filters as they were."""

from __future__ import annotations

import re

import pytest

from api import reference
from competency.services import version_revise
from competency.filters import FrameworkFilter
from profiles.filters import PersonFilter, ProfileFilter
from tests.factories import UserFactory
from tests.helpers import build_framework, publish, text

pytestmark = pytest.mark.django_db

DOCS = "/api/v1/docs/"


@pytest.fixture
def schema(client):
    """The schema as /api/v1/schema/ serves it to a signed-in reader."""
    client.force_login(UserFactory(role="quality", email="schema-reader@example.com"))
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    client.logout()
    return response.json()


def _operation_html(page: str, method: str, path: str) -> str:
    found = re.search(rf'<article[^>]*data-method="{method}" data-path="{re.escape(path)}">(.*?)</article>', page, re.S)
    assert found, f"{method} {path} is not on the page"
    return found.group(1)


def test_every_operation_of_the_schema_is_on_the_page_with_its_parameters_and_answers(client, schema):
    client.force_login(UserFactory(role="leader"))
    page = client.get(DOCS).content.decode()
    operations = {(method.upper(), path) for path, methods in schema["paths"].items() for method in methods}
    on_page = set(re.findall(r'data-testid="api-operation"\s+data-method="(\w+)" data-path="([^"]+)"', page))
    assert on_page == operations and len(operations) == 20
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            html = _operation_html(page, method.upper(), path)
            assert f"<code>{path}</code></h3>" in html
            for parameter in operation.get("parameters", ()):
                assert f'<th scope="row"><code>{parameter["name"]}</code></th><td>{parameter["in"]}</td>' in html
            for status in operation["responses"]:
                assert f'<th scope="row"><code>{status}</code></th>' in html
            first_sentence = operation.get("description", "").split("`")[0].split("\n")[0]
            assert first_sentence.replace("'", "&#x27;") in html


def test_the_people_writes_list_their_body_fields_and_which_are_required(client):
    client.force_login(UserFactory(role="hr"))
    page = client.get(DOCS).content.decode()
    put = _operation_html(page, "PUT", "/api/v1/people/{employee_id}/")
    assert "Request body fields: PersonWrite" in put
    fields = put.split("Request body fields: PersonWrite")[1].split("</table>")[0]
    required = dict(re.findall(r'<th scope="row"><code>(\w+)</code></th><td>[^<]*</td><td>(yes|no)</td>', fields))
    assert required == {"first_name": "yes", "last_name": "yes", "email": "yes", "org_unit": "yes",
                        "role_profile": "no", "manager_email": "no", "active": "no", "start_date_in_role": "no"}
    bulk = _operation_html(page, "POST", "/api/v1/people/bulk/")
    # The bulk body is a list of people: both its own field and each person's fields are tabled.
    assert "Request body fields: PeopleBulk" in bulk and "Request body fields: BulkPerson" in bulk
    assert '<code>employee_id</code></th><td>string, up to 200 characters</td><td>yes</td>' in bulk


def test_it_explains_authentication_limits_paging_and_errors_and_links_the_schema_and_the_explorer(client, settings):
    settings.API_RATE = "120/hour"
    client.force_login(UserFactory(role="quality"))
    page = text(client.get(DOCS))
    assert "Authorization: Bearer <key>" in page
    assert "Each token may make 120 requests a hour" in page and "429 Too Many Requests" in page
    assert "up to 500" in page and "next" in page
    assert "No API token, or a key that is not valid or has been revoked." in page
    html = client.get(DOCS).content.decode()
    assert '<a href="/api/v1/schema/"><code>/api/v1/schema/</code></a>' in html
    assert '<a href="/api/v1/docs/try/">Try the API in Swagger UI</a> (third-party, not fully accessible)' in html
    # Quality cannot open HR's token pages: it is told whom to ask, not given a link it would be refused.
    assert "/api/tokens/" not in html and "ask them for one" in page


def test_hr_is_linked_to_the_token_pages(client):
    client.force_login(UserFactory(role="hr"))
    assert '<a href="/api/tokens/">API tokens</a>' in client.get(DOCS).content.decode()


def test_the_contents_link_to_every_section_and_operation_on_the_page(client):
    client.force_login(UserFactory(auditor=True))
    html = client.get(DOCS).content.decode()
    contents = re.search(r'<nav aria-labelledby="api-contents".*?</nav>', html, re.S).group(0)
    targets = re.findall(r'href="#([^"]+)"', contents)
    assert len(targets) == 4 + 9 + 20 + 1  # topics, tags, operations, data shapes
    for target in targets:
        assert f'id="{target}"' in html, target
    # Every table is captioned and headed.
    assert html.count("<table") == html.count("<caption>") == html.count('<th scope="col">Status</th>') + html.count(
        '<th scope="col">Name</th>') + html.count('<th scope="col">Field</th>')


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get(DOCS)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/api/v1/docs/try/").status_code == 302


def test_the_page_costs_the_same_whether_the_schema_is_built_or_kept(client, django_assert_num_queries):
    client.force_login(UserFactory(role="hr"))
    reference.api_reference.cache_clear()
    # session, user: the schema is built without the database and kept for the process
    with django_assert_num_queries(2):
        assert client.get(DOCS).status_code == 200
    with django_assert_num_queries(2):
        assert client.get(DOCS).status_code == 200


def test_building_the_reference_leaves_the_list_pages_filters_as_they_were(client, draft, hr):
    """The schema generator builds the filter sets' form fields (with every choice) on the classes; the reference
    drops them again, so that a reader's list page still offers only what that reader may see."""
    class_filters = [*FrameworkFilter.base_filters.values(), *PersonFilter.base_filters.values(),
                     *ProfileFilter.base_filters.values()]
    for class_filter in class_filters:
        class_filter.__dict__.pop("_field", None)
    reference.api_reference.cache_clear()
    client.force_login(hr)
    assert client.get(DOCS).status_code == 200
    assert [f for f in class_filters if "_field" in f.__dict__] == []

    build_framework(draft, areas=1, per_area=1)
    version_revise(version=publish(draft, hr), actor=hr)  # a draft v2 a leader is not told about
    client.force_login(UserFactory())
    assert "Draft" not in text(client.get("/frameworks/"))
