"""People: the list (scoped to what the reader may see), a person's page, and their place in the organisation."""

from __future__ import annotations

import re

import pytest

from profiles.models import Person
from tests.factories import OrgUnitFactory, PersonFactory
from tests.factories import TEST_PASSWORD
from tests.helpers import text
from tests.world import build_world

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("extra", [0, 60])
def test_the_people_list_costs_the_same_for_5_or_60_people(client, extra, django_assert_num_queries):
    world = build_world()
    client.force_login(world.user("hr"))
    unit = OrgUnitFactory()
    for _ in range(extra):
        PersonFactory(org_unit=unit, manager=world.people["manager"], role_profile=world.objects["profile_leader"])
    # session, user, the unit and role filter choices, the count, the page's ids in name order, then those
    # people with their account, unit, role and manager
    with django_assert_num_queries(7):
        assert client.get("/people/").status_code == 200
    # session, user, the filter choices, the accounts that match the word, every matching id in one query
    # (a narrow search needs no separate count), those people
    with django_assert_num_queries(7):
        assert client.get("/people/?q=leo&active=yes&page=2").status_code == 200


def listed(response) -> set[str]:
    """Names of the people in the list (each is a link to the person's page)."""
    return set(re.findall(r'<a class="fw-semibold" href="/people/\d+/">([^<]+)</a>', text(response)))


def test_search_and_filters_narrow_the_list(client):
    world = build_world()
    client.force_login(world.user("hr"))
    PersonFactory(user__first_name="Zelda", user__last_name="Zuber", active=False)
    assert listed(client.get("/people/?q=leo")) == {"Leo Leader"}
    assert listed(client.get("/people/?q=LEADER@example")) == {"Leo Leader"}
    assert listed(client.get("/people/?manager=manager@example.com")) == {"Leo Leader"}
    assert listed(client.get("/people/?manager=M001")) == {"Leo Leader"}
    assert listed(client.get("/people/?active=no")) == {"Zelda Zuber"}
    by_role = listed(client.get(f"/people/?role_profile={world.objects['profile_colleague'].pk}"))
    assert by_role == {"Cora Colleague"}
    assert listed(client.get(f"/people/?org_unit={world.objects['plant'].pk}")) == {"Leo Leader", "Mara Manager"}


@pytest.mark.parametrize("inline", [2000, 0], ids=["few matches, looked up by account", "many, by subquery"])
def test_search_finds_a_whole_employee_id_or_part_of_a_name(client, monkeypatch, inline):
    from profiles import filters

    monkeypatch.setattr(filters, "SEARCH_IDS_INLINE", inline)
    world = build_world()
    client.force_login(world.user("hr"))
    assert listed(client.get("/people/?q=m001")) == {"Mara Manager"}
    assert listed(client.get("/people/?q=M00")) == set()  # an employee id matches whole
    assert listed(client.get("/people/?q=mara+m001")) == {"Mara Manager"}
    assert listed(client.get("/people/?q=lead")) == {"Leo Leader"}


def test_a_manager_sees_only_their_reporting_line_in_the_list(client):
    world = build_world()
    client.force_login(world.user("manager"))
    assert listed(client.get("/people/")) == {"Leo Leader"}


def chain(top, depth: int) -> list[Person]:
    """`depth` people, each managing the next, below `top`."""
    people, manager = [], top
    for level in range(depth):
        manager = PersonFactory(manager=manager, user__first_name=f"Level{level}", user__last_name="Below",
                                org_unit=top.org_unit)
        people.append(manager)
    return people


def test_a_manager_sees_their_whole_reporting_line_direct_and_indirect(client):
    world = build_world()
    below = chain(world.people["leader"], 3)
    client.force_login(world.user("manager"))
    assert listed(client.get("/people/")) == {"Leo Leader", "Level0 Below", "Level1 Below", "Level2 Below"}
    deepest = below[-1]
    assert client.get(f"/people/{deepest.pk}/").status_code == 200
    assert client.get(f"/people/{world.people['colleague'].pk}/").status_code == 404
    client.force_login(world.user("leader"))  # a leader with reports now: their own line, not their manager
    assert listed(client.get("/people/")) == {"Level0 Below", "Level1 Below", "Level2 Below"}
    assert client.get(f"/people/{world.people['manager'].pk}/").status_code == 404


@pytest.mark.parametrize("depth", [1, 8])
def test_the_reporting_line_costs_the_same_at_any_depth(client, depth, django_assert_num_queries):
    world = build_world()
    below = chain(world.people["leader"], depth)
    client.force_login(world.user("manager"))
    # session, user, own person, "has reports?" (the rule and the header badge), the unit choices, the role
    # choices (held in the line), the count and the page's ids (each with the line as one recursive
    # subquery), those people
    with django_assert_num_queries(9):
        assert client.get("/people/").status_code == 200
    # session, user, the person with unit, manager and role, own person, "in my line?" (one recursive
    # query, any depth), the person's reports, "has reports?" for the header badge
    with django_assert_num_queries(7):
        assert client.get(f"/people/{below[-1].pk}/").status_code == 200


def test_the_manager_filter_follows_the_whole_line_or_direct_reports_only(client):
    world = build_world()
    chain(world.people["leader"], 2)
    client.force_login(world.user("hr"))
    assert listed(client.get("/people/?manager=manager@example.com")) == {"Leo Leader", "Level0 Below", "Level1 Below"}
    assert listed(client.get("/people/?manager=M001&direct=on")) == {"Leo Leader"}
    assert listed(client.get("/people/?manager=nobody@example.com")) == set()


def test_switching_a_person_off_stops_their_account_signing_in(client):
    world = build_world()
    leader = world.people["leader"]
    client.force_login(world.user("hr"))
    response = client.post(f"/people/{leader.pk}/edit/", {"org_unit": leader.org_unit_id, "role_profile": "",
                                                          "manager": "M001"})  # "active" left unticked
    assert response.status_code == 302
    leader.refresh_from_db()
    assert not leader.active and not leader.user.is_active
    client.logout()
    refused = client.post("/accounts/login/", {"username": "leader@example.com", "password": TEST_PASSWORD})
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    client.force_login(world.user("hr"))
    client.post(f"/people/{leader.pk}/edit/", {"org_unit": leader.org_unit_id, "role_profile": "", "manager": "M001",
                                               "active": "on"})
    leader.refresh_from_db()
    assert leader.active and leader.user.is_active


def test_a_person_page_cannot_switch_off_an_account_that_is_not_a_leaders(client):
    world = build_world()
    quality = world.user("quality")
    person = PersonFactory(user=quality)
    client.force_login(world.user("hr"))
    response = client.post(f"/people/{person.pk}/edit/", {"org_unit": person.org_unit_id, "role_profile": ""})
    assert response.status_code == 400
    assert "signs in with a quality manager account: HR switches it on or off on the Accounts page" in text(response)
    person.refresh_from_db()
    quality.refresh_from_db()
    assert person.active and quality.is_active


def test_a_person_page_shows_role_manager_reports_and_requirements(client):
    world = build_world()
    client.force_login(world.user("manager"))
    mine = text(client.get(f"/people/{world.people['manager'].pk}/"))
    assert "Leo Leader" in mine  # reports
    leo = text(client.get(f"/people/{world.people['leader'].pk}/"))
    assert "Leader role" in leo and "Mara Manager" in leo
    assert 'data-code="SV-01"' in leo and "level 3" in leo and "critical" in leo


def test_hr_changes_a_manager_but_not_into_a_loop(client):
    world = build_world()
    client.force_login(world.user("hr"))
    manager, leader = world.people["manager"], world.people["leader"]
    response = client.post(f"/people/{manager.pk}/edit/", {
        "org_unit": manager.org_unit_id, "role_profile": "", "manager": "leader@example.com", "active": "on",
    })
    assert response.status_code == 400
    assert "would make a loop" in text(response)
    manager.refresh_from_db()
    assert manager.manager is None
    response = client.post(f"/people/{leader.pk}/edit/", {
        "org_unit": leader.org_unit_id, "role_profile": "", "manager": "C001", "active": "on",
    })
    assert response.status_code == 302
    leader.refresh_from_db()
    assert leader.manager == world.people["colleague"]
    assert leader.history.latest().history_user == world.user("hr")


def test_a_leader_without_reports_is_told_where_their_page_is(client):
    world = build_world()
    client.force_login(world.user("leader"))
    response = client.get("/people/")
    assert response.status_code == 403
    assert "Your own page is linked from your dashboard" in text(response)
    assert Person.objects.count() == 3


def test_a_leader_sees_their_reports_reports_without_links_they_could_not_open(client):
    world = build_world()
    below = PersonFactory(manager=world.people["leader"], user__first_name="Bea", user__last_name="Below",
                          org_unit=OrgUnitFactory())
    client.force_login(world.user("manager"))  # Bea is in the manager's line: the link opens
    page = text(client.get(f"/people/{world.people['leader'].pk}/"))
    assert "Bea Below" in page and f"/people/{below.pk}/" in page
    client.force_login(world.user("colleague"))
    assert client.get(f"/people/{below.pk}/").status_code == 404


def test_the_people_list_shows_active_people_unless_asked_otherwise(client):
    world = build_world()
    PersonFactory(user__first_name="Ina", user__last_name="Gone", active=False)
    client.force_login(world.user("hr"))
    assert "Ina Gone" not in text(client.get("/people/"))
    assert "Ina Gone" in text(client.get("/people/?active=all"))


def test_filters_offer_only_what_the_reader_may_open(client):
    world = build_world()
    client.force_login(world.user("manager"))
    profiles = text(client.get("/profiles/"))
    assert "Customer focus" not in profiles  # a framework only in review, which the manager cannot open
    people = text(client.get("/people/"))
    assert "Colleague role" not in people
