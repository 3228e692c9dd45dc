"""The demo organisation's 360° cycles: one released a few months ago, one open now.

The services a user's clicks run build both and tell each story (create, add leaders, open, nominate,
answer part of a questionnaire, decline, close, release); the bulk of the nominations, approvals,
answers and submissions is written in bulk the way those services write it, with a history row for
each change by the same person, so the audit history is what it would be. Only the clock is not:
the released cycle is built today and then moved back in time, records and history rows alike. The
emails those steps would queue are not sent (the demo's addresses are not mailboxes, and `make run`
without Redis would print every one); the daily task sends the reminders due from then on.

- "Leadership 360 — pilot", released: the first 30 leaders rated by themselves, their manager, their
  direct reports and 4–6 approved peers each, with levels around what their role profile requires
  and a few comments. Liam Brennan's peers are too few on their own (two answered): they are pooled
  with his direct reports as "other colleagues". Aisha Chen's two peers are all she has: her pool is
  under three and suppressed.
  The release's gap analysis (`gaps`) is done and current, dated with the release: every leader
  measured against their role profile, some below it, a few critical gaps, and one requirement of
  Aisha Chen's with no evidence (her manager did not observe it, and her pool is suppressed).
- "Leadership 360 — round 2", open since it was seeded, closing three weeks later: some questionnaires
  submitted, some started, most still to answer (Maria Jensen's and Hugo Novak's among them); Liam
  Brennan's peer nominations wait for Maria Jensen's approval, and Zofia Ortega has not nominated yet.

Idempotent: a cycle that exists (by name) is left as it is; only a released cycle without a current
gap analysis of its release gets one.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from unittest import mock

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.models import User
from assessments.models import (
    Answer,
    Cycle,
    CycleEmail,
    CycleStatus,
    Group,
    Participant,
    Questionnaire,
    QuestionnaireStatus,
    Release,
    ResultComment,
)
from gaps.models import Analysis
from profiles.models import Person

BATCH_SIZE = 1000
#: The demo cycles rate the first leaders of the demo organisation (those `seed_demo` always makes).
DEMO_LEADERS = 30
RELEASED_CYCLE = "Leadership 360 — pilot"
OPEN_CYCLE = "Leadership 360 — round 2"
#: The released cycle opened this many days before the seeding, ran three weeks and was released
#: a few days after its close.
RELEASED_OPENED_DAYS_AGO = 110
COLLECTION_DAYS = 21

#: Leader indexes (0 = Maria Jensen, the managing director) with a story in the data.
THIN_PEERS = 3  # Liam Brennan: two peers answered; pooled with his direct reports
SUPPRESSED = 22  # Aisha Chen: two peers answered, nobody else: "2 responses — too few to show"
AWAITING_APPROVAL = 3  # round 2: Liam Brennan's nominations wait for Maria Jensen
NOT_NOMINATED = 20  # round 2: Zofia Ortega has not nominated her peers yet
MARIA, HUGO = 0, 29  # the demo logins with questionnaires to answer in round 2
#: Aisha Chen's manager answers "not observed" here: with her pool suppressed, the gap analysis has
#: no evidence for this requirement of hers.
NOT_OBSERVED_BY_MANAGER = "CF-01"

# Plain, short comments as colleagues write them: a few per leader, chosen by how the rater saw it.
STRENGTH_COMMENTS = [
    "Always explains the why behind a decision, which makes it easy to follow.",
    "Very good at getting the right people in the room early.",
    "Keeps calm when things go wrong and focuses on fixing the cause.",
    "Listens properly in meetings and comes back with answers.",
    "Sets clear priorities; I always know what matters this week.",
    "Shares what the customer said with the whole team, good and bad.",
    "Makes time for one-to-ones even in busy weeks.",
    "Follows up on every action from the review. Nothing gets lost.",
    "Uses the data well and is honest when the numbers are bad.",
    "Gives credit to the team in front of others.",
    "Good at turning audit findings into small, practical changes.",
    "Knows the processes in detail and still asks for our view.",
]
DEVELOPMENT_COMMENTS = [
    "Could delegate more; some decisions wait too long for sign-off.",
    "Feedback often comes late, after the problem has grown.",
    "Would help if plans were shared earlier with other departments.",
    "Sometimes jumps to a solution before the cause is clear.",
    "Risk reviews feel like paperwork rather than real discussion.",
    "Meetings run over and the actions are not always written down.",
    "I would like more say in setting our team objectives.",
    "Tends to fix things personally instead of coaching the team to do it.",
    "Not always visible on the shop floor; we see them mostly in reviews.",
    "Should push back more when targets are unrealistic.",
]
NEUTRAL_COMMENTS = [
    "Solid overall. More of the same would be fine.",
    "Hard to judge from where I sit, but what I see is good.",
    "Improving compared with last year.",
    "Does what is needed; I have no strong view either way.",
]
DECLINE_REASONS = [
    "I joined the team only two weeks ago and have not worked with them enough yet.",
    "We hardly work together; someone from the planning team would know better.",
]


@dataclass
class CyclesReport:
    created: list[str]
    skipped: list[str]

    def lines(self) -> list[str]:
        lines = [f"Cycle created: {name}" for name in self.created]
        lines += [f"Cycle kept as it was: {name}" for name in self.skipped]
        return lines


def demo_leaders(count: int = DEMO_LEADERS) -> list[Person]:
    from demo.seed import employee_id

    ids = [employee_id(i) for i in range(count)]
    by_id = {p.employee_id: p for p in Person.objects.select_related("user").filter(employee_id__in=ids)}
    return [by_id[i] for i in ids if i in by_id]


def seed_demo_cycles() -> CyclesReport:
    """Adds the demo cycles that are missing; needs the 30 demo leaders with their role profiles."""
    from demo.seed import DEMO_DOMAIN

    report = CyclesReport([], [])
    leaders = demo_leaders()
    if len(leaders) < DEMO_LEADERS or any(p.role_profile_id is None for p in leaders):
        report.skipped.append(f"both (they need the {DEMO_LEADERS} demo leaders with role profiles)")
        return report
    hr = User.objects.get(email=f"hr@{DEMO_DOMAIN}")
    version = leaders[0].role_profile.framework_version
    existing = set(Cycle.objects.filter(name__in=[RELEASED_CYCLE, OPEN_CYCLE]).values_list("name", flat=True))
    with emails_held(), transaction.atomic():
        for name, build in ((RELEASED_CYCLE, _released_cycle), (OPEN_CYCLE, _open_cycle)):
            if name in existing:
                report.skipped.append(name)
            else:
                build(name, hr, version, leaders)
                report.created.append(name)
        released = Cycle.objects.filter(name=RELEASED_CYCLE).first()
        if released is not None:
            analyse_gaps(released)
    return report


def analyse_gaps(cycle: Cycle) -> None:
    """The released cycle's gap analysis, done and current. The release's signal would queue it after
    the commit, but the seed drops what is queued after the commit (`emails_held`), so it is started
    and run here as the task would (in the seed's transaction); a current, done analysis of the
    cycle's release is kept as it is."""
    from gaps import compute, services
    from gaps.models import Analysis, AnalysisStatus

    if cycle.status != CycleStatus.RELEASED or Analysis.objects.filter(
            cycle=cycle, current=True, status=AnalysisStatus.DONE, release_number=cycle.release_number).exists():
        return
    with emails_held():
        analysis = services.analyse_release(cycle.pk)
    if analysis is not None:
        compute.run(analysis.pk)


@contextmanager
def emails_held() -> Iterator[None]:
    """Tasks the services queue after commit (the opening task, which the seed runs itself, and the
    emails) are dropped instead."""
    with mock.patch.object(transaction, "on_commit", lambda func, using=None, robust=False: None):
        yield


# --- building a cycle -----------------------------------------------------------------------------
#
# One service call per nomination and per answer would make the seed (and every test that runs it)
# take seconds more: the bulk goes through bulk_create_with_history / bulk_update_with_history.


def _new_cycle(name: str, hr, version, leaders: list[Person]) -> Cycle:
    from assessments.services import cycles

    today = timezone.localdate()
    cycle = cycles.create_cycle(actor=hr, name=name, framework_version=version, opens_on=today,
                                closes_on=today + timedelta(days=COLLECTION_DAYS))
    cycles.add_leaders(cycle, Person.objects.filter(pk__in=[p.pk for p in leaders]), actor=hr)
    cycles.start_opening(cycle, actor=hr)
    return cycles.open_cycle(cycle.pk, actor=hr)  # the task's work, done here rather than on the queue


def peers_for(index: int, leaders: list[Person], count: int) -> list[Person]:
    """`count` colleagues who may rate the leader as peers: those with the same manager first, then
    others of the same division, then those at the same level elsewhere, nearest first; never the
    leader, their manager or someone who reports to them."""
    from demo.seed import _manager_index

    me = leaders[index]
    candidates = [p for p in leaders if p.pk not in {me.pk, me.manager_id} and p.manager_id != me.pk]
    position = {p.pk: i for i, p in enumerate(leaders)}
    manager = _manager_index(index)

    def closeness(person: Person) -> tuple[int, int]:
        other = position[person.pk]
        if manager is not None and _manager_index(other) == manager:
            kinship = 0
        elif _division(other) == _division(index):
            kinship = 1
        elif _depth(other) == _depth(index):
            kinship = 2
        else:
            kinship = 3
        return kinship, abs(other - index)

    return sorted(candidates, key=closeness)[:count]


def _depth(index: int) -> int:
    from demo.seed import _manager_index

    depth = 0
    while (index := _manager_index(index)) is not None:
        depth += 1
    return depth


def _division(index: int) -> int:
    """The director (1-5) above a leader, or 0 for the managing director."""
    from demo.seed import DIVISIONS, _manager_index

    while index > len(DIVISIONS):
        index = _manager_index(index)
    return index


def peer_count(index: int) -> int:
    return 4 + index % 3


def _participants(cycle: Cycle) -> dict[int, Participant]:
    participants = Participant.objects.filter(cycle=cycle).select_related("person__user", "manager__user")
    return {p.person_id: p for p in participants}


def _nominate_and_approve(cycle: Cycle, leaders: list[Person], indexes: list[int]) -> None:
    """Each leader nominates their peers and submits them; their manager (HR for the managing
    director) approves them all, as `nominations.nominate_peer`, `submit_nominations` and
    `decide_all` would."""
    participants = _participants(cycle)
    hr = cycle.created_by
    now = timezone.now()
    nominated, submitted = [], []
    for index in indexes:
        leader = leaders[index]
        participant = participants[leader.pk]
        for peer in peers_for(index, leaders, peer_count(index)):
            questionnaire = Questionnaire(participant=participant, group=Group.PEER, rater=peer,
                                          status=QuestionnaireStatus.NOMINATED, nominated_by=leader.user)
            questionnaire._history_user = leader.user
            nominated.append(questionnaire)
        participant.nominations_submitted_at = now
        participant._history_user = leader.user
        submitted.append(participant)
    bulk_create_with_history(nominated, Questionnaire, batch_size=BATCH_SIZE)
    bulk_update_with_history(submitted, Participant, ["nominations_submitted_at"], batch_size=BATCH_SIZE)
    decider = {p.pk: p.manager.user if p.manager_id else hr for p in submitted}
    for questionnaire in nominated:
        questionnaire.status = QuestionnaireStatus.PENDING
        questionnaire.decided_by = questionnaire._history_user = decider[questionnaire.participant_id]
        questionnaire.invited_at = now
    bulk_update_with_history(nominated, Questionnaire, ["status", "decided_by", "invited_at"], batch_size=BATCH_SIZE)
    for participant in submitted:
        participant.nominations_approved_at = now
        participant.nominations_approved_by = participant._history_user = decider[participant.pk]
    bulk_update_with_history(submitted, Participant, ["nominations_approved_at", "nominations_approved_by"],
                             batch_size=BATCH_SIZE)


def _submit_all(answered: list[tuple[Questionnaire, dict]]) -> None:
    """Stores complete answers and submits each questionnaire, as `answering.save_answers` and
    `answering.submit` would (its history row by the rater)."""
    now = timezone.now()
    Answer.objects.bulk_create([
        Answer(questionnaire=questionnaire, competency_id=competency_id, level=given.level, comment=given.comment)
        for questionnaire, answers in answered for competency_id, given in answers.items()
    ], batch_size=2000)
    for questionnaire, _answers in answered:
        questionnaire.status = QuestionnaireStatus.SUBMITTED
        questionnaire.started_at = questionnaire.submitted_at = now
        questionnaire._history_user = questionnaire.rater.user if questionnaire.rater_id else None
    bulk_update_with_history([q for q, _ in answered], Questionnaire, ["status", "started_at", "submitted_at"],
                             batch_size=BATCH_SIZE)


@dataclass
class Impression:
    """How one leader is seen: a skill per competency shared by everyone who rates them, and the
    leader's own tendency to rate themself higher or lower."""

    skill: dict[int, float]
    self_bias: float


def impression(index: int, participant: Participant) -> Impression:
    rng = random.Random(f"demo-skill-{index}")
    skill = {row["competency_id"]: rng.gauss(0, 0.6) for row in participant.requirements}
    # A few leaders see themselves clearly above (blind spots) or below (hidden strengths) the others.
    self_bias = {2: 1.4, 9: 1.2, 14: -1.2, 25: 1.3, 27: -1.1}.get(index, rng.choice([0.0, 0.3, 0.5]))
    return Impression(skill, self_bias)


def answers_for(questionnaire: Questionnaire, seen: Impression, rng: random.Random, *, may_skip: bool = False,
                comments: float = 0.06) -> dict:
    """A level for each competency the questionnaire asks about, around the required level; "not
    observed" now and then where `may_skip`; a comment now and then from raters other than the leader."""
    from assessments.services.answering import AnswerInput

    answers = {}
    for row in questionnaire.participant.requirements:
        competency_id, required = row["competency_id"], row["required_level"]
        group = questionnaire.group
        if may_skip and rng.random() < 0.15:
            answers[competency_id] = AnswerInput(None, "")
            continue
        bias = seen.self_bias if group == Group.SELF else 0.0
        noise = rng.gauss(0, 0.35 if group in (Group.SELF, Group.MANAGER) else 0.6)
        level = max(1, min(5, round(required + seen.skill[competency_id] + bias + noise)))
        comment = ""
        if group != Group.SELF and rng.random() < comments:
            pool = (STRENGTH_COMMENTS if level > required else DEVELOPMENT_COMMENTS if level < required
                    else NEUTRAL_COMMENTS)
            comment = rng.choice(pool)
        answers[competency_id] = AnswerInput(level, comment)
    return answers


def _not_observed():
    from assessments.services.answering import AnswerInput

    return AnswerInput(None, "")


def _begin(questionnaire: Questionnaire, seen: Impression, rng: random.Random, share: float) -> None:
    """The rater answers the first part of the questionnaire and leaves it for later."""
    from assessments.services import answering

    answers = answers_for(questionnaire, seen, rng)
    answering.save_answers(questionnaire, dict(list(answers.items())[:max(1, round(len(answers) * share))]))


def _questionnaires(cycle: Cycle) -> dict[int, list[Questionnaire]]:
    """The cycle's questionnaires by leader (person id), each group in a steady order."""
    by_leader: dict[int, list[Questionnaire]] = {}
    for questionnaire in (Questionnaire.objects.filter(participant__cycle=cycle)
                          .select_related("participant", "rater__user").order_by("participant_id", "group", "pk")):
        by_leader.setdefault(questionnaire.participant.person_id, []).append(questionnaire)
    return by_leader


# --- the released cycle --------------------------------------------------------------------------


def _released_cycle(name: str, hr, version, leaders: list[Person]) -> Cycle:
    """Run over three weeks: nominations in the first days, answers coming in over the weeks, the close
    the day after the close date and the release two days later; then all of it moved back so that the
    opening lies RELEASED_OPENED_DAYS_AGO in the past."""
    from assessments.release import release_cycle
    from assessments.services import answering, cycles

    cycle = _new_cycle(name, hr, version, leaders)
    _nominate_and_approve(cycle, leaders, list(range(len(leaders))))
    elapsed = move_back(cycle, days=2)
    rng = random.Random("demo-released")
    for wave in range(3):  # three waves of answers, six days apart
        by_leader = _questionnaires(cycle)  # read again: moving back changed their dates
        answered = []
        for index in range(wave, len(leaders), 3):
            questionnaires = by_leader[leaders[index].pk]
            seen = impression(index, questionnaires[0].participant)
            peers = [q for q in questionnaires if q.group == Group.PEER]
            directs = [q for q in questionnaires if q.group == Group.DIRECT]
            if index in (THIN_PEERS, SUPPRESSED):
                # Two peers answer, one declines, the others never get to it (nor do Aisha Chen's reports).
                answering.decline(peers[2], DECLINE_REASONS[index % len(DECLINE_REASONS)])
                silent = peers[2:] + (directs if index == SUPPRESSED else [])
            else:
                silent = peers[-1:] if index % 4 == 1 else []  # now and then one peer does not answer
            for group in (peers, directs):
                answering_group = [q for q in group if q not in silent]
                for questionnaire in answering_group:
                    # "Not observed" from one rater of a group of four or more: every group stays at
                    # or above its threshold on every competency (only Aisha Chen's pool is too thin).
                    may_skip = len(answering_group) >= 4 and questionnaire is answering_group[0]
                    answered.append((questionnaire, answers_for(questionnaire, seen, rng, may_skip=may_skip)))
            for questionnaire in questionnaires:
                if questionnaire.group in (Group.SELF, Group.MANAGER):
                    given = answers_for(questionnaire, seen, rng)
                    if index == SUPPRESSED and questionnaire.group == Group.MANAGER:
                        # Her manager has not seen how she handles customers' requirements.
                        given |= {row["competency_id"]: _not_observed()
                                  for row in questionnaire.participant.requirements
                                  if row["code"] == NOT_OBSERVED_BY_MANAGER}
                    answered.append((questionnaire, given))
        _submit_all(answered)
        elapsed += move_back(cycle, days=6)
    elapsed += move_back(cycle, days=COLLECTION_DAYS + 1 - elapsed)
    cycles.close_cycle(cycle, actor=hr)
    elapsed += move_back(cycle, days=2)
    release_cycle(cycle, actor=hr)
    analyse_gaps(Cycle.objects.get(pk=cycle.pk))  # as the release's signal would, dated with it
    move_back(cycle, days=RELEASED_OPENED_DAYS_AGO - elapsed)
    return cycle


def move_back(cycle: Cycle, *, days: int) -> int:
    """Moves every date and time of the cycle, its rows and their history rows `days` into the past,
    as if what has been done so far had happened then (history rows move with their records, so they
    still match them and keep their order). Returns `days`."""
    if days <= 0:
        return 0
    delta = timedelta(days=days)
    for model, lookup in (
        (Cycle, {"pk": cycle.pk}),
        (Participant, {"cycle": cycle}),
        (Questionnaire, {"participant__cycle": cycle}),
        (Answer, {"questionnaire__participant__cycle": cycle}),
        (ResultComment, {"participant__cycle": cycle}),
        (Release, {"cycle": cycle}),
        (CycleEmail, {"cycle": cycle}),
        (Analysis, {"cycle": cycle}),
    ):
        names = [f.attname for f in model._meta.concrete_fields
                 if isinstance(f, (models.DateField, models.DateTimeField))]
        pks = list(model.objects.filter(**lookup).values_list("pk", flat=True))
        if not pks:
            continue
        model.objects.filter(pk__in=pks).update(**{name: F(name) - delta for name in names})
        if hasattr(model, "history"):
            model.history.filter(id__in=pks).update(**{name: F(name) - delta for name in [*names, "history_date"]})
    return days


# --- the open cycle ------------------------------------------------------------------------------


def _open_cycle(name: str, hr, version, leaders: list[Person]) -> Cycle:
    from assessments.services import answering, nominations

    cycle = _new_cycle(name, hr, version, leaders)
    nominating = [i for i in range(len(leaders)) if i not in (AWAITING_APPROVAL, NOT_NOMINATED)]
    _nominate_and_approve(cycle, leaders, nominating)
    # Liam Brennan nominates through the page's service; his manager, Maria Jensen, has yet to decide.
    liam = leaders[AWAITING_APPROVAL]
    participant = Participant.objects.select_related("cycle", "person__user").get(cycle=cycle, person=liam)
    for peer in peers_for(AWAITING_APPROVAL, leaders, peer_count(AWAITING_APPROVAL)):
        nominations.nominate_peer(participant, peer, actor=liam.user)
    nominations.submit_nominations(participant, actor=liam.user)

    rng = random.Random("demo-open")
    by_leader = _questionnaires(cycle)
    maria, hugo = leaders[MARIA].pk, leaders[HUGO].pk
    answered = []
    for index, leader in enumerate(leaders):
        questionnaires = [q for q in by_leader[leader.pk] if q.status == QuestionnaireStatus.PENDING]
        seen = impression(index, questionnaires[0].participant)
        for number, questionnaire in enumerate(questionnaires):
            if questionnaire.rater_id in (maria, hugo):
                # The demo logins have questionnaires to answer: one begun each, the others not started.
                if ((questionnaire.rater_id == maria and questionnaire.group == Group.MANAGER and index == 1)
                        or (questionnaire.rater_id == hugo and questionnaire.group == Group.SELF)):
                    _begin(questionnaire, seen, rng, share=0.4)
                continue
            turn = (index * 7 + number * 3) % 10
            if turn < 4:
                answered.append((questionnaire, answers_for(questionnaire, seen, rng)))
            elif turn == 4:
                _begin(questionnaire, seen, rng, share=0.3 + number % 4 / 10)
            elif turn == 6 and questionnaire.group == Group.PEER and index % 5 == 0:
                answering.decline(questionnaire, DECLINE_REASONS[index % len(DECLINE_REASONS)])
    _submit_all(answered)
    return cycle
