"""Opening a cycle: what it checks, and the questionnaires it builds from the org data."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from assessments.models import CycleStatus, Group, Participant, Questionnaire
from assessments.services import cycles
from tests.assessments.builders import team_cycle
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_opening_builds_self_manager_and_direct_report_questionnaires_and_freezes_the_requirements():
    team = team_cycle(peers=0, reports=3)
    assert team.cycle.status == CycleStatus.OPEN
    groups = sorted(Questionnaire.objects.filter(participant=team.participant).values_list("group", flat=True))
    assert groups == sorted([Group.SELF, Group.MANAGER, Group.DIRECT, Group.DIRECT, Group.DIRECT])
    participant = team.participant
    assert participant.profile_revision == team.profile.revision == 1
    assert participant.requirements == team.profile.approved_requirements
    assert participant.manager == team.manager
    assert team.cycle.progress == {"done": 1, "total": 1}


def test_opening_refuses_leaders_without_an_approved_role_profile_and_names_them():
    team = team_cycle(open_it=False)
    stray = PersonFactory(user__first_name="Nora", user__last_name="Noprofile")
    cycles.add_leaders(team.cycle, type(stray).objects.filter(pk=stray.pk), actor=team.hr)
    with pytest.raises(ValidationError) as refused:
        cycles.start_opening(team.cycle, actor=team.hr)
    assert "1 leader has no approved role profile: Nora Noprofile" in " ".join(refused.value.messages)
    team.cycle.refresh_from_db()
    assert team.cycle.status == CycleStatus.DRAFT
    assert not Questionnaire.objects.filter(participant__cycle=team.cycle).exists()


def test_a_second_run_of_the_opening_task_changes_nothing():
    team = team_cycle(peers=0, reports=2)
    before = Questionnaire.objects.filter(participant__cycle=team.cycle).count()
    cycles.open_cycle(team.cycle.pk, actor=team.hr)
    assert Questionnaire.objects.filter(participant__cycle=team.cycle).count() == before
    assert Participant.objects.get(cycle=team.cycle).history.count() == 2
