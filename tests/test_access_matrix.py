"""Every URL × every role gets the status the matrix in tests/access.py gives, and no URL lacks a row."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.middleware import AUDITOR_WRITABLE_VIEWS
from tests.access import ANONYMOUS_ALLOWED, MATRIX, Row, resolve_url
from tests.world import ROLES, build_world


def url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespaces: list[str]) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    names.add("admin:*")  # Django's own admin: one row stands for all its pages
                    continue
                walk(pattern.url_patterns, namespaces + ([pattern.namespace] if pattern.namespace else []))
            elif isinstance(pattern, URLPattern):
                assert pattern.name, f"URL {pattern.pattern} has no name, so it cannot have a matrix row"
                names.add(":".join(namespaces + [pattern.name]))

    walk(get_resolver().url_patterns, [])
    return names


def lands_on_login(client, response) -> bool:
    """Follows at most two redirects (the admin goes through its own login URL first)."""
    for _ in range(2):
        if response.url.startswith(reverse("accounts:login") + "?next="):
            return True
        response = client.get(response.url)
        if response.status_code != 302:
            return False
    return response.url.startswith(reverse("accounts:login"))


def test_every_url_has_a_row_and_every_row_a_url():
    rows = {row.name for row in MATRIX}
    assert url_names() - rows == set(), "URLs without a row in tests/access.py"
    assert rows - url_names() == set(), "rows for URLs that no longer exist"


def test_every_row_expects_something_for_every_role():
    for row in MATRIX:
        assert row.get or row.post, row.id
        for expected in filter(None, (row.get, row.post)):
            assert set(expected) == set(ROLES), row.id


def _request(client, world, role: str, method: str, url: str, data: dict):
    client.logout()
    if role != "anonymous":
        client.force_login(world.user(role))
    return getattr(client, method)(url, data=data) if method == "post" else client.get(url)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One world for the whole module, built once in a transaction that is rolled back at the end;
    each test runs inside it in a savepoint of its own, so nothing one test writes reaches another."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.parametrize("row", MATRIX, ids=lambda row: row.id)
def test_access_matrix(row: Row, client, world):
    url = resolve_url(row, world)
    mismatches = []
    for method, expected in (("get", row.get), ("post", row.post)):
        if expected is None:
            continue
        for role in ROLES:
            # Each request runs in a savepoint that is rolled back, so one role's POST cannot change
            # what the next role sees.
            with transaction.atomic():
                response = _request(client, world, role, method, url, row.data(world))
                transaction.set_rollback(True)
            if response.status_code != expected[role]:
                mismatches.append(f"{method.upper()} as {role}: got {response.status_code}, expected {expected[role]}")
            elif role == "anonymous" and response.status_code == 302 and row.name not in ANONYMOUS_ALLOWED:
                assert lands_on_login(client, response), f"{row.id}: anonymous sent to {response.url}"
    assert not mismatches, f"{row.id} ({url}):\n" + "\n".join(mismatches)


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_login_everywhere_but_the_public_pages(client, world):
    for row in MATRIX:
        if row.name in ANONYMOUS_ALLOWED:
            continue
        response = client.get(resolve_url(row, world))
        assert response.status_code == 302, row.id
        assert lands_on_login(client, response), row.id


@pytest.mark.django_db
def test_an_auditor_post_to_any_url_is_refused(client, world):
    client.force_login(world.user("auditor"))
    for row in MATRIX:
        if row.name in AUDITOR_WRITABLE_VIEWS or row.name == "admin:*":
            continue
        with transaction.atomic():
            response = client.post(resolve_url(row, world), data=row.data(world))
            transaction.set_rollback(True)
        assert response.status_code == 403, f"{row.id}: auditor POST got {response.status_code}"
