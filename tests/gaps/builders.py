"""Builders for the gap-analysis tests (and the gap pages' tests).

- `released_team(...)`: one leader of tests/assessments/builders.py's team, with the role profile's
  requirements, the cycle's group weights and every group's answers chosen, released through
  `release_cycle`. Returns that `Team` (its cycle refreshed: status released, release 1).
- `analyse(cycle)`: a fresh `Analysis` of the cycle's current release, computed at once by
  `gaps.compute.run`; returns it as the run left it.
- `stored_cycle(...)` and `stored_leader(...)`: many leaders cheaply, for aggregates and batches —
  a cycle marked released and leaders written straight as the release would leave them
  (`Participant.requirements` frozen, `ResultCell` rows with their weights), no answers behind them.
- `figures(analysis)`: every figure an analysis stored, keyed without row ids, to compare two runs.

Outside a transactional test nothing queued after a commit runs, so `released_team` starts no
analysis by itself (wrap it in `django_capture_on_commit_callbacks(execute=True)` for that); in a
transactional test the release's signal starts one, in-process or on the worker.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.models import Role
from assessments.models import CellLabel, Cycle, CycleStatus, Group, Participant, Questionnaire, ResultCell
from assessments.release import release_cycle
from assessments.services import cycles
from gaps import compute
from gaps.models import Aggregate, Analysis, LeaderGap, RequirementGap
from profiles import services as profiles
from tests.assessments.builders import Team, answer, close, open_now, team_cycle
from tests.factories import PersonFactory, UserFactory
from tests.helpers import published_framework
from tests.factories import TEST_PASSWORD
from tests.helpers import co_signer

#: (required level, weight, critical) of one requirement.
Requirement = tuple[int, Any, bool]


def set_requirements(profile, actor, requirements: dict) -> Any:
    """Replaces the profile's requirements ({competency: (level, weight, critical)}) and approves the
    new revision; returns the profile."""
    profiles.requirements_set(profile=profile, requirements=[
        profiles.RequirementInput(competency, level, Decimal(str(weight)), critical)
        for competency, (level, weight, critical) in requirements.items()])
    return profiles.profile_approve(profile=profile, actor=co_signer(actor), password=TEST_PASSWORD, change_note="Requirements for the gap tests")


def released_team(*, peers: int = 3, reports: int = 3, externals: int = 0, manager: bool = True,
                  requirements: list[Requirement | None] | None = None, weights: dict | None = None,
                  answers: dict | None = None, code: str = "gaps", areas: int = 1, per_area: int = 4,
                  release: bool = True, hr=None) -> Team:
    """One leader rated on `areas × per_area` competencies, released.

    - `requirements`: per competency (in `team.competencies()` order) (level, weight, critical), or
      None for a competency the role does not require; by default level 3, weight 1, not critical.
    - `manager=False`: the leader has no manager, so nobody fills a manager questionnaire.
    - `weights`: {Group.MANAGER/PEER/DIRECT/EXTERNAL: weight} on the cycle (default 1 each).
    - `answers`: {group: [one entry per questionnaire of that group, in order]}, an entry being a
      level (or None, "not observed") for every competency or a list of them per competency.
      Groups not named leave their questionnaires unanswered.
    - `release=False`: stops after the answers, the cycle still open.
    """
    team = team_cycle(peers=0, reports=reports, code=code, areas=areas, per_area=per_area, open_it=False, hr=hr)
    competencies = team.competencies()
    if requirements is not None:
        set_requirements(team.profile, team.hr, {c: r for c, r in zip(competencies, requirements, strict=True)
                                                 if r is not None})
    if not manager:
        team.leader.manager = None
        team.leader.save()
    cycle = team.cycle
    for group, weight in (weights or {}).items():
        setattr(cycle, f"weight_{group}", Decimal(str(weight)))
    cycle._history_user = team.hr
    cycle.save()
    open_now(cycle, team.hr)
    participant = team.participant
    team.peers = [PersonFactory(org_unit=team.leader.org_unit, role_profile=team.profile) for _ in range(peers)]
    for peer in team.peers:
        Questionnaire.objects.create(participant=participant, group=Group.PEER, rater=peer, invited_at=timezone.now())
    for n in range(externals):
        questionnaire = Questionnaire(participant=participant, group=Group.EXTERNAL, external_name=f"Client {n}",
                                      external_email=f"client{n}@customer.example", invited_at=timezone.now())
        questionnaire.new_token()
        questionnaire.save()
        team.externals.append(questionnaire)
    for group, entries in (answers or {}).items():
        for index, entry in enumerate(entries):
            levels = dict(zip(competencies, entry, strict=True)) if isinstance(entry, (list, tuple)) else entry
            answer(team.questionnaire(group, index), levels)
    if release:
        close(cycle, team.hr)
        release_cycle(cycle, actor=team.hr)
    team.cycle.refresh_from_db()
    return team


def analyse(cycle: Cycle, *, batch_size: int | None = None, after_batch=None) -> Analysis:
    """A new analysis of the cycle's current release (as `gaps.services` creates one), run here and now."""
    cycle.refresh_from_db()
    analysis = Analysis.objects.create(cycle=cycle, release_number=cycle.release_number,
                                       framework_version_id=cycle.framework_version_id,
                                       batch_size=batch_size or compute.BATCH_SIZE)
    return compute.run(analysis.pk, after_batch=after_batch)


def stored_cycle(hr=None, *, code: str = "stored", competencies: int = 2) -> tuple[Cycle, list]:
    """A cycle on a fresh framework of `competencies` competencies, marked released (release 1) with no
    leaders yet: add them with `stored_leader`. Returns (cycle, its competencies in order)."""
    hr = hr or UserFactory(role=Role.HR)
    version = published_framework(hr, code=code, areas=1, per_area=competencies)
    today = timezone.localdate()
    cycle = cycles.create_cycle(actor=hr, name=f"Cycle {code}", framework_version=version, opens_on=today,
                                closes_on=today + timezone.timedelta(days=21))
    Cycle.objects.filter(pk=cycle.pk).update(status=CycleStatus.RELEASED, release_number=1, released_at=timezone.now())
    cycle.refresh_from_db()
    return cycle, list(version.competencies.order_by("position", "pk"))


def stored_leader(cycle: Cycle, *, requirements: dict, cells: dict | None = None, org_unit=None, role_profile=None,
                  profile_revision: int = 1, person=None) -> Participant:
    """A leader of `cycle` as a release leaves them: `requirements` {competency: (level, weight,
    critical)} frozen on the participant, and `cells` {competency: {label: mean or (mean, weight)}}
    stored (weight 1 by default; self and "all others" always 0). No questionnaire, no answer. A new
    person unless `person` is given."""
    person = person or PersonFactory(**({"org_unit": org_unit} if org_unit else {}), role_profile=role_profile)
    participant = Participant.objects.create(
        cycle=cycle, person=person, role_profile=role_profile, profile_revision=profile_revision,
        requirements=[{"competency_id": c.pk, "code": c.code, "required_level": level, "weight": str(weight),
                       "critical": critical} for c, (level, weight, critical) in requirements.items()])
    rows = []
    for competency, by_label in (cells or {}).items():
        for label, value in by_label.items():
            mean, weight = value if isinstance(value, tuple) else (value, Decimal(1))
            if label in (CellLabel.SELF, CellLabel.OTHERS):
                weight = Decimal(0)
            rows.append(ResultCell(participant=participant, competency=competency, label=label,
                                   mean=None if mean is None else Decimal(str(mean)), count=3, responders=3,
                                   weight=Decimal(str(weight)), release_number=cycle.release_number))
    ResultCell.objects.bulk_create(rows)
    return participant


def figures(analysis: Analysis) -> dict:
    """Every figure the analysis stored: {"requirements": {(participant, competency): (...)},
    "leaders": {participant: (...)}, "aggregates": {(kind, unit, role, competency): (...)}}."""
    return {
        "requirements": {(r[0], r[1]): r[2:] for r in RequirementGap.objects.filter(analysis=analysis).values_list(
            "participant_id", "competency_id", "required_level", "weight", "critical", "observed", "self_level", "gap",
            "weighted_gap", "status")},
        "leaders": {r[0]: r[1:] for r in LeaderGap.objects.filter(analysis=analysis).values_list(
            "participant_id", "person_id", "org_unit_id", "role_profile_id", "profile_revision", "requirements", "met",
            "gaps", "critical_gaps", "no_evidence", "readiness", "mean_gap")},
        "aggregates": {r[:4]: r[4:] for r in Aggregate.objects.filter(analysis=analysis).values_list(
            "kind", "org_unit_id", "role_profile_id", "competency_id", "leaders", "assessed", "mean_gap", "share_below",
            "share_critical", "readiness")},
    }
