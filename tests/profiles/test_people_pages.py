from __future__ import annotations

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from profiles.models import OrgUnit, Person
from tests.factories import OrgUnitFactory, PersonFactory
from tests.world import build_world

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_people_list_costs_the_same_for_5_or_60_people(client):
    world = build_world()
    client.force_login(world.user("hr"))
    few = queries(client, "/people/")
    unit = OrgUnitFactory()
    for _ in range(60):
        PersonFactory(org_unit=unit, manager=world.people["manager"], role_profile=world.objects["profile_leader"])
    # session, user, count, the page of people with user, unit, role and manager, the unit and role filter choices
    assert queries(client, "/people/") == few == 6
    assert queries(client, "/people/?q=leo&active=yes&page=2") == 6


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


def test_a_manager_sees_only_their_reports_in_the_list(client):
    world = build_world()
    client.force_login(world.user("manager"))
    assert listed(client.get("/people/")) == {"Leo Leader"}


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
    assert leader.history.first().history_user == world.user("hr")


def test_the_org_tree_nests_units_and_counts_people_in_one_query(client):
    world = build_world()
    client.force_login(world.user("leader"))
    few = queries(client, "/org/")
    for n in range(12):
        OrgUnitFactory(parent=world.objects["plant"], code=f"LINE{n}", name=f"Line {n}")
    page = text(client.get("/org/"))
    assert page.index("Head office") < page.index("Plant") < page.index("Line 0")
    assert 'class="list-group-item d-flex flex-wrap align-items-center gap-2 tree-depth-2"' in page
    # session, user, units with heads and people counts, and for the header badge: own person, has reports?
    assert queries(client, "/org/") == few == 5


def test_org_units_cannot_be_placed_below_themselves(client):
    world = build_world()
    client.force_login(world.user("hr"))
    head_office, plant = world.objects["head_office"], world.objects["plant"]
    response = client.post(f"/org/{head_office.pk}/edit/", {"name": "Head office", "code": "HQ", "parent": plant.pk})
    assert response.status_code == 400  # the plant is not offered as a parent of the unit above it
    assert OrgUnit.objects.get(pk=head_office.pk).parent is None
    response = client.post("/org/new/", {"name": "Plant 2", "code": "PLANT2", "parent": head_office.pk,
                                         "head": "leader@example.com"})
    assert response.status_code == 302
    assert OrgUnit.objects.get(code="PLANT2").head == world.people["leader"]


def test_a_leader_without_reports_is_told_where_their_page_is(client):
    world = build_world()
    client.force_login(world.user("leader"))
    response = client.get("/people/")
    assert response.status_code == 403
    assert "Your own page is linked from your dashboard" in text(response)
    assert Person.objects.count() == 3


def test_a_competency_and_a_unit_cannot_sit_below_themselves_through_the_models():
    from django.core.exceptions import ValidationError

    world = build_world()
    head_office, plant = world.objects["head_office"], world.objects["plant"]
    head_office.parent = plant
    with pytest.raises(ValidationError, match="A unit cannot sit below itself"):
        head_office.full_clean()
