"""Releasing results: the anonymity rules on hand-built teams, re-releases, refusals and the cost.

Each case answers through the builders (tests/assessments/builders.py) and reads back what the
release stored: the cells (label, mean, count, responders, suppressed) and the comments.
"""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import (
    CellLabel,
    CycleEmail,
    CycleStatus,
    EmailKind,
    Group,
    Participant,
    Questionnaire,
    QuestionnaireStatus,
    Release,
    ResultCell,
    ResultComment,
)
from assessments.release import release_cycle
from assessments.services.results import withhold_comment
from tests.assessments.builders import answer, close, open_now, team_cycle
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def cells(team, competency=None) -> dict[str, tuple]:
    """{label: (mean, count, responders, suppressed)} for one competency (the first by default)."""
    competency = competency or team.competencies()[0]
    return {c.label: (c.mean, c.count, c.responders, c.suppressed)
            for c in ResultCell.objects.filter(participant=team.participant, competency=competency)}


def comments(team) -> list[tuple[str, str]]:
    return sorted(ResultComment.objects.filter(participant=team.participant).values_list("label", "text"))


def rate(team, group: str, levels: list, *, comment: str = "") -> None:
    """The first len(levels) questionnaires of `group` answer every competency with one level each."""
    for index, level in enumerate(levels):
        questionnaire = team.questionnaire(group, index)
        said = {c: f"{comment} {index}" for c in team.competencies()} if comment else None
        answer(questionnaire, level, comments=said)


def release(team):
    close(team.cycle, team.hr)
    result = release_cycle(team.cycle, actor=team.hr)
    team.cycle.refresh_from_db()
    return result


# --- the rules ----------------------------------------------------------------------------------------


def test_one_peer_is_suppressed_with_its_comments_while_self_and_manager_show_with_their_labels():
    team = team_cycle(peers=1, reports=0)
    rate(team, Group.SELF, [4], comment="self says")
    rate(team, Group.MANAGER, [3], comment="manager says")
    rate(team, Group.PEER, [2], comment="peer says")
    release(team)
    assert cells(team) == {
        CellLabel.SELF: (Decimal("4.00"), 1, 1, False),
        CellLabel.MANAGER: (Decimal("3.00"), 1, 1, False),
        CellLabel.OTHER: (None, 1, 1, True),
    }
    texts = [text for _label, text in comments(team)]
    assert "peer says 0" not in texts
    assert ("self", "self says 0") in comments(team) and ("manager", "manager says 0") in comments(team)
    assert team.cycle.status == CycleStatus.RELEASED and team.cycle.release_number == 1


def test_two_peers_and_one_direct_report_are_pooled_into_other_colleagues_of_three():
    team = team_cycle(peers=2, reports=1)
    rate(team, Group.PEER, [2, 3], comment="peer")
    rate(team, Group.DIRECT, [5], comment="report")
    release(team)
    assert cells(team) == {
        CellLabel.OTHER: (Decimal("3.33"), 3, 3, False),
        CellLabel.OTHERS: (Decimal("3.33"), 3, 3, False),
    }
    assert {label for label, _text in comments(team)} == {CellLabel.OTHER}
    assert len(comments(team)) == 3 * len(team.competencies())


def test_a_thin_group_absorbs_the_smallest_shown_group_and_its_label_goes():
    team = team_cycle(peers=2, reports=3, externals=4)
    rate(team, Group.PEER, [1, 2])
    rate(team, Group.DIRECT, [3, 3, 3], comment="report")
    rate(team, Group.EXTERNAL, [5, 5, 4, 4])
    release(team)
    found = cells(team)
    assert set(found) == {CellLabel.OTHER, CellLabel.EXTERNAL, CellLabel.OTHERS}
    assert found[CellLabel.OTHER] == (Decimal("2.40"), 5, 5, False)  # 2 peers + 3 direct reports
    assert found[CellLabel.EXTERNAL] == (Decimal("4.50"), 4, 4, False)
    # All others: the two shown cells, equally weighted by default.
    assert found[CellLabel.OTHERS] == (Decimal("3.45"), 9, 9, False)
    assert {label for label, _text in comments(team)} == {CellLabel.OTHER}


def test_group_weights_weigh_the_shown_cells_of_all_others():
    team = team_cycle(peers=3, reports=3)
    team.cycle.weight_peer = Decimal(3)
    team.cycle.save()
    rate(team, Group.PEER, [4, 4, 4])
    rate(team, Group.DIRECT, [2, 2, 2])
    release(team)
    assert cells(team)[CellLabel.OTHERS] == (Decimal("3.50"), 6, 6, False)  # (3×4 + 1×2) / 4


def test_a_pool_under_three_is_suppressed_everywhere_and_keeps_only_its_count():
    team = team_cycle(peers=1, reports=1)
    rate(team, Group.SELF, [3])
    rate(team, Group.PEER, [5], comment="peer")
    rate(team, Group.DIRECT, [1], comment="report")
    release(team)
    assert cells(team) == {
        CellLabel.SELF: (Decimal("3.00"), 1, 1, False),
        CellLabel.OTHER: (None, 2, 2, True),
    }
    assert comments(team) == []


def test_not_observed_answers_are_left_out_of_counts_and_can_make_a_group_thin():
    team = team_cycle(peers=4, reports=0, areas=1, per_area=2)
    first, second = team.competencies()
    for index, (one, two) in enumerate([(4, 2), (4, None), (2, None), (3, 3)]):
        answer(team.questionnaire(Group.PEER, index), {first: one, second: two})
    release(team)
    # Four rated the first: shown, "rated by 4 of 4".
    assert cells(team, first)[CellLabel.PEER] == (Decimal("3.25"), 4, 4, False)
    # Two rated the second, two did not observe it: too few, and no other group to absorb.
    assert cells(team, second) == {CellLabel.OTHER: (None, 2, 4, True)}


def test_rated_by_three_of_four_when_one_did_not_observe():
    team = team_cycle(peers=4, reports=0, areas=1, per_area=1)
    (only,) = team.competencies()
    for index, level in enumerate([2, 3, 4, None]):
        answer(team.questionnaire(Group.PEER, index), {only: level})
    release(team)
    assert cells(team)[CellLabel.PEER] == (Decimal("3.00"), 3, 4, False)


def test_a_release_before_the_close_is_refused_and_changes_nothing():
    team = team_cycle(peers=3, reports=0)
    rate(team, Group.PEER, [3, 3, 3])
    with pytest.raises(ValidationError) as refused:
        release_cycle(team.cycle, actor=team.hr)
    assert "results are released once the cycle is closed" in refused.value.messages[0]
    team.cycle.refresh_from_db()
    assert team.cycle.status == CycleStatus.OPEN and team.cycle.release_number == 0
    assert not ResultCell.objects.exists() and not Release.objects.exists()


def test_the_release_is_recorded_with_its_history_and_emails_the_leaders(django_capture_on_commit_callbacks):
    team = team_cycle(peers=3, reports=0)
    rate(team, Group.SELF, [3])
    rate(team, Group.PEER, [3, 4, 5])
    close(team.cycle, team.hr)
    with django_capture_on_commit_callbacks(execute=True):
        done = release_cycle(team.cycle, actor=team.hr)
    assert (done.number, done.leaders, done.answers_added, done.released_by) == (1, 1, 4 * 4, team.hr)
    team.cycle.refresh_from_db()
    assert team.cycle.released_by == team.hr and team.cycle.released_at is not None
    newest = team.cycle.history.first()
    assert newest.status == CycleStatus.RELEASED and newest.history_user == team.hr
    assert done.history.first().history_user == team.hr
    assert CycleEmail.objects.filter(cycle=team.cycle, kind=EmailKind.RESULTS).count() == 1
    participant = team.participant
    assert participant.released_counts[Group.PEER]["q"] == 3
    assert participant.history.first().released_counts == participant.released_counts


# --- re-releases -----------------------------------------------------------------------------------


def late_peers(team, how_many: int, level: int = 2) -> None:
    """Peers nominated after the release who answer: the release's figures must not change for them."""
    participant = team.participant
    for _ in range(how_many):
        peer = PersonFactory(org_unit=team.leader.org_unit)
        questionnaire = Questionnaire.objects.create(participant=participant, group=Group.PEER, rater=peer,
                                                     status=QuestionnaireStatus.PENDING, invited_at=timezone.now())
        answer(questionnaire, level)


def test_a_late_answer_needs_three_new_answers_before_a_re_release():
    team = team_cycle(peers=3, reports=0)
    rate(team, Group.PEER, [3, 4, 5])
    release(team)
    late_peers(team, 1)
    with pytest.raises(ValidationError) as refused:
        release_cycle(team.cycle, actor=team.hr)
    message = refused.value.messages[0]
    assert "1 leader has fewer than 3 new answers" in message and "Lena Leader (peers: 1 new)" in message
    assert cells(team)[CellLabel.PEER] == (Decimal("4.00"), 3, 3, False)  # unchanged
    team.cycle.refresh_from_db()
    assert team.cycle.release_number == 1

    late_peers(team, 2)
    again = release_cycle(team.cycle, actor=team.hr)
    assert (again.number, again.leaders, again.answers_added) == (2, 1, 3 * 4)
    assert cells(team)[CellLabel.PEER] == (Decimal("3.00"), 6, 6, False)
    team.cycle.refresh_from_db()
    assert team.cycle.release_number == 2 and team.cycle.status == CycleStatus.RELEASED
    assert ResultCell.objects.filter(participant=team.participant).values("release_number").distinct().count() == 1


def test_a_late_self_assessment_may_be_released_alone():
    team = team_cycle(peers=3, reports=0)
    rate(team, Group.PEER, [3, 4, 5])
    release(team)
    assert CellLabel.SELF not in cells(team)
    rate(team, Group.SELF, [4])
    release_cycle(team.cycle, actor=team.hr)
    assert cells(team)[CellLabel.SELF] == (Decimal("4.00"), 1, 1, False)


def test_a_re_release_with_nothing_new_is_refused():
    team = team_cycle(peers=3, reports=0)
    rate(team, Group.PEER, [3, 4, 5])
    release(team)
    with pytest.raises(ValidationError, match="No answers have arrived since release 1"):
        release_cycle(team.cycle, actor=team.hr)
    assert Release.objects.count() == 1


def test_a_pool_shown_once_stays_pooled_so_a_later_release_cannot_be_subtracted_from_it():
    team = team_cycle(peers=2, reports=3)
    rate(team, Group.PEER, [1, 2])
    rate(team, Group.DIRECT, [4, 4, 5])
    release(team)
    assert set(cells(team)) == {CellLabel.OTHER, CellLabel.OTHERS}
    late_peers(team, 3, level=3)  # peers now 5: enough alone, but showing "peers" and "direct reports"
    release_cycle(team.cycle, actor=team.hr)  # beside the first release's pool would give away 2 peers
    assert cells(team) == {
        CellLabel.OTHER: (Decimal("3.13"), 8, 8, False),  # (1 + 2 + 4 + 4 + 5 + 3 × 3) / 8
        CellLabel.OTHERS: (Decimal("3.13"), 8, 8, False),
    }


def test_a_withheld_comment_stays_withheld_after_a_re_release():
    team = team_cycle(peers=3, reports=0)
    rate(team, Group.PEER, [3, 4, 5], comment="peer")
    release(team)
    comment = ResultComment.objects.filter(participant=team.participant).first()
    withhold_comment(comment, "Names a colleague", actor=team.hr)
    late_peers(team, 3)
    release_cycle(team.cycle, actor=team.hr)
    comment.refresh_from_db()
    assert comment.withheld and comment.withheld_reason == "Names a colleague"
    assert ResultComment.objects.filter(participant=team.participant).count() == 3 * len(team.competencies())


def test_comments_are_stored_in_shuffled_positions():
    team = team_cycle(peers=8, reports=0, areas=1, per_area=1)
    (only,) = team.competencies()
    for index in range(8):
        answer(team.questionnaire(Group.PEER, index), {only: 3}, comments={only: f"comment {index}"})
    release(team)
    order = list(ResultComment.objects.filter(participant=team.participant).values_list("text", flat=True))
    assert sorted(order) == [f"comment {index}" for index in range(8)]
    positions = list(ResultComment.objects.filter(participant=team.participant).values_list("position", flat=True))
    assert len(set(positions)) == 8  # distinct random positions (the chance that they come out in order: 1/40320)


# --- the release task (start_release → "releasing" → tasks.release_cycle → "released") -------------


def test_start_release_checks_at_once_and_the_task_releases_with_progress(django_capture_on_commit_callbacks):
    from assessments import tasks
    from assessments.release import start_release

    team = team_cycle(peers=3, reports=0)
    rate(team, Group.PEER, [3, 4, 5])
    close(team.cycle, team.hr)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        cycle = start_release(team.cycle, actor=team.hr)
    assert cycle.status == CycleStatus.RELEASING and cycle.progress == {"done": 0, "total": 1}
    assert len(queued) == 1 and not ResultCell.objects.exists()  # nothing stored before the task runs
    team.cycle.refresh_from_db()
    assert team.cycle.status == CycleStatus.RELEASING and team.cycle.history.first().history_user == team.hr
    with django_capture_on_commit_callbacks(execute=True) as emails:
        queued[0]()  # the task runs (eagerly in tests)
    team.cycle.refresh_from_db()
    assert team.cycle.status == CycleStatus.RELEASED and team.cycle.release_number == 1
    assert team.cycle.progress == {"done": 1, "total": 1}
    assert cells(team)[CellLabel.PEER] == (Decimal("4.00"), 3, 3, False)
    assert Release.objects.get().released_by == team.hr
    assert emails and CycleEmail.objects.filter(kind=EmailKind.RESULTS).count() == 1  # the leader is told
    assert [h.status for h in team.cycle.history.all()[:2]] == [CycleStatus.RELEASED, CycleStatus.RELEASING]
    assert tasks.release_cycle(team.cycle.pk, team.hr.pk) == CycleStatus.RELEASED  # a second run does nothing
    assert Release.objects.count() == 1 and not ResultCell.objects.exclude(release_number=1).exists()


def test_start_release_refuses_what_release_cycle_refuses_and_changes_nothing(django_capture_on_commit_callbacks):
    from assessments.release import start_release

    team = team_cycle(peers=3, reports=0)
    rate(team, Group.PEER, [3, 4, 5])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        with pytest.raises(ValidationError, match="results are released once the cycle is closed"):
            start_release(team.cycle, actor=team.hr)
    team.cycle.refresh_from_db()
    assert team.cycle.status == CycleStatus.OPEN and not queued

    release(team)
    late_peers(team, 1)  # a re-release without 3 new answers: refused on the page, before any task
    with django_capture_on_commit_callbacks(execute=False) as queued:
        with pytest.raises(ValidationError) as refused:
            start_release(team.cycle, actor=team.hr)
    assert "1 leader has fewer than 3 new answers" in refused.value.messages[0] and not queued
    team.cycle.refresh_from_db()
    assert team.cycle.status == CycleStatus.RELEASED and team.cycle.release_number == 1

    late_peers(team, 2)
    start_release(team.cycle, actor=team.hr)
    with pytest.raises(ValidationError, match="are being released now"):
        start_release(team.cycle, actor=team.hr)
    with pytest.raises(ValidationError, match="are being released now"):
        release_cycle(team.cycle, actor=team.hr)


def test_a_re_release_by_the_task_updates_the_results_and_nothing_shows_while_it_runs(
        django_capture_on_commit_callbacks):
    from accounts.permissions import can
    from assessments.release import start_release

    team = team_cycle(peers=3, reports=0)
    rate(team, Group.PEER, [3, 4, 5])
    release(team)
    late_peers(team, 3)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        start_release(team.cycle, actor=team.hr)
    participant = Participant.objects.select_related("cycle", "person").get(pk=team.participant.pk)
    assert not can(team.leader.user, "participant.results", participant)
    queued[0]()
    team.cycle.refresh_from_db()
    assert team.cycle.status == CycleStatus.RELEASED and team.cycle.release_number == 2
    assert cells(team)[CellLabel.PEER] == (Decimal("3.00"), 6, 6, False)
    assert Release.objects.get(number=2).answers_added == 3 * 4


@pytest.mark.parametrize("released_before", [False, True])
def test_a_failed_release_stores_nothing_and_gives_the_cycle_back_with_the_reason(
        monkeypatch, released_before, django_capture_on_commit_callbacks):
    from assessments import release as release_module
    from assessments.release import start_release

    team = team_cycle(peers=3, reports=0)
    rate(team, Group.PEER, [3, 4, 5])
    close(team.cycle, team.hr)
    if released_before:
        release_cycle(team.cycle, actor=team.hr)
        late_peers(team, 3)
    before = cells(team)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(release_module, "_release_batch", broken)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        start_release(team.cycle, actor=team.hr)
    queued[0]()
    team.cycle.refresh_from_db()
    assert team.cycle.status == (CycleStatus.RELEASED if released_before else CycleStatus.CLOSED)
    assert team.cycle.release_number == (1 if released_before else 0)
    assert "an unexpected error (RuntimeError) stopped it. Nothing was released" in team.cycle.progress["error"]
    assert cells(team) == before and Release.objects.count() == (1 if released_before else 0)
    assert not CycleEmail.objects.filter(kind=EmailKind.RESULTS).exists()

    monkeypatch.undo()  # tried again, it goes through
    with django_capture_on_commit_callbacks(execute=True):
        start_release(team.cycle, actor=team.hr)
    team.cycle.refresh_from_db()
    assert team.cycle.status == CycleStatus.RELEASED and "error" not in team.cycle.progress


@pytest.mark.usefixtures("postgres")  # batch sizes (and a second connection) as on PostgreSQL, which production runs
@pytest.mark.django_db(transaction=True)
def test_the_progress_is_seen_by_other_connections_while_the_release_runs(monkeypatch):
    """The release is one transaction; its progress is written outside it, as the page polls it."""
    from django.db import connections

    from assessments import release as release_module
    from assessments.release import start_release

    team = team_with_leaders(2)
    close(team.cycle, team.hr)
    monkeypatch.setattr(release_module, "BATCH_SIZE", 1)
    seen = []
    original = release_module._release_batch
    page = connections.create_connection("default")  # as another request would read it

    def watched(*args, **kwargs):
        with page.cursor() as cursor:
            cursor.execute("SELECT status, progress FROM assessments_cycle WHERE id = %s", [team.cycle.pk])
            seen.append(cursor.fetchone())
            cursor.execute("SELECT count(*) FROM assessments_resultcell")
            seen.append(cursor.fetchone()[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(release_module, "_release_batch", watched)
    try:
        start_release(team.cycle, actor=team.hr)  # on_commit runs at once here: the task runs in-process
    finally:
        page.close()
    progress = [row[1] if isinstance(row[1], dict) else __import__("json").loads(row[1]) for row in seen[0::2]]
    assert [row[0] for row in seen[0::2]] == ["releasing"] * 3
    assert progress == [{"done": 0, "total": 3}, {"done": 1, "total": 3}, {"done": 2, "total": 3}]
    assert seen[1::2] == [0, 0, 0]  # nothing is visible before the commit
    team.cycle.refresh_from_db()
    assert team.cycle.status == CycleStatus.RELEASED and team.cycle.progress == {"done": 3, "total": 3}


# --- cost ------------------------------------------------------------------------------------------


def many_leaders(team, extra: int) -> None:
    """Adds `extra` leaders to the team's (draft) cycle, each rated by self, manager and 3 peers."""
    people = [PersonFactory(org_unit=team.leader.org_unit, manager=team.manager, role_profile=team.profile)
              for _ in range(extra)]
    from assessments.services import cycles

    cycles.add_leaders(team.cycle, type(team.leader).objects.filter(pk__in=[p.pk for p in people]), actor=team.hr)


def team_with_leaders(extra: int):
    team = team_cycle(peers=0, reports=0, open_it=False, code=f"size{extra}")
    many_leaders(team, extra)
    open_now(team.cycle, team.hr)
    peers = [PersonFactory(org_unit=team.leader.org_unit) for _ in range(3)]
    for participant in Participant.objects.filter(cycle=team.cycle):
        for peer in peers:
            Questionnaire.objects.create(participant=participant, group=Group.PEER, rater=peer,
                                         status=QuestionnaireStatus.PENDING)
        for questionnaire in participant.questionnaires.all():
            answer(questionnaire, 3, comments={c: "fine" for c in team.competencies()[:1]})
    return team


@pytest.mark.usefixtures("postgres")  # batch sizes (and a second connection) as on PostgreSQL, which production runs
def test_the_release_costs_the_same_queries_for_2_or_12_leaders():
    counts = []
    for extra in (1, 11):
        team = team_with_leaders(extra)
        close(team.cycle, team.hr)
        with CaptureQueriesContext(connection) as queries:
            release_cycle(team.cycle, actor=team.hr)
        counts.append(len(queries))
        assert ResultCell.objects.filter(participant__cycle=team.cycle).count() == (extra + 1) * 4 * 4
        ResultCell.objects.all().delete()
    assert counts[0] == counts[1]


def bulk_rated_cycle(hr, *, leaders: int, areas: int = 4, per_area: int = 10):
    """A closed cycle of `leaders` leaders, each answered by self, a manager, 3 direct reports and 3
    peers (about one in ten answers "not observed", one in five with a comment), written in bulk."""
    import random

    from accounts.models import User
    from assessments.models import Answer, Cycle
    from assessments.services import cycles
    from profiles.models import Person
    from tests.factories import OrgUnitFactory
    from tests.helpers import approved_profile, published_framework

    version = published_framework(hr, code="bulk", areas=areas, per_area=per_area)
    profile = approved_profile(version, hr, code="bulk-leader", levels={c.code: 3 for c in version.competencies.all()})
    unit = OrgUnitFactory()
    users = User.objects.bulk_create([User(email=f"bulk{n}@example.com", first_name="Bulk", last_name=f"Leader {n}")
                                      for n in range(leaders + 7)])
    people = Person.objects.bulk_create([Person(user=u, employee_id=f"B{n:06d}", org_unit=unit, role_profile=profile,
                                                sort_last_name=u.last_name, sort_first_name=u.first_name)
                                         for n, u in enumerate(users)])
    raters, subjects = people[:7], people[7:]
    today = timezone.localdate()
    cycle = cycles.create_cycle(actor=hr, name="Bulk", framework_version=version, opens_on=today,
                                closes_on=today + timezone.timedelta(days=21))
    participants = Participant.objects.bulk_create([
        Participant(cycle=cycle, person=person, role_profile=profile, profile_revision=profile.revision,
                    requirements=profile.approved_requirements, manager=raters[0]) for person in subjects])
    groups = [Group.MANAGER] + [Group.DIRECT] * 3 + [Group.PEER] * 3
    questionnaires = Questionnaire.objects.bulk_create([
        Questionnaire(participant=participant, group=group, rater=rater, status=QuestionnaireStatus.SUBMITTED)
        for participant in participants
        for group, rater in [(Group.SELF, participant.person)] + list(zip(groups, raters, strict=True))])
    rng = random.Random(8)
    competency_ids = list(version.competencies.values_list("pk", flat=True))
    rows = []
    for questionnaire in questionnaires:
        for competency_id in competency_ids:
            level = None if rng.random() < 0.1 else rng.randint(1, 5)
            rows.append(Answer(questionnaire=questionnaire, competency_id=competency_id, level=level,
                               comment="A remark" if rng.random() < 0.2 else ""))
    Answer.objects.bulk_create(rows, batch_size=5000)
    Cycle.objects.filter(pk=cycle.pk).update(status=CycleStatus.CLOSED)
    cycle.refresh_from_db()
    return cycle, len(rows)


def test_a_release_of_300_leaders_rated_by_8_on_40_competencies_takes_seconds(postgres, hr):
    import os

    leaders = int(os.environ.get("RELEASE_BENCH_LEADERS", "300"))
    cycle, answers = bulk_rated_cycle(hr, leaders=leaders)
    started = time.perf_counter()
    done = release_cycle(cycle, actor=hr)
    elapsed = time.perf_counter() - started
    print(f"\nrelease_cycle: {leaders} leaders, {answers} answers, "
          f"{ResultCell.objects.filter(participant__cycle=cycle).count()} cells: {elapsed:.2f} s")
    assert done.leaders == leaders
    assert elapsed < 60 * leaders / 10_000 + 5  # the goal, 60 s for 10,000, pro rata with slack
