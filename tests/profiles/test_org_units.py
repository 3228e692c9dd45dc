"""The organisation: a tree of units with heads and people counts, never a loop."""

from __future__ import annotations

import pytest

from profiles.models import OrgUnit
from tests.factories import OrgUnitFactory
from tests.helpers import text
from tests.world import build_world

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("units", [0, 12])
def test_the_org_tree_nests_units_and_counts_people_in_one_query(client, units, django_assert_num_queries):
    world = build_world()
    client.force_login(world.user("leader"))
    for n in range(units):
        OrgUnitFactory(parent=world.objects["plant"], code=f"LINE{n}", name=f"Line {n}")
    # session, user, units with heads, people counted per unit in one grouped query, and for the header
    # badge: own person, has reports?
    with django_assert_num_queries(6):
        page = text(client.get("/org/"))
    assert page.index("Head office") < page.index("Plant")
    if units:
        assert page.index("Plant") < page.index("Line 0")
        assert 'class="list-group-item d-flex flex-wrap align-items-center gap-2 tree-depth-2"' in page


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


def test_a_competency_and_a_unit_cannot_sit_below_themselves_through_the_models():
    from django.core.exceptions import ValidationError

    world = build_world()
    head_office, plant = world.objects["head_office"], world.objects["plant"]
    head_office.parent = plant
    with pytest.raises(ValidationError, match="A unit cannot sit below itself"):
        head_office.full_clean()


def test_unit_codes_are_unique_whatever_their_case(client):
    world = build_world()
    client.force_login(world.user("hr"))
    response = client.post("/org/new/", {"name": "Plant two", "code": "plant"})
    assert response.status_code == 400
    assert "An org unit with this code (in any case) exists already." in text(response)
