from __future__ import annotations

import re

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from accounts.models import Role, User
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
WRONG = "That email and password do not match an active account."


def sign_in(client, email: str, password: str = TEST_PASSWORD):
    return client.post(LOGIN, {"username": email, "password": password})


def test_it_signs_in_with_the_email_in_any_case(client):
    UserFactory(email="ada@example.com")
    response = sign_in(client, "  ADA@Example.com ")
    assert response.status_code == 302
    assert response.url == reverse("dashboard:home")


def test_a_wrong_password_and_an_unknown_account_get_the_same_message(client):
    UserFactory(email="ada@example.com")
    wrong_password = sign_in(client, "ada@example.com", "not the password")
    unknown = sign_in(client, "nobody@example.com")
    assert WRONG in wrong_password.content.decode()
    assert WRONG in unknown.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_inactive_account_cannot_sign_in_and_is_not_told_why(client):
    UserFactory(email="gone@example.com", is_active=False)
    response = sign_in(client, "gone@example.com")
    assert WRONG in response.content.decode()


def test_repeated_failures_lock_the_account_out_from_that_address(client, settings):
    UserFactory(email="ada@example.com")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "ada@example.com", "guess")
    locked = sign_in(client, "ada@example.com")  # even the right password is refused now
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_lockout_does_not_spill_over_to_other_accounts(client, settings):
    UserFactory(email="ada@example.com")
    UserFactory(email="bob@example.com")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "ada@example.com", "guess")
    assert sign_in(client, "bob@example.com").status_code == 302


def test_changing_the_case_of_the_email_does_not_reset_the_count(client, settings):
    UserFactory(email="ada@example.com")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "ada@example.com".upper() if attempt % 2 else "ada@example.com", "guess")
    assert sign_in(client, "Ada@Example.com").status_code == 429


def test_an_auditor_outside_the_window_cannot_sign_in(client):
    UserFactory(
        email="audit@example.com",
        role=Role.AUDITOR,
        access_valid_from=timezone.now() - timedelta(days=10),
        access_valid_until=timezone.now() - timedelta(days=1),
    )
    assert WRONG in sign_in(client, "audit@example.com").content.decode()


def test_an_auditor_whose_window_closes_is_signed_out_at_the_next_request(client):
    auditor = UserFactory(auditor=True)
    client.force_login(auditor)
    assert client.get("/").status_code == 200
    User.objects.filter(pk=auditor.pk).update(access_valid_until=timezone.now() - timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_an_auditor_account_needs_an_end_to_its_access():
    from django.core.exceptions import ValidationError

    user = User(email="a@example.com", role=Role.AUDITOR)
    with pytest.raises(ValidationError, match="date its access ends"):
        user.full_clean()


def test_signing_out_ends_the_session(client):
    client.force_login(UserFactory())
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_password_reset_reaches_an_invited_person_without_a_password(client, django_capture_on_commit_callbacks):
    invited = User.objects.create_user("new@example.com", password=None, first_name="Nia")
    assert not invited.has_usable_password()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": "NEW@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@example.com"]
    assert "Hello Nia" in message.body
    link = next(line for line in message.body.splitlines() if "/accounts/password/reset/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]
    confirm = client.get("/" + path, follow=True)
    assert "Choose a password" in confirm.content.decode()
    done = client.post(
        confirm.redirect_chain[-1][0],
        {"new_password1": "a long new passphrase", "new_password2": "a long new passphrase"},
    )
    assert done.status_code == 302
    invited.refresh_from_db()
    assert invited.check_password("a long new passphrase")


def test_password_reset_says_the_same_for_an_unknown_address(client):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"}, follow=True)
    assert "If the address belongs to an active account" in response.content.decode()
    assert mail.outbox == []


def test_a_malformed_reset_link_says_it_no_longer_works(client):
    response = client.get("/accounts/password/reset/MQ/bad-token/")
    assert "This link no longer works" in response.content.decode()


def test_a_reset_link_expires_after_a_day(client, settings):
    from datetime import datetime

    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = UserFactory(email="ada@example.com")
    uid = urlsafe_base64_encode(force_bytes(user.pk))

    class Clock(type(default_token_generator)):
        def __init__(self, at):
            super().__init__()
            self.at = at

        def _now(self):
            return self.at

    now = datetime.now()
    fresh = Clock(now - timedelta(hours=23)).make_token(user)
    stale = Clock(now - timedelta(hours=25)).make_token(user)
    assert "Choose a password" in client.get(f"/accounts/password/reset/{uid}/{fresh}/", follow=True).content.decode()
    expired = client.get(f"/accounts/password/reset/{uid}/{stale}/", follow=True).content.decode()
    assert "This link no longer works" in expired


def test_the_lockout_page_says_how_long_to_wait(client, settings):
    UserFactory(email="ada@example.com")
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        response = sign_in(client, "ada@example.com", "guess")
    assert response.status_code == 429
    assert "paused for 15 minutes" in response.content.decode()


def test_setting_a_new_password_from_the_email_lifts_the_lockout(client, settings, django_capture_on_commit_callbacks):
    user = UserFactory(email="ada@example.com")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "ada@example.com", "guess")
    assert sign_in(client, "ada@example.com").status_code == 429
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": "ada@example.com"})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/password/reset/" in line)
    confirm = client.get("/" + link.split("://", 1)[1].split("/", 1)[1], follow=True)
    client.post(confirm.redirect_chain[-1][0], {"new_password1": "a fresh long phrase", "new_password2": "a fresh long phrase"})
    user.refresh_from_db()
    assert sign_in(client, "ada@example.com", "a fresh long phrase").status_code == 302


def test_password_reset_emails_to_one_address_are_limited(client, settings, django_capture_on_commit_callbacks):
    UserFactory(email="ada@example.com")
    for _ in range(settings.PASSWORD_RESETS_PER_HOUR + 2):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/accounts/password/reset/", {"email": "ada@example.com"})
        assert response.status_code == 302  # the same answer every time
    assert len(mail.outbox) == settings.PASSWORD_RESETS_PER_HOUR


def test_behind_the_proxy_failures_are_counted_per_visitor_not_per_proxy(client, settings):
    settings.BEHIND_TLS_PROXY = True
    UserFactory(email="ada@example.com")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "ada@example.com", "password": "guess"}, HTTP_X_FORWARDED_FOR="203.0.113.7")
    locked = client.post(LOGIN, {"username": "ada@example.com", "password": TEST_PASSWORD},
                         HTTP_X_FORWARDED_FOR="203.0.113.7")
    other = client.post(LOGIN, {"username": "ada@example.com", "password": TEST_PASSWORD},
                        HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert locked.status_code == 429
    assert other.status_code == 302


def test_changing_the_password_needs_the_old_one(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        "/accounts/password/change/",
        {"old_password": "wrong", "new_password1": "another good passphrase", "new_password2": "another good passphrase"},
    )
    assert "Your old password was entered incorrectly" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)


def test_the_login_form_labels_its_fields_for_screen_readers(client):
    html = client.get(LOGIN).content.decode()
    assert re.search(r'<label\s+for="id_username"', html)
    assert re.search(r'<label\s+for="id_password"', html)


def test_the_reset_email_says_as_long_as_the_link_works(client, settings, django_capture_on_commit_callbacks):
    UserFactory(email="ada@example.com", first_name="Ada & Co")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": "ada@example.com"})
    body = mail.outbox[0].body
    assert settings.PASSWORD_RESET_TIMEOUT == 24 * 60 * 60
    assert "Open this link within 24 hours" in body and "three days" not in body
    assert "Hello Ada & Co," in body  # a plain-text email: no HTML escaping


def test_a_reset_request_does_the_same_work_for_known_and_unknown_addresses(client, django_capture_on_commit_callbacks,
                                                                            django_assert_num_queries):
    """The answer, and the time it takes, tell nobody which addresses have accounts: the request only
    counts the address and queues the email; the worker looks the account up."""
    UserFactory(email="ada@example.com")
    for email in ("ada@example.com", "nobody@example.com"):
        with django_capture_on_commit_callbacks(execute=False) as queued:
            with django_assert_num_queries(0):
                response = client.post("/accounts/password/reset/", {"email": email})
        assert response.status_code == 302 and response.url == "/accounts/password/reset/sent/"
        assert len(queued) == 1
    assert mail.outbox == []  # nothing is sent in the request


def test_a_spray_of_failures_over_many_accounts_from_one_address_pauses_that_address(client, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 10
    UserFactory(email="ada@example.com")
    for number in range(10):
        assert sign_in(client, f"person{number}@example.com", "Summer2026!").status_code == 200
    paused = sign_in(client, "ada@example.com")  # the right password of a real account, from that address
    assert paused.status_code == 429
    assert "too many failed sign-ins from your network address" in paused.content.decode()
    assert "_auth_user_id" not in client.session
    elsewhere = client.post(LOGIN, {"username": "ada@example.com", "password": TEST_PASSWORD},
                            REMOTE_ADDR="198.51.100.9")
    assert elsewhere.status_code == 302


def test_signing_in_writes_no_history_row(client):
    user = UserFactory(email="ada@example.com")
    rows = user.history.count()
    assert sign_in(client, "ada@example.com").status_code == 302
    user.refresh_from_db()
    assert user.last_login is not None
    assert user.history.count() == rows


def test_a_refused_request_is_logged_in_one_line_without_a_traceback(client, caplog):
    client.force_login(UserFactory())
    with caplog.at_level("WARNING", logger="django.request"):
        assert client.get("/people/").status_code == 403
    records = [record for record in caplog.records if record.name == "django.request"]
    assert records and all(record.exc_info is None for record in records)
    assert "Forbidden" in records[0].getMessage()


def test_signing_in_works_while_the_cache_is_down(client, monkeypatch):
    """In production the cache is Redis: when Redis stops, people still sign in, and a wrong password still gets
    its message rather than a server error."""
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    for name in ("get", "set", "add", "incr"):
        monkeypatch.setattr(cache, name, down)
    UserFactory(email="ada@example.com")
    wrong = sign_in(client, "ada@example.com", "not the password")
    assert wrong.status_code in (200, 400) and WRONG in wrong.content.decode()
    response = sign_in(client, "ada@example.com")
    assert response.status_code == 302 and response.url == reverse("dashboard:home")


# --- ASVS 2.1.1: at least 12 characters; 5.1.5: only this site after sign-in ---------------------------

ELEVEN = "Tulip-River"  # 11 characters, not common, not numeric, unlike any account's name
TOO_SHORT = "This password is too short. It must contain at least 12 characters."


def test_a_new_password_of_11_characters_is_refused_on_the_change_page_and_12_are_enough(client):
    user = UserFactory()
    client.force_login(user)
    page = client.get("/accounts/password/change/").content.decode()
    assert "at least 12 characters" in page  # said before anyone tries
    assert len(ELEVEN) == 11
    response = client.post("/accounts/password/change/",
                           {"old_password": TEST_PASSWORD, "new_password1": ELEVEN, "new_password2": ELEVEN})
    assert response.status_code == 200 and TOO_SHORT in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)
    twelve = ELEVEN + "s"
    done = client.post("/accounts/password/change/",
                       {"old_password": TEST_PASSWORD, "new_password1": twelve, "new_password2": twelve})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(twelve)


def test_a_new_password_of_11_characters_is_refused_on_the_reset_page(client):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = UserFactory(email="ada@example.com")
    link = (f"/accounts/password/reset/{urlsafe_base64_encode(force_bytes(user.pk))}/"
            f"{default_token_generator.make_token(user)}/")
    form = client.get(link, follow=True)
    assert "at least 12 characters" in form.content.decode()
    response = client.post(form.redirect_chain[-1][0], {"new_password1": ELEVEN, "new_password2": ELEVEN})
    assert response.status_code == 200 and TOO_SHORT in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)
    assert sign_in(client, "ada@example.com", ELEVEN).status_code == 200  # not signed in with it


@pytest.mark.parametrize("elsewhere", ["https://evil.example/phish", "//evil.example/", "http:\\\\evil.example",
                                       "https://testserver.evil.example/"])
def test_an_off_site_next_after_sign_in_is_refused_and_goes_to_the_dashboard(client, elsewhere):
    UserFactory(email="ada@example.com")
    response = client.post(f"{LOGIN}?{urlencode({'next': elsewhere})}",
                           {"username": "ada@example.com", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("dashboard:home")
    on_site = Client().post(f"{LOGIN}?next=/frameworks/", {"username": "ada@example.com", "password": TEST_PASSWORD})
    assert on_site.url == "/frameworks/"
