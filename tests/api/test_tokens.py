"""HR's token pages and what a token is worth at the door: its key, its scope, revocation, the rate."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from api.services import token_create
from tests.api.conftest import TokenClient
from tests.helpers import visible_text

pytestmark = pytest.mark.django_db
FRAMEWORKS = "/api/v1/frameworks/"


def test_hr_creates_a_token_and_sees_its_key_once_while_only_its_hash_is_kept(client, hr):
    client.force_login(hr)
    response = client.post(reverse("api:token_create"), {"name": "Workday sync", "role": "hr", "scope": "read-write"})
    assert response.status_code == 200
    key = response.context["key"]
    assert key in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get()
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(ApiToken.objects.values().get()) and key not in str(token.history.values().get())
    assert token.prefix == key[:8] and token.created_by == hr
    assert token.history.get().history_user == hr
    # The list shows the token by its prefix, never its key.
    listing = client.get(reverse("api:token_list"))
    page = visible_text(listing)
    assert "Workday sync" in page and token.prefix in page and "Read and write" in page and "never" in page
    assert key not in listing.content.decode()


def test_an_auditor_token_may_only_read(client, hr):
    client.force_login(hr)
    response = client.post(reverse("api:token_create"), {"name": "Audit", "role": "auditor", "scope": "read-write"})
    assert response.status_code == 400
    assert "An auditor token can only read." in visible_text(response)
    assert not ApiToken.objects.exists()


def test_a_token_cannot_act_as_a_leader(client, hr):
    client.force_login(hr)
    response = client.post(reverse("api:token_create"), {"name": "Me", "role": "leader", "scope": "read"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_a_revoked_token_is_refused_and_the_list_says_since_when(client, hr, make_token):
    token, api = make_token()
    assert api.get(FRAMEWORKS).status_code == 200
    client.force_login(hr)
    response = client.post(reverse("api:token_revoke", args=[token.pk]), follow=True)
    assert "HRIS sync is revoked" in visible_text(response)
    assert "revoked" in visible_text(client.get(reverse("api:token_list")))
    refused = api.get(FRAMEWORKS)
    assert refused.status_code == 401
    assert refused.json()["detail"] == "This key is not valid, or has been revoked."
    token.refresh_from_db()
    assert token.revoked_by == hr and token.history.first().history_user == hr
    again = client.post(reverse("api:token_revoke", args=[token.pk]), follow=True)
    assert "revoked already" in visible_text(again)


@pytest.mark.parametrize("header", ["Bearer pf_not-a-key", "Bearer", "Bearer a b", "Bearer \u00e9t\u00e9"])
def test_an_unknown_or_malformed_key_gets_401(db, header):
    response = TokenClient().get(FRAMEWORKS, HTTP_AUTHORIZATION=header.encode("utf-8").decode("latin-1"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_no_token_gets_401_not_the_login_page(db):
    response = TokenClient().get(FRAMEWORKS)
    assert response.status_code == 401


def test_the_sign_in_session_does_not_open_the_api(client, hr):
    client.force_login(hr)
    assert client.get(FRAMEWORKS).status_code == 401


def test_a_read_token_may_not_write(make_token):
    _, api = make_token("hr", "read")
    response = api.post("/api/v1/people/bulk/", {"people": []}, format="json")
    assert response.status_code == 403
    assert "may only read" in response.json()["detail"]


def test_last_use_is_recorded_at_most_once_a_minute(make_token):
    token, api = make_token()
    api.get(FRAMEWORKS)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    api.get(FRAMEWORKS)
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    api.get(FRAMEWORKS)
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(seconds=1)
    assert token.history.count() == 1  # using a token is not a change to it


@override_settings(API_RATE="3/minute")
def test_requests_beyond_the_rate_of_one_token_get_429_while_another_token_goes_on(make_token):
    _, busy = make_token(name="Busy")
    _, calm = make_token(name="Calm")
    assert [busy.get(FRAMEWORKS).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert calm.get(FRAMEWORKS).status_code == 200


def test_a_token_acts_as_its_role_through_the_permission_rules(hr, make_token):
    """A quality token reads drafts (managing roles see every version), an auditor's sees only published ones."""
    from competency import services
    from competency.models import ProficiencyScale

    services.framework_create(name="Draft only", code="draft-only", description="",
                              scale=ProficiencyScale.objects.get(name="Proficio 1-5"), owner=hr)
    _, quality = make_token("quality", "read")
    _, auditor = make_token("auditor", "read")
    assert [f["code"] for f in quality.get(FRAMEWORKS).json()["results"]] == ["draft-only"]
    assert auditor.get(FRAMEWORKS).json()["results"] == []


def test_tokens_are_listed_newest_first_with_who_created_them(client, hr):
    older, _ = token_create(name="Old", role="quality", scope="read", actor=hr)
    ApiToken.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=3))
    token_create(name="New", role="auditor", scope="read", actor=hr)
    client.force_login(hr)
    page = visible_text(client.get(reverse("api:token_list")))
    assert page.index("New") < page.index("Old")
    assert "Quality manager" in page and "Auditor" in page and str(hr) in page


@pytest.mark.parametrize("rate", ["lots", "0/minute", "600/fortnight", ""])
def test_a_malformed_rate_stops_start_up_with_a_message(settings, rate):
    from django.apps import apps
    from django.core.exceptions import ImproperlyConfigured

    settings.API_RATE = rate
    with pytest.raises(ImproperlyConfigured, match="API_RATE must be a count per period"):
        apps.get_app_config("api").ready()


DEAD_REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1: refused at once
                          "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}


def test_while_the_cache_is_down_the_api_answers_uncounted_and_says_so_in_the_log(make_token, settings, caplog):
    """The rate is counted in the cache (Redis): when Redis stops, integrations keep working (no 500), the
    token's role and scope still hold, and the outage is logged; counting resumes with the cache."""
    _, api = make_token("hr", "read")
    settings.API_RATE = "2/minute"
    settings.CACHES = DEAD_REDIS
    with caplog.at_level("WARNING", logger="api.access"):
        answers = [api.get(FRAMEWORKS).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 200]
    assert api.post("/api/v1/people/bulk/", {"people": []}, format="json").status_code == 403
    warnings = [record for record in caplog.records if record.name == "api.access"]
    assert warnings and "The cache is unreachable" in warnings[0].getMessage()
    assert all(record.levelname == "WARNING" for record in warnings)


def test_counting_resumes_when_the_cache_answers_again(make_token, settings):
    _, api = make_token("hr", "read")
    settings.API_RATE = "2/minute"
    settings.CACHES = DEAD_REDIS
    assert api.get(FRAMEWORKS).status_code == 200
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "back"}}
    assert [api.get(FRAMEWORKS).status_code for _ in range(3)] == [200, 200, 429]
