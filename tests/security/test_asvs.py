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
