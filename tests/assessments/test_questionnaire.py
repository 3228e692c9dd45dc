"""Answering a questionnaire (assessments.services.answering) and its reads (assessments.selectors):
every refusal says why and writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments import selectors
from assessments.models import Answer, Cycle, Group, Questionnaire, QuestionnaireStatus
from assessments.services import answering
from assessments.services.answering import LinkRefused, Refused
from tests.assessments.builders import close, team_cycle
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return team_cycle(peers=1, reports=1, externals=1)


def peer_questionnaire(team) -> Questionnaire:
    return team.questionnaire(Group.PEER)


def answer_all(questionnaire, level=3):
    for competency in questionnaire.participant.requirements:
        answering.save_answer(questionnaire, competency["competency_id"], level, "")


def snapshot(questionnaire) -> tuple:
    """What a refused action must leave as it was: the answers and the questionnaire's state."""
    questionnaire.refresh_from_db()
    answers = sorted(Answer.objects.filter(questionnaire=questionnaire)
                     .values_list("competency_id", "level", "comment"))
    return (answers, questionnaire.status, questionnaire.group, questionnaire.started_at, questionnaire.submitted_at,
            questionnaire.decline_reason, questionnaire.history.count())


def refused_message(error) -> str:
    return " ".join(error.value.messages)


# --- saving answers -------------------------------------------------------------------------------


def test_the_first_answer_starts_the_questionnaire_and_later_ones_update_it(team):
    questionnaire = peer_questionnaire(team)
    first, second = team.competencies()[:2]
    answering.save_answer(questionnaire, first.pk, 4, "  Clear direction  ")
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.STARTED and questionnaire.started_at is not None
    started_at = questionnaire.started_at
    answering.save_answer(questionnaire, first.pk, 2, "Changed my mind")
    answering.save_answer(questionnaire, second.pk, None, "")  # not observed
    answers = dict(Answer.objects.filter(questionnaire=questionnaire).values_list("competency_id", "level"))
    assert answers == {first.pk: 2, second.pk: None}
    assert Answer.objects.get(questionnaire=questionnaire, competency=first).comment == "Changed my mind"
    questionnaire.refresh_from_db()
    assert questionnaire.started_at == started_at
    assert questionnaire.history.first().history_user == team.peers[0].user


def test_a_level_outside_the_scale_is_refused_and_nothing_is_written(team):
    questionnaire = peer_questionnaire(team)
    before = snapshot(questionnaire)
    for level in (0, 6, 99):
        with pytest.raises(ValidationError) as refused:
            answering.save_answer(questionnaire, team.competencies()[0].pk, level, "")
        assert (f"{level} is not a level of the scale: choose one of 1, 2, 3, 4, 5 or “Not observed”."
                in refused_message(refused))
    assert snapshot(questionnaire) == before


def test_a_competency_outside_the_subjects_requirements_is_refused(team):
    questionnaire = peer_questionnaire(team)
    other = team_cycle(code="other", peers=0, reports=0)
    before = snapshot(questionnaire)
    foreign = other.competencies()[0]
    with pytest.raises(ValidationError) as refused:
        answering.save_answer(questionnaire, foreign.pk, 3, "")
    assert f"Competency {foreign.pk} is not one this questionnaire asks about." in refused_message(refused)
    assert snapshot(questionnaire) == before


def test_a_competency_the_profile_does_not_require_is_refused_even_in_the_same_framework(team):
    participant = team.participant
    participant.requirements = participant.requirements[:-1]  # the frozen requirements lack the last one
    participant.save()
    questionnaire = peer_questionnaire(team)
    before = snapshot(questionnaire)
    with pytest.raises(ValidationError):
        answering.save_answer(questionnaire, team.competencies()[-1].pk, 3, "")
    assert snapshot(questionnaire) == before


def test_an_answer_after_the_close_is_refused(team):
    questionnaire = peer_questionnaire(team)
    answering.save_answer(questionnaire, team.competencies()[0].pk, 3, "")
    close(team.cycle, team.hr)
    before = snapshot(questionnaire)
    with pytest.raises(Refused) as refused:
        answering.save_answer(questionnaire, team.competencies()[1].pk, 3, "")
    assert "Cycle leadership is closed: answers are no longer accepted." in refused_message(refused)
    assert snapshot(questionnaire) == before


def test_an_answer_after_the_close_day_is_refused_before_the_nightly_close(team):
    Cycle.objects.filter(pk=team.cycle.pk).update(opens_on=timezone.localdate() - timedelta(days=30),
                                                  closes_on=timezone.localdate() - timedelta(days=1))
    questionnaire = peer_questionnaire(team)
    before = snapshot(questionnaire)
    with pytest.raises(Refused) as refused:
        answering.save_answer(questionnaire, team.competencies()[0].pk, 3, "")
    assert "closed on" in refused_message(refused)
    assert snapshot(questionnaire) == before


def test_a_comment_longer_than_the_limit_is_refused(team):
    questionnaire = peer_questionnaire(team)
    before = snapshot(questionnaire)
    with pytest.raises(ValidationError) as refused:
        answering.save_answer(questionnaire, team.competencies()[0].pk, 3, "x" * 4001)
    assert "A comment holds at most 4000 characters" in refused_message(refused)
    assert snapshot(questionnaire) == before


def test_saving_several_answers_is_all_or_nothing(team):
    questionnaire = peer_questionnaire(team)
    good, bad = team.competencies()[:2]
    before = snapshot(questionnaire)
    with pytest.raises(ValidationError):
        answering.save_answers(questionnaire, {good.pk: answering.AnswerInput(3), bad.pk: answering.AnswerInput(9)})
    assert snapshot(questionnaire) == before


# --- submitting -----------------------------------------------------------------------------------


def test_submission_needs_every_competency_answered_and_names_the_missing_ones(team):
    questionnaire = peer_questionnaire(team)
    competencies = team.competencies()
    answering.save_answer(questionnaire, competencies[0].pk, 3, "")
    answering.save_answer(questionnaire, competencies[1].pk, None, "")
    before = snapshot(questionnaire)
    with pytest.raises(Refused) as refused:
        answering.submit(questionnaire)
    assert (f"2 competencies still need an answer (a level or “Not observed”): "
            f"{competencies[2].code} {competencies[2].name}, {competencies[3].code} {competencies[3].name}."
            ) == refused_message(refused)
    assert snapshot(questionnaire) == before


def test_submission_records_when_and_by_whom(team):
    questionnaire = peer_questionnaire(team)
    answer_all(questionnaire)
    answering.submit(questionnaire)
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.SUBMITTED and questionnaire.submitted_at is not None
    latest = questionnaire.history.first()
    assert latest.status == QuestionnaireStatus.SUBMITTED and latest.history_user == team.peers[0].user


def test_not_observed_counts_as_an_answer_for_submission(team):
    questionnaire = peer_questionnaire(team)
    answer_all(questionnaire, level=None)
    assert answering.submit(questionnaire).status == QuestionnaireStatus.SUBMITTED


def test_a_second_submit_changes_nothing_and_says_it_was_already_submitted(team):
    questionnaire = peer_questionnaire(team)
    answer_all(questionnaire)
    answering.submit(questionnaire)
    before = snapshot(questionnaire)
    with pytest.raises(Refused) as refused:
        answering.submit(Questionnaire.objects.get(pk=questionnaire.pk))
    assert "This questionnaire was already submitted on" in refused_message(refused)
    assert "nothing changed" in refused_message(refused)
    assert snapshot(questionnaire) == before


def test_a_submit_after_the_close_is_refused(team):
    questionnaire = peer_questionnaire(team)
    answer_all(questionnaire)
    close(team.cycle, team.hr)
    before = snapshot(questionnaire)
    with pytest.raises(Refused) as refused:
        answering.submit(questionnaire)
    assert "answers are no longer accepted" in refused_message(refused)
    assert snapshot(questionnaire) == before


def test_the_group_is_fixed_once_submitted_no_path_changes_it(team):
    questionnaire = peer_questionnaire(team)
    answer_all(questionnaire)
    answering.submit(questionnaire)
    before = snapshot(questionnaire)
    competency = team.competencies()[0]
    attempts = [
        lambda: answering.save_answer(questionnaire, competency.pk, 1, "changed"),
        lambda: answering.save_answers(questionnaire, {competency.pk: answering.AnswerInput(None)}),
        lambda: answering.submit(questionnaire),
        lambda: answering.decline(questionnaire, "I would rather not"),
    ]
    for attempt in attempts:
        with pytest.raises(Refused):
            attempt()
    assert snapshot(questionnaire) == before
    assert questionnaire.group == Group.PEER
    assert set(questionnaire.history.values_list("group", flat=True)) == {Group.PEER}


# --- declining ------------------------------------------------------------------------------------


def test_declining_needs_a_reason(team):
    questionnaire = peer_questionnaire(team)
    before = snapshot(questionnaire)
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as refused:
            answering.decline(questionnaire, reason)
        assert "Say why you decline" in refused_message(refused)
    assert snapshot(questionnaire) == before


def test_declining_records_the_reason_and_discards_the_answers_so_far(team):
    questionnaire = peer_questionnaire(team)
    answering.save_answer(questionnaire, team.competencies()[0].pk, 3, "Half-way")
    answering.decline(questionnaire, " We have not worked together this year. ")
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.DECLINED
    assert questionnaire.decline_reason == "We have not worked together this year."
    assert not Answer.objects.filter(questionnaire=questionnaire).exists()
    assert questionnaire.history.first().history_user == team.peers[0].user


def test_a_self_assessment_cannot_be_declined(team):
    questionnaire = team.questionnaire(Group.SELF)
    before = snapshot(questionnaire)
    with pytest.raises(Refused) as refused:
        answering.decline(questionnaire, "Busy")
    assert refused_message(refused) == "A self-assessment cannot be declined."
    assert snapshot(questionnaire) == before


def test_declining_after_the_close_or_after_submitting_is_refused(team):
    submitted = peer_questionnaire(team)
    answer_all(submitted)
    answering.submit(submitted)
    before = snapshot(submitted)
    with pytest.raises(Refused):
        answering.decline(submitted, "Too late")
    assert snapshot(submitted) == before
    manager = team.questionnaire(Group.MANAGER)
    close(team.cycle, team.hr)
    before = snapshot(manager)
    with pytest.raises(Refused):
        answering.decline(manager, "Too late")
    assert snapshot(manager) == before


# --- personal links -------------------------------------------------------------------------------


def external_with_token(team) -> tuple[Questionnaire, str]:
    questionnaire = team.externals[0]
    token = questionnaire.new_token()
    questionnaire.save()
    return questionnaire, token


def test_a_link_opens_its_questionnaire_and_only_the_hash_is_stored(team):
    questionnaire, token = external_with_token(team)
    assert answering.questionnaire_for_token(token) == questionnaire
    assert token not in str(Questionnaire.objects.filter(pk=questionnaire.pk).values().get())


@pytest.mark.parametrize("tampered", ["", "x", "a" * 43, "a" * 500])
def test_a_tampered_link_is_not_found(team, tampered):
    questionnaire, token = external_with_token(team)
    with pytest.raises(Http404):
        answering.questionnaire_for_token(tampered)
    with pytest.raises(Http404):
        answering.questionnaire_for_token(token[:-1] + ("A" if token[-1] != "A" else "B"))


def test_the_token_hash_itself_does_not_open_the_questionnaire(team):
    questionnaire, _ = external_with_token(team)
    with pytest.raises(Http404):
        answering.questionnaire_for_token(questionnaire.token_hash)


def test_a_used_link_no_longer_opens_the_questionnaire(team):
    questionnaire, token = external_with_token(team)
    answer_all(questionnaire)
    answering.submit(questionnaire)
    with pytest.raises(LinkRefused) as refused:
        answering.questionnaire_for_token(token)
    assert refused.value.kind == "used"
    assert "These answers were submitted on" in refused_message(refused)


def test_a_declined_link_no_longer_opens_the_questionnaire(team):
    questionnaire, token = external_with_token(team)
    answering.decline(questionnaire, "I do not know them")
    with pytest.raises(LinkRefused) as refused:
        answering.questionnaire_for_token(token)
    assert refused.value.kind == "used"


def test_a_link_expires_at_the_close(team):
    questionnaire, token = external_with_token(team)
    close(team.cycle, team.hr)
    with pytest.raises(LinkRefused) as refused:
        answering.questionnaire_for_token(token)
    assert refused.value.kind == "expired"
    assert "answers are no longer accepted" in refused_message(refused)


def test_a_nomination_not_yet_approved_has_no_working_link(team):
    questionnaire, token = external_with_token(team)
    Questionnaire.objects.filter(pk=questionnaire.pk).update(status=QuestionnaireStatus.NOMINATED)
    with pytest.raises(Http404):
        answering.questionnaire_for_token(token)


def test_an_external_submission_is_recorded_with_no_user(team):
    questionnaire, token = external_with_token(team)
    answer_all(questionnaire)
    answering.submit(answering.questionnaire_for_token(token))
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.SUBMITTED
    assert questionnaire.history.first().history_user is None


# --- reads ----------------------------------------------------------------------------------------


def test_my_questionnaires_are_grouped_with_subject_cycle_and_progress(team):
    rater = team.peers[0]
    peer = peer_questionnaire(team)
    answering.save_answer(peer, team.competencies()[0].pk, 3, "")
    other = team_cycle(code="other", peers=0, reports=0)
    submitted = Questionnaire.objects.create(participant=other.participant, group=Group.PEER, rater=rater)
    answer_all(submitted)
    answering.submit(submitted)
    third = team_cycle(code="third", peers=0, reports=0)
    declined = Questionnaire.objects.create(participant=third.participant, group=Group.PEER, rater=rater)
    answering.decline(declined, "Do not know her")
    Questionnaire.objects.create(participant=third.participant, group=Group.EXTERNAL, external_email="x@example.com",
                                 status=QuestionnaireStatus.NOMINATED)
    mine = selectors.my_questionnaires(rater)
    assert [(r.questionnaire, r.subject_name, r.cycle, r.answered, r.total, r.left) for r in mine.pending] == [
        (peer, "Lena Leader", team.cycle, 1, 4, 3)]
    assert [r.questionnaire for r in mine.submitted] == [submitted]
    assert mine.submitted[0].answered == mine.submitted[0].total == 4
    assert [r.questionnaire for r in mine.declined] == [declined]
    assert mine.pending[0].closes_on == team.cycle.closes_on
    assert selectors.pending_count(rater) == 1
    assert selectors.my_questionnaires(None).empty and selectors.pending_count(None) == 0


def test_unanswered_questionnaires_of_a_closed_cycle_are_listed_apart_and_not_counted_as_pending(team):
    rater = team.peers[0]
    close(team.cycle, team.hr)
    mine = selectors.my_questionnaires(rater)
    assert not mine.pending and [r.questionnaire for r in mine.closed] == [peer_questionnaire(team)]
    assert selectors.pending_count(rater) == 0


def test_nominations_awaiting_approval_are_not_the_raters_yet(team):
    person = PersonFactory()
    Questionnaire.objects.create(participant=team.participant, group=Group.PEER, rater=person,
                                 status=QuestionnaireStatus.NOMINATED)
    assert selectors.my_questionnaires(person).empty
    assert selectors.pending_count(person) == 0


def test_the_questionnaire_page_lists_the_required_competencies_by_area_with_levels_and_indicators(team):
    questionnaire = selectors.rater_questionnaires().get(pk=peer_questionnaire(team).pk)
    first = team.competencies()[0]
    answering.save_answer(questionnaire, first.pk, None, "Not seen")
    page = selectors.questionnaire_page(questionnaire)
    assert [area.name for area in page.areas] == ["Area 0", "Area 1"]
    assert [item.code for item in page.items] == [c.code for c in team.competencies()]
    item = page.items[0]
    assert [(level.value, level.name) for level in item.levels] == [
        (1, "Awareness"), (2, "Basic"), (3, "Proficient"), (4, "Advanced"), (5, "Expert")]
    assert item.levels[2].indicators == ["Shows 0.0 at level 3"]
    assert item.levels[2].description.startswith("Applies it independently")
    assert item.answer.level is None and item.answer.comment == "Not seen"
    assert (page.total, page.answered, page.left, page.editable, page.subject_name) == (4, 1, 3, True, "Lena Leader")


def test_the_questionnaire_page_shows_only_the_raters_own_answers(team):
    mine = peer_questionnaire(team)
    theirs = team.questionnaire(Group.MANAGER)
    answering.save_answer(theirs, team.competencies()[0].pk, 5, "The manager's view")
    page = selectors.questionnaire_page(selectors.rater_questionnaires().get(pk=mine.pk))
    assert all(item.answer is None for item in page.items)


@pytest.mark.parametrize("per_area", [2, 20])
def test_the_questionnaire_page_reads_cost_the_same_for_4_or_40_competencies(per_area):
    team = team_cycle(peers=1, reports=0, areas=2, per_area=per_area)
    questionnaire = selectors.rater_questionnaires().get(pk=team.questionnaire(Group.PEER).pk)
    for competency in team.competencies()[:3]:
        answering.save_answer(questionnaire, competency.pk, 2, "")
    with CaptureQueriesContext(connection) as queries:
        page = selectors.questionnaire_page(questionnaire)
    assert page.total == 2 * per_area
    # competencies with their areas, the scale's levels, the indicators, the rater's answers
    assert len(queries) == 4


@pytest.mark.parametrize("count", [2, 20])
def test_my_questionnaires_costs_one_query_for_2_or_20(count):
    team = team_cycle(peers=1, reports=0)
    rater = team.peers[0]
    for n in range(count - 1):
        other = team_cycle(code=f"other{n}", peers=0, reports=0)
        Questionnaire.objects.create(participant=other.participant, group=Group.PEER, rater=rater)
    with CaptureQueriesContext(connection) as queries:
        mine = selectors.my_questionnaires(rater)
    assert len(mine.pending) == count
    assert len(queries) == 1


@pytest.mark.django_db(transaction=True)
def test_two_submits_at_the_same_moment_submit_once(postgres):
    """The row lock: of two submits racing each other, one submits and the other is told it already was."""
    import threading

    from django.db import connections

    team = team_cycle(peers=1, reports=0)
    questionnaire = peer_questionnaire(team)
    answer_all(questionnaire)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit_once():
        try:
            barrier.wait()
            answering.submit(Questionnaire.objects.get(pk=questionnaire.pk))
            outcomes.append("submitted")
        except Refused as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[1] == "submitted"
    assert sorted(outcomes)[0].startswith("This questionnaire was already submitted on")
    assert questionnaire.history.filter(status=QuestionnaireStatus.SUBMITTED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_first_answers_at_the_same_moment_both_count_and_start_it_once(postgres):
    """The row lock: two answers racing on an unstarted questionnaire are both saved, it is started once,
    and the later one counts the earlier one in its "n left"."""
    import threading

    from django.db import connections

    team = team_cycle(peers=1, reports=0)
    questionnaire = peer_questionnaire(team)
    competencies = team.competencies()[:2]
    barrier = threading.Barrier(2)
    answered: list[int] = []

    def answer_once(competency):
        try:
            barrier.wait()
            fetched = selectors.questionnaire_to_answer().get(pk=questionnaire.pk)
            answered.append(answering.answer_one(fetched, competency.pk, 3, "").answered)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=answer_once, args=(competency,)) for competency in competencies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answered) == [1, 2]
    assert Answer.objects.filter(questionnaire=questionnaire).count() == 2
    assert questionnaire.history.filter(status=QuestionnaireStatus.STARTED).count() == 1
