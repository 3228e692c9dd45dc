"""Signed-in sessions: listed for their owner, ended one by one or all others at once, by HR for an account,
and by a password change or reset; a session that was ended sends its next request to the sign-in page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import Role, UserSession
from tests.accounts.two_factor_helpers import sign_in
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
SESSIONS = "/accounts/sessions/"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0"
SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/18.0 Mobile/15E148 Safari/604.1")


def browser(user_agent: str, address: str) -> Client:
    return Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address)


def signed_out(client: Client) -> bool:
    response = client.get("/")
    return response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_a_user_sees_their_sessions_with_browser_address_and_this_session(django_assert_num_queries):
    UserFactory(email="ada@example.com")
    UserFactory(email="bob@example.com")
    laptop, phone, other = browser(FIREFOX, "10.0.0.5"), browser(SAFARI, "10.0.0.9"), browser(FIREFOX, "10.0.0.7")
    for client, email in ((laptop, "ada@example.com"), (phone, "ada@example.com"), (other, "bob@example.com")):
        assert sign_in(client, email).status_code == 302
    # session, user, the navigation's person, the sessions still working (one query whatever their number)
    with django_assert_num_queries(4):
        html = laptop.get(SESSIONS).content.decode()
    assert "Firefox on Windows" in html and "10.0.0.5" in html
    assert "Safari on iPhone" in html and "10.0.0.9" in html
    assert "10.0.0.7" not in html  # not Bob's
    assert html.count("this session") == 1


def test_ending_another_session_sends_its_next_request_to_sign_in():
    UserFactory(email="ada@example.com")
    laptop, phone = browser(FIREFOX, "10.0.0.5"), browser(SAFARI, "10.0.0.9")
    sign_in(laptop, "ada@example.com")
    sign_in(phone, "ada@example.com")
    on_phone = UserSession.objects.get(ip_address="10.0.0.9")
    response = laptop.post(f"/accounts/sessions/{on_phone.pk}/end/", follow=True)
    assert "The session in Safari on iPhone is signed out." in response.content.decode()
    assert signed_out(phone)
    assert not signed_out(laptop)
    this = UserSession.objects.get()
    assert laptop.post(f"/accounts/sessions/{this.pk}/end/").status_code == 302  # told to sign out instead
    assert not signed_out(laptop)


def test_signing_out_all_other_sessions_keeps_this_one():
    UserFactory(email="ada@example.com")
    clients = [browser(FIREFOX, f"10.0.0.{n}") for n in range(3)]
    for client in clients:
        sign_in(client, "ada@example.com")
    response = clients[0].post("/accounts/sessions/end-others/", follow=True)
    assert "2 other sessions signed out." in response.content.decode()
    assert [signed_out(client) for client in clients] == [False, True, True]
    assert UserSession.objects.count() == 1


def test_nobody_ends_someone_elses_session():
    UserFactory(email="ada@example.com")
    UserFactory(email="bob@example.com")
    ada, bob = browser(FIREFOX, "10.0.0.5"), browser(FIREFOX, "10.0.0.6")
    sign_in(ada, "ada@example.com")
    sign_in(bob, "bob@example.com")
    bobs = UserSession.objects.get(user__email="bob@example.com")
    assert ada.post(f"/accounts/sessions/{bobs.pk}/end/").status_code == 404
    assert not signed_out(bob)


def test_hr_signs_out_all_of_an_accounts_sessions_from_its_page(client):
    hr = UserFactory(role=Role.HR)
    leader = UserFactory(email="leo@example.com")
    leader_browsers = [browser(FIREFOX, "10.0.0.5"), browser(SAFARI, "10.0.0.9")]
    for session in leader_browsers:
        sign_in(session, "leo@example.com")
    client.force_login(hr)
    assert "Signed in now in 2 sessions." in client.get(f"/accounts/users/{leader.pk}/").content.decode()
    response = client.post(f"/accounts/users/{leader.pk}/sessions/end/", follow=True)
    assert "leo@example.com: 2 sessions signed out." in response.content.decode()
    assert all(signed_out(session) for session in leader_browsers)
    assert not signed_out(client)


def test_signing_out_takes_the_session_off_the_list():
    UserFactory(email="ada@example.com")
    laptop = browser(FIREFOX, "10.0.0.5")
    sign_in(laptop, "ada@example.com")
    assert UserSession.objects.count() == 1
    laptop.post("/accounts/logout/")
    assert not UserSession.objects.exists()


def test_last_seen_is_written_at_most_once_a_minute():
    UserFactory(email="ada@example.com")
    laptop = browser(FIREFOX, "10.0.0.5")
    sign_in(laptop, "ada@example.com")
    long_ago = timezone.now() - timedelta(hours=2)
    UserSession.objects.update(last_seen_at=long_ago)
    laptop.get("/")
    assert UserSession.objects.get().last_seen_at == long_ago  # seen less than a minute ago: not written
    session = laptop.session
    session["_proficio_seen"] -= 61
    session.save()
    laptop.get("/", REMOTE_ADDR="10.0.0.8")
    row = UserSession.objects.get()
    assert row.last_seen_at > long_ago and row.ip_address == "10.0.0.8"


def test_a_password_change_signs_out_the_other_sessions_and_keeps_this_one():
    UserFactory(email="ada@example.com")
    laptop, phone = browser(FIREFOX, "10.0.0.5"), browser(SAFARI, "10.0.0.9")
    sign_in(laptop, "ada@example.com")
    sign_in(phone, "ada@example.com")
    response = laptop.post("/accounts/password/change/", {
        "old_password": TEST_PASSWORD, "new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"})
    assert response.status_code == 302
    assert signed_out(phone)
    assert not signed_out(laptop)
    assert list(UserSession.objects.values_list("ip_address", flat=True)) == ["10.0.0.5"]  # still listed


def test_a_password_reset_signs_out_every_session():
    user = UserFactory(email="ada@example.com")
    laptop = browser(FIREFOX, "10.0.0.5")
    sign_in(laptop, "ada@example.com")
    user.refresh_from_db()  # the link's token covers the last sign-in
    visitor = Client()
    link = f"/accounts/password/reset/{urlsafe_base64_encode(force_bytes(user.pk))}/{default_token_generator.make_token(user)}/"
    form = visitor.get(link, follow=True)
    response = visitor.post(form.redirect_chain[-1][0], {"new_password1": "a brand new passphrase",
                                                         "new_password2": "a brand new passphrase"})
    assert response.status_code == 302
    assert signed_out(laptop)
    assert not UserSession.objects.exists()
