from __future__ import annotations

import pytest
from django.test.utils import CaptureQueriesContext
from django.db import connection

from tests.factories import PersonFactory
from tests.world import build_world

pytestmark = pytest.mark.django_db


def query_count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_hr_sees_the_count_of_active_people(client):
    world = build_world()
    PersonFactory(active=False)
    client.force_login(world.user("hr"))
    html = client.get("/").content.decode()
    assert 'data-testid="stat-people">3<' in html
    assert "4 in all" in html


def test_a_new_organisation_gets_a_getting_started_note(client):
    from tests.factories import UserFactory
    from accounts.models import Role

    client.force_login(UserFactory(role=Role.HR))
    assert "Getting started" in client.get("/").content.decode()


def test_a_manager_sees_their_team_and_a_leader_their_manager_and_role_requirements(client):
    world = build_world()
    client.force_login(world.user("manager"))
    assert "Leo Leader" in client.get("/").content.decode()
    client.force_login(world.user("leader"))
    html = client.get("/").content.decode()
    assert "Mara Manager" in html
    assert "My team" not in html
    assert "Leader role" in html and "SV-01</span> Direction · level 3" in html


def test_hr_is_told_who_has_no_role_profile(client):
    world = build_world()
    PersonFactory()
    client.force_login(world.user("hr"))
    assert "1 active person has no role profile" in client.get("/").content.decode()


def test_a_user_without_a_person_record_is_told_what_happens_next(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    assert "not yet linked to a person record" in client.get("/").content.decode()


def test_the_auditor_dashboard_says_it_is_read_only_and_until_when(client):
    world = build_world()
    client.force_login(world.user("auditor"))
    html = client.get("/").content.decode()
    assert "read-only access until" in html
    assert "Nothing can be changed from this account" in html


def test_dashboard_queries_do_not_grow_with_the_organisation(client):
    world = build_world()
    client.force_login(world.user("hr"))
    hr_before = query_count(client, "/")
    client.force_login(world.user("manager"))
    manager_before = query_count(client, "/")
    for _ in range(20):
        PersonFactory(manager=world.people["manager"])
    client.force_login(world.user("hr"))
    # session, user, the people, frameworks and role profiles aggregates
    assert query_count(client, "/") == hr_before == 5
    client.force_login(world.user("manager"))
    # session, user, own person, person with unit, manager and role, reports, the role's scale levels
    # (its approved requirements are stored with it), "has active reports?" for the badge in the header
    assert query_count(client, "/") == manager_before == 7
