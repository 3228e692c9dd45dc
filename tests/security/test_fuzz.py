"""Hostile input never makes a server error: every URL of the access matrix (tests/access.py), as every role that
may post to it, gets posts of random values in every field of the form its page renders — 100 kB text, unicode
(right-to-left, emoji, combining marks), NUL bytes, numbers out of range, lists where one value is expected,
files with odd names — and every page gets random query strings. A 500 (or an exception out of a view) fails.

Deterministic: each URL's values come from a seed of its own, so a failure repeats. Bounded: a few posts per
URL and role, each in a savepoint rolled back, in one world built once per module (as the access matrix does).
"""

from __future__ import annotations

import random
import zlib
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

from tests.access import Row, resolve_url, rows
from tests.world import ROLES, build_world

#: Statuses that mean "this role may not post here": the fuzz posts only as roles the view reads input from.
REFUSED = {403, 404, 405}
POSTS_PER_ROLE = 3
ROLES_PER_URL = 2
QUERIES_PER_PAGE = 2
#: Query keys the list pages read, tried on every page besides the fields of its own filter form.
QUERY_KEYS = ["page", "cycle", "by", "q", "unit", "role", "status", "sort", "order", "next", "cursor", "fmt",
              "framework", "version", "person", "at", "date", "from", "to", "competency"]

OVERSIZED = "x" * 100_000
UNICODE = ["\u202ename\u202c", "مرحبا بالعالم", "👩🏽‍💻🧪🔥", "e\u0301\u0302\u0303\u0304", "\ufeff\u200b", "𝕳𝖊𝖑𝖑𝖔",
           "Z\u0351\u0352\u0353\u0354\u0355\u0356", "\uffff\ufffe"]
NUMBERS = ["-1", "0", "99999999999999999999999", "-99999999999999999999", "1e309", "NaN", "inf", "3.5",
           "2147483648", "9223372036854775808", "0x10"]
DATES = ["0000-00-00", "9999-12-31", "10000-01-01", "2024-02-30", "1900-01-01", "-1-01-01"]
NULS = ["\x00", "a\x00b", "\x00" * 50, "1\x00", "2024-01-01\x00"]


def random_scalar(rng: random.Random) -> str:
    """A hostile value without NUL: a NUL is refused before any view (core/middleware.py), so values meant to reach
    the forms carry none; the posts and queries that test the NUL guard add them on purpose."""
    family = rng.choice(("oversized", "unicode", "number", "date", "empty", "markup"))
    if family == "oversized":
        return OVERSIZED
    if family == "unicode":
        return rng.choice(UNICODE)
    if family == "number":
        return rng.choice(NUMBERS)
    if family == "date":
        return rng.choice(DATES)
    if family == "markup":
        return rng.choice(['<script>alert(1)</script>', '"; DROP TABLE x; --', "../../etc/passwd", "%00", "{{ 7*7 }}"])
    return ""


class FormFields(HTMLParser):
    """The fields of the page's forms that post to the page itself (or nowhere else): {name: kind}, kind being
    the input's type, "select", "textarea" or "file"."""

    def __init__(self, path: str):
        super().__init__()
        self.path = path
        self.fields: dict[str, str] = {}
        self.inside = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            action = attributes.get("action") or ""
            self.inside = (attributes.get("method") or "get").lower() == "post" and action in ("", self.path)
        elif self.inside and tag in ("input", "select", "textarea") and attributes.get("name"):
            kind = tag if tag != "input" else (attributes.get("type") or "text").lower()
            if attributes["name"] != "csrfmiddlewaretoken" and kind not in ("submit", "button", "image", "reset"):
                self.fields[attributes["name"]] = kind

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


class QueryFields(FormFields):
    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.inside = (attributes.get("method") or "get").lower() == "get"
        elif self.inside and tag in ("input", "select") and attributes.get("name"):
            self.fields[attributes["name"]] = tag


def posted_values(fields: dict[str, str], rng: random.Random, attempt: int) -> dict:
    """One post: attempt 0 puts NUL bytes everywhere, 1 lists of two values, 2 100 kB into one field and random
    values elsewhere, the others random values of every family."""
    data: dict = {}
    oversized = rng.choice(sorted(fields)) if fields else None
    for name, kind in fields.items():
        if kind == "file":
            content = rng.choice([b"", b"\x00" * 1024, OVERSIZED.encode(), "é,ü\n=1+1,\x00".encode(),
                                  b"PK\x03\x04junk"])
            filename = rng.choice(["\u202egpj.exe", "../../x.csv", "a\x00.pdf", "x" * 300 + ".xlsx", "файл.csv"])
            data[name] = SimpleUploadedFile(filename.replace("\x00", ""), content)
        elif attempt == 0:
            data[name] = rng.choice(NULS)
        elif attempt == 1:
            data[name] = [random_scalar(rng), random_scalar(rng)]
        elif attempt == 2 and name == oversized:
            data[name] = OVERSIZED
        else:
            data[name] = random_scalar(rng)
    return data


def _as(client: Client, world, role: str) -> None:
    client.logout()
    if role != "anonymous":
        client.force_login(world.user(role))


def _fetch(client: Client, method: str, url: str, data=None):
    """The response, or the exception a view let out (the test client re-raises it), in a rolled-back savepoint."""
    try:
        with transaction.atomic():
            response = client.post(url, data=data or {}) if method == "post" else client.get(url, data=data or {})
            transaction.set_rollback(True)
        return response.status_code, ""
    except Exception as error:  # noqa: BLE001 - any exception is the server error this test looks for
        return 500, f"{type(error).__name__}: {str(error)[:200]}"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


def _seed(row: Row) -> random.Random:
    return random.Random(zlib.crc32(row.id.encode()))


@pytest.mark.django_db
@pytest.mark.parametrize("row", rows("post"), ids=lambda row: row.id)
def test_random_posts_never_make_a_server_error(row: Row, client, world):
    rng = _seed(row)
    url = resolve_url(row, world)
    path = url.split("?")[0]
    failures = []
    # Two of the roles the view reads input from (chosen by the row's seed): the roles share the forms, and two
    # keep the whole file within its time budget.
    posters = [role for role in ROLES if row.post[role] not in REFUSED]
    for role in sorted(rng.sample(posters, min(len(posters), ROLES_PER_URL)), key=ROLES.index):
        _as(client, world, role)
        fields = {name: "text" for name in row.data(world)}
        if row.get and row.get[role] == 200:
            page = client.get(url)
            if page.status_code == 200 and "html" in page.get("Content-Type", ""):
                parser = FormFields(path)
                parser.feed(page.content.decode("utf-8", "replace"))
                fields.update(parser.fields)
        for attempt in range(POSTS_PER_ROLE):
            status, error = _fetch(client, "post", url, posted_values(fields, rng, attempt))
            if status >= 500:
                failures.append(f"POST as {role} (attempt {attempt}, fields {sorted(fields)}): {status} {error}")
    assert not failures, f"{row.id} ({url}):\n" + "\n".join(failures)


@pytest.mark.django_db
@pytest.mark.parametrize("row", rows("get"), ids=lambda row: row.id)
def test_random_query_strings_never_make_a_server_error(row: Row, client, world):
    rng = _seed(row)
    url = resolve_url(row, world)
    # One role that reads the page, and anonymous visitors (who are sent to the login page before any view).
    readers = [role for role in ROLES if row.get[role] == 200 and role != "anonymous"][:1] or ["anonymous"]
    failures = []
    for role in readers:
        _as(client, world, role)
        keys = list(QUERY_KEYS)
        page = client.get(url)
        if page.status_code == 200 and "html" in page.get("Content-Type", ""):
            parser = QueryFields(url)
            parser.feed(page.content.decode("utf-8", "replace"))
            keys += sorted(parser.fields)
        base = dict(row.query(world))
        for attempt in range(QUERIES_PER_PAGE):
            query = dict(base)
            for key in rng.sample(keys, min(len(keys), 8)):
                query[key] = [random_scalar(rng), rng.choice(NULS)] if attempt else random_scalar(rng)
            status, error = _fetch(client, "get", url.split("?")[0], query)
            if status >= 500:
                failures.append(f"GET as {role} with {sorted(query)} (attempt {attempt}): {status} {error}")
    assert not failures, f"{row.id} ({url}):\n" + "\n".join(failures)
