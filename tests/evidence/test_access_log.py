"""Every page an auditor opens is logged (evidence.middleware), and HR reads the log (evidence:access_log)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from evidence.models import AccessEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
LOG = reverse("evidence:access_log")
MIDDLEWARE = "evidence.middleware.AuditorAccessLogMiddleware"


@pytest.fixture(autouse=True)
def logging_on(settings):
    """The middleware right after the read-only layer (settings has it once the lead wires it)."""
    if MIDDLEWARE not in settings.MIDDLEWARE:
        middleware = list(settings.MIDDLEWARE)
        middleware.insert(middleware.index("accounts.middleware.ReadOnlyAuditorMiddleware") + 1, MIDDLEWARE)
        settings.MIDDLEWARE = middleware


@pytest.fixture
def auditor():
    return UserFactory(auditor=True, first_name="Ada", last_name="Auditor")


@pytest.fixture
def hr():
    return UserFactory(role=Role.HR)


def test_each_page_an_auditor_opens_is_logged_with_its_query_and_status(client, auditor):
    client.force_login(auditor)
    client.get(reverse("evidence:landing") + "?role_profile=&org_unit=")
    client.get(reverse("evidence:sample", args=[987654]))
    client.get(LOG)
    events = list(AccessEvent.objects.order_by("pk").values_list("user_id", "method", "path", "status"))
    assert events == [
        (auditor.pk, "GET", "/evidence/?role_profile=&org_unit=", 200),
        (auditor.pk, "GET", "/evidence/samples/987654/", 404),
        (auditor.pk, "GET", "/evidence/access-log/", 403),
    ]


def test_a_refused_write_and_signing_out_are_logged_too(client, auditor):
    client.force_login(auditor)
    client.post(reverse("evidence:matrix"))
    client.post(reverse("accounts:logout"))
    assert list(AccessEvent.objects.order_by("pk").values_list("method", "status")) == [("POST", 403), ("POST", 302)]
    assert AccessEvent.objects.filter(user=auditor).count() == 2


def test_logging_a_request_costs_one_insert(client, auditor, django_assert_num_queries):
    client.force_login(auditor)
    client.get(reverse("accounts:password_change_done"))
    with django_assert_num_queries(3):  # the session, the user, the insert
        client.get(reverse("accounts:password_change_done"))


def test_other_roles_and_visitors_are_not_logged(client, hr, auditor):
    client.get(reverse("evidence:landing"))
    client.force_login(hr)
    client.get(reverse("evidence:landing"))
    client.get(LOG)
    assert not AccessEvent.objects.exists()


def test_an_auditor_outside_their_window_is_not_signed_in_and_so_not_logged(client, auditor):
    client.force_login(auditor)
    type(auditor).objects.filter(pk=auditor.pk).update(access_valid_until=timezone.now() - timedelta(seconds=1))
    assert client.get(reverse("evidence:landing")).status_code == 302
    assert not AccessEvent.objects.exists()


def test_a_long_address_is_cut_not_refused(client, auditor):
    client.force_login(auditor)
    client.get(reverse("evidence:landing"), {"q": "x" * 3000})
    assert len(AccessEvent.objects.get().path) == 2000


def _event(user, *, days_ago: int, path: str = "/evidence/"):
    return AccessEvent.objects.create(user=user, at=timezone.now() - timedelta(days=days_ago), method="GET",
                                      path=path, status=200)


def test_hr_reads_the_log_newest_first_and_filters_by_auditor_and_day(client, hr, auditor):
    other = UserFactory(auditor=True, first_name="Otto", last_name="Other")
    _event(auditor, days_ago=10, path="/old/")
    _event(auditor, days_ago=1, path="/new/")
    _event(other, days_ago=1, path="/other/")
    client.force_login(hr)
    paths = lambda response: [event.path for event in response.context["page"].object_list]  # noqa: E731
    assert paths(client.get(LOG)) == ["/other/", "/new/", "/old/"]
    assert paths(client.get(LOG, {"auditor": auditor.pk})) == ["/new/", "/old/"]
    day = (timezone.localdate() - timedelta(days=10)).isoformat()
    assert paths(client.get(LOG, {"date_from": day, "date_to": day})) == ["/old/"]
    assert "/new/" in client.get(LOG).content.decode()


@pytest.mark.parametrize("query", [{"auditor": "987654"}, {"date_from": "soon"},
                                   {"date_from": "2026-02-02", "date_to": "2026-02-01"}])
def test_bad_filters_are_answered_400(client, hr, query):
    client.force_login(hr)
    assert client.get(LOG, query).status_code == 400


@pytest.mark.parametrize("role", [Role.QUALITY, Role.LEADER])
def test_only_hr_reads_the_log(client, role):
    client.force_login(UserFactory(role=role))
    assert client.get(LOG).status_code == 403


def test_the_log_costs_the_same_queries_at_two_sizes(client, hr, auditor, django_assert_num_queries):
    client.force_login(hr)
    _event(auditor, days_ago=1)
    client.get(LOG)
    # session, user, the count, the page of events with their auditors, the auditor choices
    with django_assert_num_queries(5):
        client.get(LOG)
    for day in range(80):
        _event(UserFactory(auditor=True), days_ago=day % 20)
    with django_assert_num_queries(5):
        response = client.get(LOG)
    assert len(response.context["page"].object_list) == 50


def test_the_auditor_banner_says_what_they_open_is_logged(client, auditor):
    client.force_login(auditor)
    html = client.get(reverse("dashboard:home")).content.decode()
    assert "what you open is logged" in html
    assert "may be logged" not in html


# --- requests made with an auditor's API token ---------------------------------------------------------


def _token_client(role: str, creator, name: str = "Audit export"):
    from api.services import token_create
    from tests.api.conftest import TokenClient

    token, key = token_create(name=name, role=role, scope="read", actor=creator)
    return token, TokenClient(key)


def test_an_auditor_tokens_reads_are_logged_with_their_status_and_named_by_the_token(client, hr):
    token, api = _token_client("auditor", hr)
    assert api.get("/api/v1/people/", {"active": "all"}).status_code == 200
    assert api.get("/api/v1/people/NOBODY/").status_code == 404
    assert api.get("/api/v1/cycles/", {"status": "finished"}).status_code == 400
    events = list(AccessEvent.objects.order_by("pk").values_list("user_id", "token_name", "token_prefix", "method",
                                                                 "path", "status"))
    assert events == [
        (None, "Audit export", token.prefix, "GET", "/api/v1/people/?active=all", 200),
        (None, "Audit export", token.prefix, "GET", "/api/v1/people/NOBODY/", 404),
        (None, "Audit export", token.prefix, "GET", "/api/v1/cycles/?status=finished", 400),
    ]
    client.force_login(hr)
    shown = client.get(LOG).content.decode()
    assert f"API token “Audit export” ({token.prefix}…)" in shown and "/api/v1/people/?active=all" in shown
    assert f"API token “Audit export” ({token.prefix}…)" in client.get(reverse("evidence:pack_log")).content.decode()


def test_an_auditor_tokens_refused_write_and_its_429_are_logged_too(hr, settings):
    settings.API_RATE = "2/minute"
    _token, api = _token_client("auditor", hr)
    assert api.post("/api/v1/people/bulk/", {"people": []}, format="json").status_code == 403
    # DRF counts a request against the rate once its permissions pass: the refused write does not count.
    assert [api.get("/api/v1/frameworks/").status_code for _ in range(3)] == [200, 200, 429]
    assert list(AccessEvent.objects.order_by("pk").values_list("method", "status")) == [
        ("POST", 403), ("GET", 200), ("GET", 200), ("GET", 429)]


def test_other_tokens_and_unknown_or_revoked_keys_are_not_logged(hr):
    from api.services import token_revoke
    from tests.api.conftest import TokenClient

    _hr_token, hr_api = _token_client("hr", hr, name="HRIS sync")
    _quality_token, quality_api = _token_client("quality", hr, name="Reporting")
    revoked, revoked_api = _token_client("auditor", hr, name="Old audit")
    token_revoke(token=revoked, actor=hr)
    assert hr_api.get("/api/v1/people/").status_code == 200
    assert quality_api.get("/api/v1/people/").status_code == 200
    assert revoked_api.get("/api/v1/people/").status_code == 401
    assert TokenClient("pf_not-a-key").get("/api/v1/people/").status_code == 401
    assert TokenClient().get("/api/v1/people/").status_code == 401
    assert not AccessEvent.objects.exists()


def test_an_auditor_signed_in_who_sends_an_auditor_token_is_logged_once_as_the_token(client, auditor, hr):
    from api.services import token_create

    token, key = token_create(name="Audit export", role="auditor", scope="read", actor=hr)
    client.force_login(auditor)
    assert client.get("/api/v1/frameworks/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    assert list(AccessEvent.objects.values_list("user_id", "token_prefix")) == [(None, token.prefix)]


def test_logging_a_tokens_request_costs_one_insert(hr, django_assert_num_queries):
    _token, api = _token_client("auditor", hr)
    api.get("/api/v1/org-units/")  # the token's last use is written once a minute: outside the counted request
    with django_assert_num_queries(3):  # the token, the org units, the insert
        assert api.get("/api/v1/org-units/").status_code == 200


def test_the_log_lists_token_rows_beside_auditors_at_the_same_cost(client, hr, auditor, django_assert_num_queries):
    _event(auditor, days_ago=1, path="/by-account/")
    AccessEvent.objects.create(token_name="Audit export", token_prefix="pf_ab12", at=timezone.now(), method="GET",
                               path="/api/v1/people/", status=200)
    client.force_login(hr)
    client.get(LOG)
    # session, user, the count, the page of events with their auditors (none for a token's), the auditor choices
    with django_assert_num_queries(5):
        response = client.get(LOG)
    shown = response.content.decode()
    assert "API token “Audit export” (pf_ab12…)" in shown and str(auditor) in shown
    # Filtering by an auditor keeps to that auditor's own requests.
    assert [event.path for event in client.get(LOG, {"auditor": auditor.pk}).context["page"].object_list] == [
        "/by-account/"]


def test_a_row_names_an_account_or_a_token_never_neither(db):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        AccessEvent.objects.create(at=timezone.now(), method="GET", path="/", status=200)
