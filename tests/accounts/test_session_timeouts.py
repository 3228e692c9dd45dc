"""Sessions end after the security policy's minutes without activity (30 unless HR changes it), and 12 hours
after sign-in however active (ASVS 3.3.2): the next request goes to the sign-in page, which says why."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import Role, SecurityPolicy, UserSession
from accounts.services import SESSION_SEEN_KEY, SESSION_SIGNED_IN_KEY
from assessments.models import Answer, Group
from tests.accounts.two_factor_helpers import sign_in
from tests.assessments.builders import team_cycle
from tests.factories import TEST_PASSWORD, UserFactory
from tests.helpers import visible_text

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
IDLE_30 = "You were signed out after 30 minutes without activity"


def signed_in_client(email: str = "ada@example.com") -> Client:
    UserFactory(email=email)
    client = Client()
    assert sign_in(client, email).status_code == 302
    return client


def quiet_for(client: Client, minutes: float, key: str = SESSION_SEEN_KEY) -> None:
    """As if nothing came from this browser for `minutes` since its session was last seen (or signed in)."""
    session = client.session
    session[key] = int(time.time() - minutes * 60)
    session.save()


def is_signed_in(client: Client) -> bool:
    return client.get(reverse("dashboard:home")).status_code == 200


def test_a_session_idle_beyond_the_limit_is_signed_out_and_the_sign_in_page_says_why():
    client = signed_in_client()
    quiet_for(client, 32)
    response = client.get("/frameworks/?page=1")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/frameworks/%3Fpage%3D1"  # back there after signing in
    page = client.get(response.url)
    assert IDLE_30 in visible_text(page)
    assert not UserSession.objects.exists()
    assert not is_signed_in(client)


def test_a_session_used_within_the_limit_stays_signed_in_and_is_seen_again():
    client = signed_in_client()
    quiet_for(client, 29)  # the last request may have come up to a minute after "last seen" was written
    before = client.session[SESSION_SEEN_KEY]
    assert client.get("/frameworks/").status_code == 200
    assert client.session[SESSION_SEEN_KEY] > before
    quiet_for(client, 20)
    assert is_signed_in(client)  # 20 minutes since the last request, not 49 since sign-in
    assert UserSession.objects.count() == 1


def test_the_limit_is_the_one_hr_chose(client):
    from accounts import services

    services.security_policy_set(actor=UserFactory(role=Role.HR), require_two_factor=False, idle_minutes=10)
    assert SecurityPolicy.current().idle_minutes == 10
    laptop = signed_in_client()
    quiet_for(laptop, 9)
    assert is_signed_in(laptop)
    quiet_for(laptop, 12)
    page = laptop.get("/", follow=True)
    assert "You were signed out after 10 minutes without activity" in visible_text(page)
    assert not is_signed_in(laptop)


def test_a_session_ends_12_hours_after_sign_in_however_active():
    client = signed_in_client()
    assert settings.SESSION_COOKIE_AGE == 12 * 60 * 60
    quiet_for(client, 11 * 60 + 50, key=SESSION_SIGNED_IN_KEY)
    assert is_signed_in(client)
    quiet_for(client, 12 * 60 + 1, key=SESSION_SIGNED_IN_KEY)
    quiet_for(client, 2)  # active a moment ago
    page = client.get("/", follow=True)
    assert "a session lasts 12 hours after signing in" in visible_text(page)
    assert not is_signed_in(client)


def test_a_password_change_keeps_the_time_of_sign_in():
    from datetime import timedelta

    client = signed_in_client()
    eleven_hours_ago = UserSession.objects.get().signed_in_at - timedelta(hours=11)
    UserSession.objects.update(signed_in_at=eleven_hours_ago)
    quiet_for(client, 11 * 60, key=SESSION_SIGNED_IN_KEY)
    response = client.post("/accounts/password/change/", {
        "old_password": TEST_PASSWORD, "new_password1": "a brand new passphrase",
        "new_password2": "a brand new passphrase"})
    assert response.status_code == 302
    assert client.session[SESSION_SIGNED_IN_KEY] == int(eleven_hours_ago.timestamp())  # not a new 12 hours
    assert is_signed_in(client)


def test_an_idle_htmx_request_gets_a_401_with_the_reason_and_the_next_page_asks_to_sign_in():
    client = signed_in_client()
    quiet_for(client, 45)
    response = client.post("/frameworks/", {}, **HTMX)
    assert response.status_code == 401
    assert IDLE_30 in response.content.decode()
    assert "X-Answer-Status" not in response.headers  # the questionnaire's script shows "Not saved: reload"
    page = client.get("/", follow=True)
    assert page.redirect_chain[-1][0].startswith("/accounts/login/")
    assert IDLE_30 in visible_text(page)


def test_an_idle_plain_post_goes_to_sign_in_and_changes_nothing(scale):
    from competency.models import Framework

    hr = UserFactory(role=Role.HR, email="hr@example.com")
    client = Client()
    sign_in(client, hr.email)
    quiet_for(client, 31)
    response = client.post(reverse("competency:framework_create"),
                           {"name": "Late", "code": "late", "description": "", "scale": scale.pk})
    assert response.status_code == 302 and response.url == "/accounts/login/"
    assert not Framework.objects.filter(code="late").exists()


def test_a_rater_answering_a_questionnaire_keeps_their_session_while_autosaving():
    team = team_cycle(peers=1, reports=0, externals=0)
    questionnaire = team.questionnaire(Group.PEER)
    rater = Client()
    rater.force_login(team.peers[0].user)
    competencies = team.competencies()
    # An answer every 20 minutes for an hour and a half: never 30 minutes quiet, so never signed out.
    for step, competency in enumerate(competencies):
        quiet_for(rater, 20)
        response = rater.post(reverse("assessments:questionnaire_answer", args=[questionnaire.pk, competency.pk]),
                              {f"c{competency.pk}-level": "3"}, **HTMX)
        assert response.status_code == 200, step
        assert "Saved" in visible_text(response)
    assert Answer.objects.filter(questionnaire=questionnaire).count() == len(competencies)
    assert rater.get(reverse("assessments:questionnaire", args=[questionnaire.pk])).status_code == 200


def test_a_quiet_session_reads_the_policy_only_once_it_could_have_passed_the_shortest_limit():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in_client()

    def policy_reads() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/accounts/sessions/").status_code == 200
        return sum("accounts_securitypolicy" in query["sql"] for query in captured.captured_queries)

    assert policy_reads() == 0  # seen a moment ago
    quiet_for(client, 3)
    assert policy_reads() == 0  # under the shortest limit HR can choose
    quiet_for(client, 7)
    assert policy_reads() == 1
