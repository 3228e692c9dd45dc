"""Small checks behind items of the ASVS checklist (docs/security.md) that no other test covered."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_signing_in_gives_a_new_session_id_in_an_http_only_same_site_cookie():
    """V3.2.1, V3.4.2, V3.4.3: a session fixed before sign-in is not the one after it."""
    user = UserFactory(role=Role.HR)
    client = Client()
    client.get(reverse("accounts:login"))
    client.session.save()
    before = client.session.session_key
    response = client.post(reverse("accounts:login"), {"username": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert len(cookie.value) == 32 and cookie.value != before
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_a_post_without_the_csrf_token_is_refused(scale):
    """V4.2.2, V13.2.3: a state-changing request from another site is refused."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(role=Role.HR))
    response = client.post(reverse("competency:framework_create"),
                           {"name": "Forged", "code": "forged", "description": "", "scale": scale.pk})
    assert response.status_code == 403


def test_every_response_forbids_framing_and_sniffing_and_keeps_the_referrer_on_site(client):
    """V14.4.3-V14.4.7: the security headers are on every page, signed in or not."""
    for response in (client.get(reverse("accounts:login")), client.get("/no-such-page/")):
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert "default-src" in response["Content-Security-Policy"]


def test_an_error_page_shows_no_stack_trace_or_settings(client, settings):
    """V7.4.1, V14.3.2: with DEBUG off (as the test runner has it) a missing page says so, without internals."""
    assert settings.DEBUG is False
    client.force_login(UserFactory(role=Role.HR))
    body = client.get("/competency/versions/999999/").content.decode()
    assert "Traceback" not in body and "SECRET_KEY" not in body and "settings.py" not in body


def test_pages_and_downloads_for_a_signed_in_person_are_never_stored_but_static_files_and_sign_in_are_untouched(
        client, hr, draft):
    """V8.1.1, V8.2.1: no browser or proxy keeps a copy of a page with personal data (a shared computer's
    back button, a proxy's cache); responses that choose their own caching keep it."""
    anonymous = client.get(reverse("accounts:login"))
    assert "private, no-store" != anonymous.get("Cache-Control")  # Django's own never-cache header, not ours
    assert "Cache-Control" not in client.get("/no-such-page/")
    client.force_login(hr)
    for url in ("/", reverse("competency:framework_list"), reverse("accounts:account_list"),
                reverse("accounts:session_list"), reverse("accounts:account_edit", args=[hr.pk])):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "private, no-store", url
    download = client.get(reverse("competency:version_export", args=[draft.pk, "proficio-csv"]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert download["Cache-Control"] == "private, no-store"
    health = client.get("/healthz")
    assert "no-store" in health["Cache-Control"] and "max-age=0" in health["Cache-Control"]  # its own kept
    static = client.get("/static/js/proficio.js")
    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "")


# --- V13 API: what tests/api does not show on its own ---------------------------------------------------


@pytest.fixture
def api_key(hr):
    from api.services import token_create

    return token_create(name="HRIS sync", role="hr", scope="read-write", actor=hr)[1]


def test_an_api_key_opens_the_api_only_in_the_authorization_header(api_key):
    """V13.1.3: a key in the URL (where logs and proxies keep it) opens nothing."""
    from tests.api.conftest import TokenClient

    for name in ("key", "token", "access_token", "api_key", "bearer"):
        assert TokenClient().get(f"/api/v1/frameworks/?{name}={api_key}").status_code == 401, name
    assert TokenClient(api_key).get("/api/v1/frameworks/").status_code == 200


def test_an_endpoint_answers_405_to_a_method_it_does_not_offer_and_changes_nothing(api_key):
    """V13.2.1: only the methods an endpoint offers; the others are refused, whatever the token may do."""
    from tests.api.conftest import TokenClient

    api = TokenClient(api_key)
    person = {"employee_id": "E1", "first_name": "Maria", "last_name": "Jensen", "email": "maria@example.com"}
    for method, url in (("delete", "/api/v1/frameworks/"), ("post", "/api/v1/frameworks/"),
                        ("delete", "/api/v1/people/E1/"), ("patch", "/api/v1/people/E1/"),
                        ("put", "/api/v1/people/bulk/"), ("delete", "/api/v1/cycles/")):
        response = getattr(api, method)(url, person, format="json")
        assert response.status_code == 405, (method, url)
        assert "not allowed" in response.json()["detail"]
    from profiles.models import Person

    assert not Person.objects.exists()


def test_an_api_body_that_is_not_json_is_refused_with_415_and_changes_nothing(api_key):
    """V13.2.5: the API reads JSON only; a form or XML body is not guessed at."""
    from profiles.models import Person
    from tests.api.conftest import TokenClient

    api = TokenClient(api_key)
    xml = api.put("/api/v1/people/E1/", "<person><employee_id>E1</employee_id></person>", content_type="text/xml")
    assert xml.status_code == 415 and "Unsupported media type" in xml.json()["detail"]
    text = api.post("/api/v1/people/bulk/", '{"people": []}', content_type="text/plain")
    assert text.status_code == 415
    # A browser form's body is read (for the NUL guard) before the API sees it, so it arrives empty:
    # refused as a body without its fields, never read as data.
    form = api.post("/api/v1/people/bulk/", {"people": "E1"})
    assert form.status_code == 400 and "people" in form.json()
    assert not Person.objects.exists()
