from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from api.services import token_create


class TokenClient(APIClient):
    """An API client that sends one token's key with every request."""

    def __init__(self, key: str | None = None, **kwargs):
        super().__init__(**kwargs)
        if key:
            self.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.fixture
def make_token(hr):
    """(token, client) for a new token of `role` and `scope`, created by `hr`."""

    def make(role: str = "hr", scope: str = "read", name: str = "HRIS sync"):
        token, key = token_create(name=name, role=role, scope=scope, actor=hr)
        return token, TokenClient(key)

    return make


@pytest.fixture
def hr_writer(make_token):
    return make_token("hr", "read-write")[1]


@pytest.fixture
def hr_reader(make_token):
    return make_token("hr", "read")[1]


@pytest.fixture
def auditor_reader(make_token):
    return make_token("auditor", "read")[1]
