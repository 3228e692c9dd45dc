"""A NUL character anywhere in a request is refused with a 400 and a clear message, and nothing is written
(core/middleware.py): PostgreSQL text cannot hold it, and a raw search parameter once made a server error."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from competency.models import Framework
from tests.factories import UserFactory
from tests.helpers import visible_text

pytestmark = pytest.mark.django_db


def test_a_nul_in_a_search_is_refused_with_a_message(client):
    client.force_login(UserFactory(role=Role.HR))
    response = client.get(reverse("profiles:person_list"), {"q": "Ann\x00"})
    assert response.status_code == 400
    assert "contains a NUL character" in visible_text(response)


def test_a_nul_in_a_posted_field_is_refused_and_nothing_is_saved(client, scale):
    client.force_login(UserFactory(role=Role.HR))
    response = client.post(reverse("competency:framework_create"),
                           {"name": "Safety\x00", "code": "safety", "description": "", "scale": scale.pk})
    assert response.status_code == 400
    assert "contains a NUL character" in visible_text(response)
    assert not Framework.objects.filter(code="safety").exists()


def test_a_nul_in_the_path_is_refused(client):
    client.force_login(UserFactory(role=Role.HR))
    assert client.get("/competency/versions/1/export/csv%00/").status_code == 400
