"""A leader with a manager, direct reports and peers in an open cycle, for the assessments tests.

The builders write answers and statuses straight through the ORM so that tests of one part (release,
results, emails) do not depend on the pages of another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.utils import timezone

from accounts.models import Role
from assessments.models import Answer, Cycle, Group, Participant, Questionnaire, QuestionnaireStatus
from assessments.services import cycles
from tests.factories import OrgUnitFactory, PersonFactory, UserFactory
from tests.helpers import approved_profile, published_framework


@dataclass
class Team:
    hr: Any
    version: Any
    profile: Any
    cycle: Cycle
    leader: Any
    manager: Any
    reports: list = field(default_factory=list)
    peers: list = field(default_factory=list)
    externals: list = field(default_factory=list)

    @property
    def participant(self) -> Participant:
        return Participant.objects.get(cycle=self.cycle, person=self.leader)

    def questionnaire(self, group: str, index: int = 0) -> Questionnaire:
        return list(Questionnaire.objects.filter(participant=self.participant, group=group).order_by("pk"))[index]

    def competencies(self) -> list:
        return list(self.version.competencies.order_by("area__position", "position", "pk"))


def team_cycle(*, peers: int = 4, reports: int = 3, externals: int = 0, areas: int = 2, per_area: int = 2,
               hr=None, code: str = "leadership", open_it: bool = True, leader_email: str | None = None) -> Team:
    """A cycle rating one leader, their manager and reports, with `peers` approved peer nominations
    and `externals` external raters (all pending), opened unless `open_it` is false."""
    hr = hr or UserFactory(role=Role.HR)
    version = published_framework(hr, code=code, areas=areas, per_area=per_area)
    levels = {c.code: 3 for c in version.competencies.all()}
    profile = approved_profile(version, hr, code=f"{code}-leader", levels=levels)
    unit = OrgUnitFactory()
    manager = PersonFactory(org_unit=unit, role_profile=profile, user__first_name="Mona", user__last_name="Manager")
    leader_user = {"user__email": leader_email} if leader_email else {}
    leader = PersonFactory(org_unit=unit, manager=manager, role_profile=profile,
                           user__first_name="Lena", user__last_name="Leader", **leader_user)
    report_people = [PersonFactory(org_unit=unit, manager=leader, role_profile=profile) for _ in range(reports)]
    peer_people = [PersonFactory(org_unit=unit, role_profile=profile) for _ in range(peers)]
    today = timezone.localdate()
    cycle = cycles.create_cycle(actor=hr, name=f"Cycle {code}", framework_version=version,
                                opens_on=today, closes_on=today + timedelta(days=21))
    cycles.add_leaders(cycle, type(leader).objects.filter(pk=leader.pk), actor=hr)
    team = Team(hr=hr, version=version, profile=profile, cycle=cycle, leader=leader, manager=manager,
                reports=report_people, peers=peer_people)
    if open_it:
        open_now(cycle, hr)
        participant = team.participant
        for peer in peer_people:
            Questionnaire.objects.create(participant=participant, group=Group.PEER, rater=peer,
                                         status=QuestionnaireStatus.PENDING, invited_at=timezone.now())
        for n in range(externals):
            questionnaire = Questionnaire(participant=participant, group=Group.EXTERNAL, external_name=f"Client {n}",
                                          external_email=f"client{n}@customer.example", invited_at=timezone.now())
            questionnaire.new_token()
            questionnaire.save()
            team.externals.append(questionnaire)
    team.cycle.refresh_from_db()
    return team


def open_now(cycle: Cycle, actor) -> Cycle:
    """Opens the cycle as the page does; the opening task runs in-process in tests."""
    cycles.start_opening(cycle, actor=actor)
    cycle.refresh_from_db()
    if cycle.status != "open":  # outside a transaction test, on_commit fires only at the end
        cycles.open_cycle(cycle.pk, actor=actor)
        cycle.refresh_from_db()
    return cycle


def answer(questionnaire: Questionnaire, levels: dict | int | None, *, comments: dict | None = None,
           submit: bool = True) -> Questionnaire:
    """Writes answers (a level for every competency, or {competency: level or None}) and submits."""
    competencies = questionnaire.participant.cycle.framework_version.competencies.all()
    if not isinstance(levels, dict):
        levels = {c: levels for c in competencies}
    comments = comments or {}
    for competency, level in levels.items():
        Answer.objects.update_or_create(questionnaire=questionnaire, competency=competency,
                                        defaults={"level": level, "comment": comments.get(competency, "")})
    questionnaire.status = QuestionnaireStatus.SUBMITTED if submit else QuestionnaireStatus.STARTED
    questionnaire.submitted_at = timezone.now() if submit else None
    questionnaire.save()
    return questionnaire


def close(cycle: Cycle, actor) -> Cycle:
    cycles.close_cycle(cycle, actor=actor)
    cycle.refresh_from_db()
    return cycle
