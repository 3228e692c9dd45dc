"""A small organisation with one user per role, shared by the access-matrix and role tests.

    hr        HR manager (also Django-admin staff)
    quality   quality manager
    manager   a leader who manages `leader`
    leader    a leader without reports, managed by `manager`
    colleague a leader in another unit with no link to either
    auditor   read-only, inside their access window
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from accounts.models import Role
from tests.factories import OrgUnitFactory, PersonFactory, UserFactory

ROLES = ("anonymous", "leader", "manager", "hr", "quality", "auditor")


@dataclass
class World:
    users: dict[str, Any]
    people: dict[str, Any]
    objects: dict[str, Any] = field(default_factory=dict)

    def user(self, role: str):
        return self.users.get(role)


def build_world() -> World:
    head_office = OrgUnitFactory(name="Head office", code="HQ")
    plant = OrgUnitFactory(name="Plant", code="PLANT", parent=head_office)
    users = {
        "hr": UserFactory(email="hr@example.com", role=Role.HR, is_staff=True, is_superuser=True),
        "quality": UserFactory(email="quality@example.com", role=Role.QUALITY),
        "manager": UserFactory(email="manager@example.com", first_name="Mara", last_name="Manager"),
        "leader": UserFactory(email="leader@example.com", first_name="Leo", last_name="Leader"),
        "colleague": UserFactory(email="colleague@example.com", first_name="Cora", last_name="Colleague"),
        "auditor": UserFactory(email="auditor@example.com", auditor=True),
    }
    manager = PersonFactory(user=users["manager"], org_unit=plant, employee_id="M001")
    people = {
        "manager": manager,
        "leader": PersonFactory(user=users["leader"], org_unit=plant, manager=manager, employee_id="L001"),
        "colleague": PersonFactory(user=users["colleague"], org_unit=head_office, employee_id="C001"),
    }
    return World(users=users, people=people, objects={"head_office": head_office, "plant": plant})
