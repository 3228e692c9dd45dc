"""The questionnaire pages: "My questionnaires", answering (htmx and plain posts), submitting, declining,
and the personal links of external raters. Each refusal: its message, its status, nothing changed."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Answer, Group, Questionnaire, QuestionnaireStatus
from assessments.services import answering
from tests.assessments.builders import close, team_cycle
from tests.factories import UserFactory
from tests.helpers import text, visible_text

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def team():
    return team_cycle(peers=2, reports=1, externals=1)


def url(name: str, *args) -> str:
    return reverse(f"assessments:{name}", args=args)


def signed_in(client, person):
    client.force_login(person.user)
    return client


def state(questionnaire) -> tuple:
    questionnaire.refresh_from_db()
    answers = sorted(Answer.objects.filter(questionnaire=questionnaire)
                     .values_list("competency_id", "level", "comment"))
    return answers, questionnaire.status, questionnaire.group, questionnaire.submitted_at, questionnaire.history.count()


def messages_of(response) -> list[str]:
    """The messages this request added (those of earlier requests not yet shown are left out)."""
    return [str(m) for m in response.wsgi_request._messages._queued_messages]


def answer_all(questionnaire, level=3):
    for row in questionnaire.participant.requirements:
        answering.save_answer(questionnaire, row["competency_id"], level, "")


def link_token(team) -> tuple[Questionnaire, str]:
    questionnaire = team.externals[0]
    token = questionnaire.new_token()
    questionnaire.save()
    return questionnaire, token


# --- the page -------------------------------------------------------------------------------------


def test_the_page_names_the_subject_and_lists_competencies_levels_and_indicators(client, team):
    questionnaire = team.questionnaire(Group.PEER)
    response = signed_in(client, team.peers[0]).get(url("questionnaire", questionnaire.pk))
    assert response.status_code == 200
    page = visible_text(response)
    assert "Your view of Lena Leader" in page and "as a peer" in page
    assert "Area 0" in page and "Area 1" in page
    for competency in team.competencies():
        assert competency.name in page
    assert "3 · Proficient" in page and "Applies it independently" in page and "Shows 0.0 at level 3" in page
    assert page.count("Not observed") >= 4
    assert "4 left · 0 of 4 answered" in page
    html = text(response)
    assert html.count("<fieldset") == 4 and html.count("<legend") == 4
    assert 'src="/static/django_htmx/htmx-2.min.js"' in html
    assert "never with your name" in page


def test_a_self_assessment_says_so(client, team):
    questionnaire = team.questionnaire(Group.SELF)
    page = visible_text(signed_in(client, team.leader).get(url("questionnaire", questionnaire.pk)))
    assert "Your self-assessment" in page and "Your view of" not in page
    assert "I cannot give a view" not in page  # a self-assessment cannot be declined


@pytest.mark.parametrize("who", ["other_peer", "leader", "hr", "auditor"])
def test_another_raters_questionnaire_is_not_found(client, team, who):
    questionnaire = team.questionnaire(Group.PEER, 0)
    user = {"other_peer": team.peers[1].user, "leader": team.leader.user, "hr": team.hr,
            "auditor": UserFactory(auditor=True)}[who]
    client.force_login(user)
    before = state(questionnaire)
    assert client.get(url("questionnaire", questionnaire.pk)).status_code == 404
    competency = team.competencies()[0]
    if who != "auditor":  # auditors are refused every write before any view (403)
        data = {f"c{competency.pk}-level": "3"}
        answer_url = url("questionnaire_answer", questionnaire.pk, competency.pk)
        assert client.post(answer_url, data, **HTMX).status_code == 404
        assert client.post(url("questionnaire", questionnaire.pk), data).status_code == 404
        assert client.post(url("questionnaire_submit", questionnaire.pk)).status_code == 404
        assert client.post(url("questionnaire_decline", questionnaire.pk), {"reason": "x"}).status_code == 404
    assert state(questionnaire) == before


def test_a_nomination_awaiting_approval_cannot_be_opened_by_the_nominee(client, team):
    questionnaire = team.questionnaire(Group.PEER)
    Questionnaire.objects.filter(pk=questionnaire.pk).update(status=QuestionnaireStatus.NOMINATED)
    assert signed_in(client, team.peers[0]).get(url("questionnaire", questionnaire.pk)).status_code == 404


# --- answering with htmx ----------------------------------------------------------------------------


def test_an_answer_saves_as_it_is_given_and_the_fragment_says_how_many_are_left(client, team):
    questionnaire = team.questionnaire(Group.PEER)
    competency = team.competencies()[0]
    response = signed_in(client, team.peers[0]).post(
        url("questionnaire_answer", questionnaire.pk, competency.pk),
        {f"c{competency.pk}-level": "4", f"c{competency.pk}-comment": "Sets a clear direction"}, **HTMX)
    assert response.status_code == 200
    fragment = visible_text(response)
    assert "Saved · 3 left" in fragment and "3 left · 1 of 4 answered" in fragment
    assert 'id="answers-left"' in text(response) and 'hx-swap-oob="true"' in text(response)
    assert "<html" not in text(response)
    answer = Answer.objects.get(questionnaire=questionnaire, competency=competency)
    assert (answer.level, answer.comment) == (4, "Sets a clear direction")
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.STARTED
    page = client.get(url("questionnaire", questionnaire.pk))  # reopening resumes
    assert re.search(rf'id="c-{competency.pk}-l4" value="4" checked', text(page))
    assert "Sets a clear direction</textarea>" in text(page)
    assert "3 left · 1 of 4 answered" in visible_text(page)


def test_not_observed_is_an_answer(client, team):
    questionnaire = team.questionnaire(Group.PEER)
    competency = team.competencies()[0]
    response = signed_in(client, team.peers[0]).post(
        url("questionnaire_answer", questionnaire.pk, competency.pk), {f"c{competency.pk}-level": "none"}, **HTMX)
    assert response.status_code == 200
    assert Answer.objects.get(questionnaire=questionnaire, competency=competency).level is None
    page = text(client.get(url("questionnaire", questionnaire.pk)))
    assert f'id="c-{competency.pk}-none" value="none" checked' in page


@pytest.mark.parametrize("level", ["0", "6", "three", "3.5", ""])
def test_an_invalid_level_is_refused_with_400_and_nothing_is_written(client, team, level):
    questionnaire = team.questionnaire(Group.PEER)
    competency = team.competencies()[0]
    before = state(questionnaire)
    response = signed_in(client, team.peers[0]).post(
        url("questionnaire_answer", questionnaire.pk, competency.pk), {f"c{competency.pk}-level": level}, **HTMX)
    assert response.status_code == 400
    message = visible_text(response)
    if level.isdigit():
        assert (f"Not saved: {level} is not a level of the scale: choose one of 1, 2, 3, 4, 5 or “Not observed”."
                in message)
    elif level:
        assert f"Not saved: {level} is not a level of the scale: choose one of its levels or “Not observed”." in message
    else:
        assert "Not saved: Choose a level or “Not observed” to save an answer." in message
    assert state(questionnaire) == before


def test_a_comment_without_a_level_is_not_saved_as_not_observed(client, team):
    questionnaire = team.questionnaire(Group.PEER)
    competency = team.competencies()[0]
    before = state(questionnaire)
    response = signed_in(client, team.peers[0]).post(
        url("questionnaire_answer", questionnaire.pk, competency.pk), {f"c{competency.pk}-comment": "Hm"}, **HTMX)
    assert response.status_code == 400
    assert "Choose a level or “Not observed”: the comment is saved with it." in visible_text(response)
    assert state(questionnaire) == before


def test_a_forged_competency_id_is_refused(client, team):
    questionnaire = team.questionnaire(Group.PEER)
    other = team_cycle(code="other", peers=0, reports=0)
    forged = other.competencies()[0]
    before = state(questionnaire)
    client = signed_in(client, team.peers[0])
    response = client.post(url("questionnaire_answer", questionnaire.pk, forged.pk), {f"c{forged.pk}-level": "3"},
                           **HTMX)
    assert response.status_code == 400
    assert "That competency is not one this questionnaire asks about." in visible_text(response)
    response = client.post(url("questionnaire_answer", questionnaire.pk, 987654), {"c987654-level": "3"})
    assert response.status_code == 400
    assert "That competency is not one this questionnaire asks about." in visible_text(response)
    assert state(questionnaire) == before


def test_an_answer_after_the_close_is_refused_with_a_message(client, team):
    questionnaire = team.questionnaire(Group.PEER)
    competency = team.competencies()[0]
    close(team.cycle, team.hr)
    before = state(questionnaire)
    client = signed_in(client, team.peers[0])
    data = {f"c{competency.pk}-level": "3"}
    response = client.post(url("questionnaire_answer", questionnaire.pk, competency.pk), data, **HTMX)
    assert response.status_code == 409
    assert "Not saved: Cycle leadership is closed: answers are no longer accepted." in visible_text(response)
    response = client.post(url("questionnaire_answer", questionnaire.pk, competency.pk), data)
    assert response.status_code == 302 and response.url == url("questionnaire", questionnaire.pk)
    assert messages_of(response) == ["Cycle leadership is closed: answers are no longer accepted."]
    response = client.post(url("questionnaire", questionnaire.pk), data)
    assert response.status_code == 302
    assert messages_of(response) == ["Cycle leadership is closed: answers are no longer accepted."]
    assert state(questionnaire) == before
    page = client.get(url("questionnaire", questionnaire.pk))
    assert "Cycle leadership is closed: answers are no longer accepted." in visible_text(page)
    assert "<fieldset" in text(page) and "hx-post" not in text(page) and 'data-testid="submit"' not in text(page)


# --- answering without JavaScript ---------------------------------------------------------------------


def test_without_javascript_a_save_button_saves_every_answer_on_the_page(client, team):
    questionnaire = team.questionnaire(Group.PEER)
    first, second, third, _ = team.competencies()
    response = signed_in(client, team.peers[0]).post(url("questionnaire", questionnaire.pk), {
        f"c{first.pk}-level": "2", f"c{first.pk}-comment": "Good start",
        f"c{second.pk}-level": "none", f"c{third.pk}-comment": "", "save": str(second.pk),
    })
    assert response.status_code == 302
    assert response.url == url("questionnaire", questionnaire.pk) + f"#c-{second.pk}"
    assert messages_of(response) == ["Answers saved: 2 of 4 left."]
    assert dict(Answer.objects.filter(questionnaire=questionnaire).values_list("competency_id", "level")) == {
        first.pk: 2, second.pk: None}


def test_without_javascript_one_bad_answer_saves_none_of_the_page(client, team):
    questionnaire = team.questionnaire(Group.PEER)
    first, second, *_ = team.competencies()
    before = state(questionnaire)
    response = signed_in(client, team.peers[0]).post(url("questionnaire", questionnaire.pk), {
        f"c{first.pk}-level": "2", f"c{second.pk}-level": "7", f"c{second.pk}-comment": "Kept on the page"})
    assert response.status_code == 400
    page = visible_text(response)
    assert "Some answers could not be saved" in page
    assert "7 is not a level of the scale" in page
    assert "Kept on the page" in text(response)
    assert state(questionnaire) == before


def test_without_javascript_one_answer_can_be_posted_on_its_own(client, team):
    questionnaire = team.questionnaire(Group.PEER)
    competency = team.competencies()[1]
    response = signed_in(client, team.peers[0]).post(
        url("questionnaire_answer", questionnaire.pk, competency.pk), {f"c{competency.pk}-level": "5"})
    assert response.status_code == 302
    assert response.url == url("questionnaire", questionnaire.pk) + f"#c-{competency.pk}"
    assert Answer.objects.get(questionnaire=questionnaire).level == 5
    response = client.post(url("questionnaire_answer", questionnaire.pk, competency.pk),
                           {f"c{competency.pk}-level": "8"})
    assert response.status_code == 400
    assert "8 is not a level of the scale" in visible_text(response)
    assert Answer.objects.get(questionnaire=questionnaire).level == 5


# --- submitting -----------------------------------------------------------------------------------


def test_submitting_an_incomplete_questionnaire_says_what_is_missing(client, team):
    questionnaire = team.questionnaire(Group.PEER)
    answering.save_answer(questionnaire, team.competencies()[0].pk, 3, "")
    before = state(questionnaire)
    response = signed_in(client, team.peers[0]).post(url("questionnaire_submit", questionnaire.pk))
    assert response.status_code == 302 and response.url == url("questionnaire", questionnaire.pk)
    [message] = messages_of(response)
    assert message.startswith("3 competencies still need an answer (a level or “Not observed”): A0-01 Competency 0.1")
    assert state(questionnaire) == before


def test_submitting_makes_the_page_read_only_and_a_second_submit_changes_nothing(client, team):
    questionnaire = team.questionnaire(Group.PEER)
    answer_all(questionnaire)
    client = signed_in(client, team.peers[0])
    response = client.post(url("questionnaire_submit", questionnaire.pk))
    assert response.status_code == 302 and response.url == url("my_questionnaires")
    assert messages_of(response) == ["Thank you: your answers about Lena Leader are submitted."]
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.SUBMITTED
    before = state(questionnaire)
    again = client.post(url("questionnaire_submit", questionnaire.pk))
    assert again.status_code == 302
    [message] = messages_of(again)
    assert message.startswith("This questionnaire was already submitted on") and message.endswith("nothing changed.")
    assert state(questionnaire) == before
    page = client.get(url("questionnaire", questionnaire.pk))
    html = text(page)
    assert "Submitted on" in visible_text(page) and "can no longer change" in visible_text(page)
    assert "hx-post" not in html and 'data-testid="submit"' not in html and "htmx-2" not in html
    assert html.count("<fieldset") == 4 and html.count("disabled>") >= 4
    competency = team.competencies()[0]
    data = {f"c{competency.pk}-level": "1"}
    assert client.post(url("questionnaire_answer", questionnaire.pk, competency.pk), data, **HTMX).status_code == 409
    assert client.post(url("questionnaire", questionnaire.pk), data).status_code == 302
    empty_save = client.post(url("questionnaire", questionnaire.pk), {"save": ""})
    assert empty_save.status_code == 302
    assert messages_of(empty_save)[0].endswith("its answers can no longer change.")
    assert client.post(url("questionnaire_submit", questionnaire.pk), data).status_code == 302
    assert client.post(url("questionnaire_decline", questionnaire.pk), {"reason": "Changed my mind"}).status_code == 302
    assert state(questionnaire) == before


def test_without_javascript_submit_saves_the_page_first(client, team):
    questionnaire = team.questionnaire(Group.PEER)
    data = {f"c{c.pk}-level": "4" for c in team.competencies()}
    response = signed_in(client, team.peers[0]).post(url("questionnaire_submit", questionnaire.pk), data)
    assert response.status_code == 302 and response.url == url("my_questionnaires")
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.SUBMITTED
    assert list(Answer.objects.filter(questionnaire=questionnaire).values_list("level", flat=True)) == [4] * 4


def test_a_self_assessment_submits_with_its_own_thanks(client, team):
    questionnaire = team.questionnaire(Group.SELF)
    answer_all(questionnaire)
    response = signed_in(client, team.leader).post(url("questionnaire_submit", questionnaire.pk))
    assert messages_of(response) == ["Thank you: your self-assessment is submitted."]


def test_a_submit_after_the_close_is_refused(client, team):
    questionnaire = team.questionnaire(Group.PEER)
    answer_all(questionnaire)
    close(team.cycle, team.hr)
    before = state(questionnaire)
    response = signed_in(client, team.peers[0]).post(url("questionnaire_submit", questionnaire.pk))
    assert response.status_code == 302
    assert messages_of(response) == ["Cycle leadership is closed: answers are no longer accepted."]
    assert state(questionnaire) == before


# --- declining ------------------------------------------------------------------------------------


def test_declining_needs_a_reason(client, team):
    questionnaire = team.questionnaire(Group.PEER)
    before = state(questionnaire)
    response = signed_in(client, team.peers[0]).post(url("questionnaire_decline", questionnaire.pk), {"reason": "  "})
    assert response.status_code == 400
    assert "Say why you decline" in visible_text(response)
    assert state(questionnaire) == before


def test_declining_with_a_reason(client, team):
    questionnaire = team.questionnaire(Group.PEER)
    response = signed_in(client, team.peers[0]).post(url("questionnaire_decline", questionnaire.pk),
                                                      {"reason": "We never worked together"})
    assert response.status_code == 302 and response.url == url("my_questionnaires")
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.DECLINED
    assert questionnaire.decline_reason == "We never worked together"
    listing = visible_text(client.get(url("my_questionnaires")))
    assert "Declined" in listing


def test_a_self_assessment_cannot_be_declined(client, team):
    questionnaire = team.questionnaire(Group.SELF)
    before = state(questionnaire)
    response = signed_in(client, team.leader).post(url("questionnaire_decline", questionnaire.pk), {"reason": "No"})
    assert response.status_code == 302
    assert messages_of(response) == ["A self-assessment cannot be declined."]
    assert state(questionnaire) == before


# --- My questionnaires ----------------------------------------------------------------------------


def test_my_questionnaires_lists_pending_submitted_and_declined(client, team):
    rater = team.peers[0]
    answering.save_answer(team.questionnaire(Group.PEER), team.competencies()[0].pk, 3, "")
    other = team_cycle(code="other", peers=0, reports=0)
    done = Questionnaire.objects.create(participant=other.participant, group=Group.PEER, rater=rater)
    answer_all(done)
    answering.submit(done)
    response = signed_in(client, rater).get(url("my_questionnaires"))
    assert response.status_code == 200
    page = visible_text(response)
    assert "1 questionnaire to answer." in page
    pending = page.split("To answer", 1)[1].split("Submitted", 1)[0]
    assert "Lena Leader" in pending and "Cycle leadership" in pending and "1 of 4 answered" in pending
    assert f"closes {team.cycle.closes_on:%-d %b %Y}" in pending
    submitted = page.split("Submitted", 1)[1]
    assert "Cycle other" in submitted and "4 of 4 answered" in submitted


def test_my_questionnaires_shows_the_self_assessment_as_such(client, team):
    page = visible_text(signed_in(client, team.leader).get(url("my_questionnaires")))
    assert "Your self-assessment" in page


def test_my_questionnaires_for_someone_with_none(client, team):
    client.force_login(team.hr)
    response = client.get(url("my_questionnaires"))
    assert response.status_code == 200
    assert "You have no questionnaires." in visible_text(response)


@pytest.mark.parametrize("count", [2, 20])
def test_my_questionnaires_costs_the_same_for_2_or_20(client, count, django_assert_num_queries):
    team = team_cycle(peers=1, reports=0)
    rater = team.peers[0]
    for n in range(count - 1):
        other = team_cycle(code=f"other{n}", peers=0, reports=0)
        done = Questionnaire.objects.create(participant=other.participant, group=Group.PEER, rater=rater)
        if n % 2:
            answer_all(done)
    signed_in(client, rater)
    # session, user, the rater's person (the list scope), the list with its answer counts, whether the
    # rater manages anyone (the navigation)
    with django_assert_num_queries(5):
        response = client.get(url("my_questionnaires"))
    assert response.status_code == 200
    assert visible_text(response).count("answered") == count


@pytest.mark.parametrize("per_area", [2, 20])
def test_the_questionnaire_page_costs_the_same_for_4_or_40_competencies(client, per_area, django_assert_num_queries):
    team = team_cycle(peers=1, reports=0, areas=2, per_area=per_area)
    questionnaire = team.questionnaire(Group.PEER)
    for competency in team.competencies()[::2]:
        answering.save_answer(questionnaire, competency.pk, 2, "A comment")
    signed_in(client, team.peers[0])
    # session, user, the questionnaire with subject, cycle and framework, the rater's person (the rule),
    # competencies, levels, indicators, answers, whether the rater manages anyone (the navigation)
    with django_assert_num_queries(9):
        response = client.get(url("questionnaire", questionnaire.pk))
    assert response.status_code == 200
    assert text(response).count("<fieldset") == 2 * per_area


@pytest.mark.parametrize("per_area", [2, 20])
def test_saving_an_answer_costs_the_same_for_4_or_40_competencies(client, per_area, django_assert_num_queries):
    team = team_cycle(peers=1, reports=0, areas=2, per_area=per_area)
    questionnaire = team.questionnaire(Group.PEER)
    first, competency = team.competencies()[0], team.competencies()[-1]
    signed_in(client, team.peers[0])
    # session, user, the questionnaire with its requirements and rater (the rule reads the rater loaded
    # with it); under a savepoint: the questionnaire's status locked (the level checked in the same query), the
    # answer's upsert, the count of answers. The first answer also starts the questionnaire: the rest
    # of its row, its update and its history row.
    with django_assert_num_queries(11):
        response = client.post(url("questionnaire_answer", questionnaire.pk, first.pk),
                               {f"c{first.pk}-level": "2"}, **HTMX)
    assert response.status_code == 200 and f"{2 * per_area - 1} left" in visible_text(response)
    with django_assert_num_queries(8):  # a new answer
        response = client.post(url("questionnaire_answer", questionnaire.pk, competency.pk),
                               {f"c{competency.pk}-level": "4"}, **HTMX)
    assert response.status_code == 200 and f"{2 * per_area - 2} left" in visible_text(response)
    with django_assert_num_queries(8):  # a changed answer
        response = client.post(url("questionnaire_answer", questionnaire.pk, competency.pk),
                               {f"c{competency.pk}-level": "5", f"c{competency.pk}-comment": "Better"}, **HTMX)
    assert response.status_code == 200 and f"{2 * per_area - 2} left" in visible_text(response)
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.STARTED and questionnaire.history.count() == 2
    assert sorted(Answer.objects.filter(questionnaire=questionnaire).values_list("competency_id", "level", "comment")) \
        == sorted([(first.pk, 2, ""), (competency.pk, 5, "Better")])


def test_a_refused_level_costs_no_write_and_names_the_scale(client, team):
    questionnaire = team.questionnaire(Group.PEER)
    competency = team.competencies()[0]
    answering.save_answer(questionnaire, competency.pk, 3, "Kept")
    before = state(questionnaire)
    response = signed_in(client, team.peers[0]).post(
        url("questionnaire_answer", questionnaire.pk, competency.pk), {f"c{competency.pk}-level": "9"}, **HTMX)
    assert response.status_code == 400 and response.headers["X-Answer-Status"] == "refused"
    assert "9 is not a level of the scale: choose one of 1, 2, 3, 4, 5" in visible_text(response)
    assert state(questionnaire) == before


# --- personal links -------------------------------------------------------------------------------


def test_an_external_rater_answers_and_submits_through_the_link_without_an_account(team):
    questionnaire, token = link_token(team)
    client = Client(enforce_csrf_checks=True)
    page = client.get(url("link", token))
    assert page.status_code == 200
    html = text(page)
    assert "Your view of Lena Leader" in visible_text(page) and "as an external partner" in visible_text(page)
    assert questionnaire.token_hash not in html
    assert "no-store" in page.headers["Cache-Control"]
    assert 'name="robots" content="noindex, nofollow"' in html
    assert url("link_answer", token, team.competencies()[0].pk) in html
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    for competency in team.competencies():
        response = client.post(url("link_answer", token, competency.pk),
                               {"csrfmiddlewaretoken": csrf, f"c{competency.pk}-level": "4"}, **HTMX)
        assert response.status_code == 200, visible_text(response)
    assert "All 4 answered" in visible_text(response)
    response = client.post(url("link_submit", token), {"csrfmiddlewaretoken": csrf})
    assert response.status_code == 302 and response.url == url("link", token)
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.SUBMITTED
    after = client.get(response.url)
    assert after.status_code == 410
    assert "Thank you: your answers about Lena Leader are submitted." in visible_text(after)
    assert "the link no longer opens the questionnaire" in visible_text(after)


def test_a_link_post_without_the_csrf_token_is_refused(team):
    questionnaire, token = link_token(team)
    competency = team.competencies()[0]
    before = state(questionnaire)
    response = Client(enforce_csrf_checks=True).post(url("link_answer", token, competency.pk),
                                                     {f"c{competency.pk}-level": "3"})
    assert response.status_code == 403
    assert state(questionnaire) == before


def test_a_tampered_link_is_not_found(client, team):
    questionnaire, token = link_token(team)
    before = state(questionnaire)
    tampered = token[:-2] + ("xx" if not token.endswith("xx") else "yy")
    competency = team.competencies()[0]
    assert client.get(url("link", tampered)).status_code == 404
    assert client.get(url("link", questionnaire.token_hash)).status_code == 404
    assert client.post(url("link_answer", tampered, competency.pk), {f"c{competency.pk}-level": "3"}).status_code == 404
    assert client.post(url("link_submit", tampered)).status_code == 404
    assert client.post(url("link_decline", tampered), {"reason": "x"}).status_code == 404
    assert state(questionnaire) == before


def test_a_used_link_says_so_and_takes_nothing(client, team):
    questionnaire, token = link_token(team)
    answer_all(questionnaire)
    answering.submit(questionnaire)
    before = state(questionnaire)
    competency = team.competencies()[0]
    response = client.get(url("link", token))
    assert response.status_code == 410
    assert "These answers were submitted on" in visible_text(response)
    assert "<fieldset" not in text(response)
    response = client.post(url("link_answer", token, competency.pk), {f"c{competency.pk}-level": "1"}, **HTMX)
    assert response.status_code == 410
    assert client.post(url("link_submit", token)).status_code == 410
    assert client.post(url("link_decline", token), {"reason": "Too late"}).status_code == 410
    assert state(questionnaire) == before


def test_an_expired_link_says_the_questionnaire_closed(client, team):
    questionnaire, token = link_token(team)
    close(team.cycle, team.hr)
    before = state(questionnaire)
    response = client.get(url("link", token))
    assert response.status_code == 410
    assert "This link has expired" in visible_text(response)
    assert "Cycle leadership is closed: answers are no longer accepted." in visible_text(response)
    competency = team.competencies()[0]
    assert client.post(url("link_answer", token, competency.pk), {f"c{competency.pk}-level": "3"}).status_code == 410
    assert state(questionnaire) == before


def test_an_external_rater_declines_through_the_link(client, team):
    questionnaire, token = link_token(team)
    response = client.post(url("link_decline", token), {"reason": "I do not know her work"})
    assert response.status_code == 302
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.DECLINED
    assert questionnaire.decline_reason == "I do not know her work"
    assert client.get(url("link", token)).status_code == 410


def test_the_link_of_one_questionnaire_never_opens_another(client, team):
    _, token = link_token(team)
    peer = team.questionnaire(Group.PEER)
    competency = team.competencies()[0]
    # The competency id is the only other thing in a link's URL; there is no questionnaire id to change.
    client.post(url("link_answer", token, competency.pk), {f"c{competency.pk}-level": "3"}, **HTMX)
    assert not Answer.objects.filter(questionnaire=peer).exists()
    assert Answer.objects.filter(questionnaire=team.externals[0]).count() == 1
