"""The demo's 360° cycles (seed_demo) and the benchmark's ratings (seed_demo --with-ratings)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from assessments.models import (
    Answer,
    CellLabel,
    Cycle,
    CycleStatus,
    Group,
    Participant,
    Questionnaire,
    QuestionnaireStatus,
    ResultCell,
    ResultComment,
)
from core.history import history_mismatches, tracked_models
from demo.seed import DEMO_DOMAIN, seed_demo_organisation
from demo.seed_assessments import OPEN_CYCLE, RELEASED_CYCLE
from demo.seed_ratings import RATED_CYCLE
from profiles.models import Person
from tests.helpers import visible_text

pytestmark = pytest.mark.django_db


def person(local: str) -> Person:
    return Person.objects.select_related("user").get(user__email=f"{local}@{DEMO_DOMAIN}")


def _user(local: str) -> User:
    return User.objects.get(email=f"{local}@{DEMO_DOMAIN}")


def _peers():
    return Count("questionnaires", filter=Q(questionnaires__group=Group.PEER))


def test_the_demo_has_a_released_cycle_in_the_past_with_shown_cells_and_one_suppressed_pool(client):
    report = seed_demo_organisation(leaders=30)
    assert report.cycles == [f"Cycle created: {RELEASED_CYCLE}", f"Cycle created: {OPEN_CYCLE}"]
    assert history_mismatches() == []

    cycle = Cycle.objects.get(name=RELEASED_CYCLE)
    today = timezone.localdate()
    assert cycle.status == CycleStatus.RELEASED and cycle.release_number == 1
    assert cycle.opens_on < cycle.closes_on < cycle.closed_at.date() <= cycle.released_at.date() < today
    participants = Participant.objects.filter(cycle=cycle)
    assert participants.count() == 30
    assert set(participants.annotate(n=_peers()).values_list("n", flat=True)) == {4, 5, 6}
    # Every leader has shown figures, self and "all others" among them.
    shown = ResultCell.objects.filter(participant__cycle=cycle, suppressed=False)
    assert set(shown.values_list("participant", flat=True).distinct()) == set(participants.values_list("pk", flat=True))
    assert {CellLabel.SELF, CellLabel.MANAGER, CellLabel.PEER, CellLabel.DIRECT, CellLabel.OTHERS} <= set(
        shown.values_list("label", flat=True))
    assert ResultComment.objects.filter(participant__cycle=cycle).count() > 30

    # Aisha Chen: two peers answered and nobody else, so her pool is suppressed, and hers alone.
    aisha = participants.get(person=person("aisha.chen"))
    suppressed = ResultCell.objects.filter(participant__cycle=cycle, suppressed=True)
    assert set(suppressed.values_list("participant", flat=True)) == {aisha.pk}
    assert set(suppressed.values_list("label", "count", "mean")) == {(CellLabel.OTHER, 2, None)}
    assert not ResultComment.objects.filter(participant=aisha).exclude(label=CellLabel.MANAGER).exists()
    # Liam Brennan: his two peers are pooled with his direct reports as "other colleagues".
    liam = participants.get(person=person("liam.brennan"))
    assert set(ResultCell.objects.filter(participant=liam).values_list("label", flat=True)) == {
        CellLabel.SELF, CellLabel.MANAGER, CellLabel.OTHER, CellLabel.OTHERS}

    client.force_login(_user("hr"))
    page = visible_text(client.get(reverse("assessments:participant_results", args=[aisha.pk])))
    assert "2 responses — too few to show" in page


def test_the_open_cycle_has_questionnaires_to_answer_for_the_demo_logins(client):
    seed_demo_organisation(leaders=30)
    cycle = Cycle.objects.get(name=OPEN_CYCLE)
    today = timezone.localdate()
    assert cycle.status == CycleStatus.OPEN and cycle.opens_on == today and (cycle.closes_on - today).days == 21
    statuses = set(Questionnaire.objects.filter(participant__cycle=cycle).values_list("status", flat=True))
    assert {QuestionnaireStatus.PENDING, QuestionnaireStatus.STARTED, QuestionnaireStatus.SUBMITTED,
            QuestionnaireStatus.DECLINED, QuestionnaireStatus.NOMINATED} <= statuses
    for local in ("maria.jensen", "hugo.novak"):
        waiting = Questionnaire.objects.filter(participant__cycle=cycle, rater=person(local),
                                               status__in=[QuestionnaireStatus.PENDING, QuestionnaireStatus.STARTED])
        assert waiting.count() >= 4, local
        assert waiting.filter(status=QuestionnaireStatus.STARTED).count() == 1, local
    # A started questionnaire holds some answers, not all.
    started = Questionnaire.objects.filter(participant__cycle=cycle, status=QuestionnaireStatus.STARTED).first()
    assert 0 < Answer.objects.filter(questionnaire=started).count() < len(started.participant.requirements)
    # Liam Brennan's nominations wait for his manager, Maria Jensen; Zofia Ortega has nominated nobody.
    liam = Participant.objects.get(cycle=cycle, person=person("liam.brennan"))
    assert liam.manager == person("maria.jensen") and liam.nominations_submitted_at is not None
    assert liam.questionnaires.filter(status=QuestionnaireStatus.NOMINATED).count() == 4
    assert not Questionnaire.objects.filter(participant__cycle=cycle, participant__person=person("zofia.ortega"),
                                            group=Group.PEER).exists()

    client.force_login(_user("maria.jensen"))
    page = visible_text(client.get(reverse("assessments:my_questionnaires")))
    assert "questionnaires to answer" in page and OPEN_CYCLE in page


def _history_rows() -> dict[str, int]:
    return {model._meta.label: model.history.count() for model in tracked_models()}


def _counts() -> tuple:
    return (_history_rows(), Questionnaire.objects.count(), Answer.objects.count(), ResultCell.objects.count(),
            list(Answer.objects.order_by("pk").values_list("pk", "level", "updated_at")))


def test_a_second_run_changes_nothing_and_writes_no_history():
    seed_demo_organisation(leaders=30)
    before = _counts()
    report = seed_demo_organisation(leaders=30)
    assert report.cycles == [f"Cycle kept as it was: {RELEASED_CYCLE}", f"Cycle kept as it was: {OPEN_CYCLE}"]
    assert _counts() == before


def test_too_few_leaders_for_the_demo_cycles_makes_none():
    report = seed_demo_organisation(leaders=8)
    assert not Cycle.objects.exists()
    assert report.cycles == ["Cycle kept as it was: both (they need the 30 demo leaders with role profiles)"]


def test_with_ratings_builds_a_closed_cycle_rated_by_about_eight_people_per_leader(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo", "--leaders", "60", "--with-ratings", "--quiet-logins")
    assert f"Rated cycle created: {RATED_CYCLE}, 60 leaders" in capsys.readouterr().out
    cycle = Cycle.objects.get(name=RATED_CYCLE)
    assert cycle.status == CycleStatus.CLOSED and cycle.closes_on < timezone.localdate()
    assert cycle.framework_version.competencies.count() == 40
    participants = Participant.objects.filter(cycle=cycle)
    assert participants.count() == 60
    assert {len(p.requirements) for p in participants} == {40}
    questionnaires = Questionnaire.objects.filter(participant__cycle=cycle)
    assert 7.5 <= questionnaires.count() / 60 <= 9
    per_leader = participants.annotate(n=Count("questionnaires")).values_list("n", flat=True)
    assert min(per_leader) >= 6
    assert {Group.SELF, Group.MANAGER, Group.DIRECT, Group.PEER} == set(questionnaires.values_list("group", flat=True))
    submitted = questionnaires.filter(status=QuestionnaireStatus.SUBMITTED)
    assert 0.9 < submitted.count() / questionnaires.count() < 1
    assert Answer.objects.filter(questionnaire__participant__cycle=cycle).count() == submitted.count() * 40
    answers = Answer.objects.filter(questionnaire__participant__cycle=cycle)
    assert not answers.exclude(questionnaire__in=submitted).exists()
    assert history_mismatches() == []
    if connection.vendor == "postgresql":  # the answers' foreign keys, dropped for the load, are back
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_constraint WHERE conrelid = 'assessments_answer'::regclass "
                           "AND contype = 'f'")
            assert cursor.fetchone()[0] == 2

    # Again: nothing new.
    answers = Answer.objects.count()
    history = _history_rows()
    call_command("seed_demo", "--leaders", "60", "--with-ratings", "--quiet-logins")
    assert "Rated cycle kept as it was" in capsys.readouterr().out
    assert (Answer.objects.count(), _history_rows()) == (answers, history)

    # The bench releases it.
    from assessments.release import release_cycle

    release_cycle(cycle, actor=cycle.created_by)
    assert ResultCell.objects.filter(participant__cycle=cycle, suppressed=False).count() > 60 * 40
