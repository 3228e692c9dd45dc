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
