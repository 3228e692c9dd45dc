"""A leader with gaps for the development-plan tests.

`org(hr)` builds: a framework of five competencies (A0-00 … A0-04, each serving ISO 9001 7.2), a role
requiring them, a released cycle whose current analysis shows for the leader Lena:

    A0-00  required 3, observed 2.5            gap 0.5 (weight 1)
    A0-01  required 3, observed 2, critical    critical gap 1
    A0-02  required 4, observed 2, weight 2    gap 2 (weighted 4)
    A0-03  required 2, observed 3              met
    A0-04  required 3, no cells                no evidence

Lena's manager Mona is managed by Max (the line goes up two levels); Sam is a stranger; a programme
"Planning workshop" aims at A0-02 level 4 with a session in 20 days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.models import Role
from assessments.models import CellLabel, Cycle, CycleStatus
from tests.factories import OrgUnitFactory, PersonFactory, UserFactory
from tests.gaps.builders import analyse, stored_cycle, stored_leader
from tests.helpers import approved_profile
from training.models import Programme, ProgrammeKind, ProgrammeTarget, Session

M = CellLabel.MANAGER


@dataclass
class Org:
    hr: Any
    quality: Any
    cycle: Cycle
    competencies: list
    role: Any
    unit: Any
    leader: Any
    manager: Any
    boss: Any
    stranger: Any
    programme: Programme
    session: Session
    analysis: Any


def build_org(hr=None, *, code: str = "dp") -> Org:
    hr = hr or UserFactory(role=Role.HR)
    quality = UserFactory(role=Role.QUALITY, first_name="Quinn", last_name="Quality")
    cycle, comps = stored_cycle(hr, code=code, competencies=5)
    levels = {comps[0].code: 3, comps[1].code: 3, comps[2].code: 4, comps[3].code: 2, comps[4].code: 3}
    role = approved_profile(cycle.framework_version, hr, code=f"{code}-role", levels=levels, critical=(comps[1].code,))
    unit = OrgUnitFactory(name=f"Plant {code}")
    boss = PersonFactory(org_unit=unit, user__first_name="Max", user__last_name="Boss")
    manager = PersonFactory(org_unit=unit, manager=boss, user__first_name="Mona", user__last_name="Manager")
    leader = PersonFactory(org_unit=unit, manager=manager, role_profile=role, user__first_name="Lena",
                           user__last_name="Leader")
    stranger = PersonFactory(user__first_name="Sam", user__last_name="Stranger")
    stored_leader(cycle, person=leader, role_profile=role, requirements={
        comps[0]: (3, 1, False), comps[1]: (3, 1, True), comps[2]: (4, 2, False), comps[3]: (2, 1, False),
        comps[4]: (3, 1, False)}, cells={comps[0]: {M: 2.5}, comps[1]: {M: 2}, comps[2]: {M: 2}, comps[3]: {M: 3}})
    analysis = analyse(cycle)
    programme = Programme.objects.create(title="Planning workshop", kind=ProgrammeKind.WORKSHOP,
                                         duration_hours=Decimal(7), cost=Decimal("450.00"), created_by=hr)
    ProgrammeTarget.objects.create(programme=programme, competency=comps[2], level=4)
    starts = timezone.now() + timedelta(days=20)
    session = Session.objects.create(programme=programme, starts_at=starts, ends_at=starts + timedelta(hours=7),
                                     capacity=5, created_by=hr)
    return Org(hr=hr, quality=quality, cycle=cycle, competencies=comps, role=role, unit=unit, leader=leader,
               manager=manager, boss=boss, stranger=stranger, programme=programme, session=session, analysis=analysis)


def later_cycle(org: Org, observed: dict, *, code: str = "later") -> Any:
    """A second released cycle (released now, after the plan's) on the same framework version showing
    Lena's levels `observed` {competency index: level}; returns its analysis, as the release's task leaves it."""
    from assessments.services import cycles

    today = timezone.localdate()
    cycle = cycles.create_cycle(actor=org.hr, name=f"Cycle {code}", framework_version=org.cycle.framework_version,
                                opens_on=today, closes_on=today + timedelta(days=21))
    Cycle.objects.filter(pk=cycle.pk).update(status=CycleStatus.RELEASED, release_number=1,
                                             released_at=timezone.now() + timedelta(seconds=1))
    cycle.refresh_from_db()
    comps = org.competencies
    stored_leader(cycle, person=org.leader, role_profile=org.role, requirements={
        comps[0]: (3, 1, False), comps[1]: (3, 1, True), comps[2]: (4, 2, False), comps[3]: (2, 1, False),
        comps[4]: (3, 1, False)}, cells={comps[i]: {M: level} for i, level in observed.items()})
    return analyse(cycle)
