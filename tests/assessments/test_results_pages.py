"""The results pages: who sees a leader's results, what the page shows, the cycle export, releasing
from the cycle page and withholding a comment."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.models import Role
from assessments.models import CellLabel, CycleStatus, Group, Participant, ResultCell, ResultComment
from assessments.release import release_cycle
from assessments.results import latest_results_for, participant_results
from competency.models import Competency
from tests.assessments.builders import answer, close, team_cycle
from tests.factories import PersonFactory, UserFactory
from tests.helpers import text, visible_text

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def released_team(*, peers: int = 3, reports: int = 3, areas: int = 2, per_area: int = 2, code: str = "leadership",
                  comments: int = 1):
    """Self 4, manager 3, peers 2-3-4 and reports 5-5-4, with a comment from each on the first
    `comments` competencies; closed and released."""
    team = team_cycle(peers=peers, reports=reports, areas=areas, per_area=per_area, code=code)
    competencies = team.competencies()

    def said(who: str) -> dict:
        return {c: f"{who} on {c.code}" for c in competencies[:comments]}

    answer(team.questionnaire(Group.SELF), 4, comments=said("Self"))
    answer(team.questionnaire(Group.MANAGER), 3, comments=said("Manager"))
    for index, level in enumerate([2, 3, 4][:peers]):
        answer(team.questionnaire(Group.PEER, index), level,
               comments={c: f"Peer {index} on {c.code}" for c in competencies[:comments]})
    for index, level in enumerate([5, 5, 4][:reports]):
        answer(team.questionnaire(Group.DIRECT, index), level,
               comments={c: f"Report {index} on {c.code}" for c in competencies[:comments]})
    close(team.cycle, team.hr)
    release_cycle(team.cycle, actor=team.hr)
    team.cycle.refresh_from_db()
    return team


def results_url(team) -> str:
    return reverse("assessments:participant_results", args=[team.participant.pk])


# --- who sees them ---------------------------------------------------------------------------------


def test_the_leader_manager_hr_quality_and_auditors_read_the_results(client):
    team = released_team()
    readers = [team.leader.user, team.manager.user, team.hr, UserFactory(role=Role.QUALITY), UserFactory(auditor=True)]
    for user in readers:
        client.force_login(user)
        response = client.get(results_url(team))
        assert response.status_code == 200, user
        assert "360° results: Lena Leader" in text(response)


def test_raters_and_other_leaders_see_none_of_the_results(client):
    team = released_team()
    peer = team.peers[0].user
    report = team.reports[0].user
    stranger = PersonFactory().user
    for user in (peer, report, stranger):
        client.force_login(user)
        assert client.get(results_url(team)).status_code == 404, user


def test_results_are_not_shown_before_the_release(client):
    team = team_cycle(peers=3, reports=0)
    client.force_login(team.leader.user)
    response = client.get(results_url(team))
    assert response.status_code == 403
    assert "Results are shown once HR releases them." in text(response)


# --- the page --------------------------------------------------------------------------------------


def test_the_page_shows_each_shown_figure_with_how_many_rated_it_the_chart_and_the_comments(client):
    team = released_team()
    client.force_login(team.leader.user)
    response = client.get(results_url(team))
    page = visible_text(response)
    html = text(response)
    first = team.competencies()[0]
    assert "rated by 3 of 3" in page
    for label in ("Self", "Manager", "Peers", "Direct reports", "All others"):
        assert label in page
    assert "Other colleagues" not in page  # no pool here
    assert 'data-testid="radar-chart"' in html and "<desc" in html and 'role="img"' in html
    assert 'data-testid="radar-table"' in html
    assert f"Peer 0 on {first.code}" in page and f"Report 2 on {first.code}" in page
    assert f"Self on {first.code}" in page
    assert "Withhold this comment" not in page  # HR's, not the leader's


def test_blind_spots_and_hidden_strengths_come_from_self_against_all_others():
    team = team_cycle(peers=3, reports=0, areas=1, per_area=3)
    high, low, level = team.competencies()
    answer(team.questionnaire(Group.SELF), {high: 5, low: 1, level: 3})
    for index in range(3):
        answer(team.questionnaire(Group.PEER, index), {high: 3, low: 3, level: 3})
    close(team.cycle, team.hr)
    release_cycle(team.cycle, actor=team.hr)
    results = participant_results(Participant.objects.select_related("cycle").get(pk=team.participant.pk))
    assert [line.code for line in results.blind_spots] == [high.code]
    assert [line.code for line in results.hidden_strengths] == [low.code]
    assert results.gap == Decimal(1)


def test_a_suppressed_pool_reads_too_few_to_show_and_its_comments_appear_nowhere(client):
    team = team_cycle(peers=1, reports=1, areas=1, per_area=1)
    answer(team.questionnaire(Group.SELF), 3)
    answer(team.questionnaire(Group.PEER), 1, comments={team.competencies()[0]: "Secret peer remark"})
    answer(team.questionnaire(Group.DIRECT), 5, comments={team.competencies()[0]: "Secret report remark"})
    close(team.cycle, team.hr)
    release_cycle(team.cycle, actor=team.hr)
    client.force_login(team.hr)
    page = visible_text(client.get(results_url(team)))
    assert "2 responses — too few to show" in page
    assert "Secret" not in page
    assert "All others" not in page


def test_area_means_are_computed_from_shown_figures_only():
    team = team_cycle(peers=3, reports=0, areas=1, per_area=2)
    first, second = team.competencies()
    for index, (one, two) in enumerate([(2, 4), (3, None), (4, None)]):
        answer(team.questionnaire(Group.PEER, index), {first: one, second: two})
    close(team.cycle, team.hr)
    release_cycle(team.cycle, actor=team.hr)
    results = participant_results(Participant.objects.select_related("cycle").get(pk=team.participant.pk))
    (area,) = results.areas
    # The second competency's single peer answer is suppressed: the peers' area mean is the first's alone.
    assert area.means[CellLabel.PEER] == Decimal("3.00")
    assert CellLabel.OTHER in results.columns


def test_the_results_page_costs_the_same_queries_for_4_or_12_competencies_and_more_comments(
        client, django_assert_num_queries):
    small = released_team(areas=2, per_area=2, code="small", comments=1)
    large = released_team(areas=3, per_area=4, code="large", comments=12)
    counts = []
    for team in (small, large):
        client.force_login(team.leader.user)
        client.get(results_url(team))  # warm the session
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(results_url(team)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    with django_assert_num_queries(counts[0]):
        client.get(results_url(large))


def test_latest_results_for_a_person_are_those_of_the_newest_released_cycle():
    team = released_team()
    latest = latest_results_for(team.leader)
    assert latest is not None and latest.participant.pk == team.participant.pk
    assert latest_results_for(team.peers[0]) is None


# --- releasing from the cycle page -----------------------------------------------------------------


def test_hr_releases_a_closed_cycle_from_its_page(client, django_capture_on_commit_callbacks):
    team = team_cycle(peers=3, reports=0)
    for index in range(3):
        answer(team.questionnaire(Group.PEER, index), 3)
    close(team.cycle, team.hr)
    client.force_login(team.hr)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(reverse("assessments:cycle_release", args=[team.cycle.pk]))
    assert response.status_code == 302 and response.url == reverse("assessments:cycle_detail", args=[team.cycle.pk])
    assert messages_of(response) == [
        "Releasing results for 1 leader… The leaders are told by email once they are released."]
    team.cycle.refresh_from_db()
    assert team.cycle.status == CycleStatus.RELEASING and len(queued) == 1
    client.force_login(team.leader.user)  # nothing shows until the release is done
    response = client.get(results_url(team))
    assert response.status_code == 403
    assert "The results are being released: they are shown once the release is done." in text(response)
    queued[0]()  # the release task
    team.cycle.refresh_from_db()
    assert team.cycle.status == CycleStatus.RELEASED
    assert client.get(results_url(team)).status_code == 200


def test_a_re_release_from_the_page_names_the_release(client, django_capture_on_commit_callbacks):
    from django.utils import timezone

    from assessments.models import Questionnaire, QuestionnaireStatus

    team = released_team()
    for _ in range(3):
        late = Questionnaire.objects.create(participant=team.participant, group=Group.PEER, rater=PersonFactory(),
                                            status=QuestionnaireStatus.PENDING, invited_at=timezone.now())
        answer(late, 3)
    client.force_login(team.hr)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assessments:cycle_release", args=[team.cycle.pk]))
    assert messages_of(response) == [
        "Releasing results for 1 leader… This is release 2: it updates the leaders with new answers."]
    team.cycle.refresh_from_db()
    assert team.cycle.status == CycleStatus.RELEASED and team.cycle.release_number == 2


def test_a_release_before_the_close_comes_back_with_the_reason_and_changes_nothing(client):
    team = team_cycle(peers=3, reports=0)
    client.force_login(team.hr)
    response = client.post(reverse("assessments:cycle_release", args=[team.cycle.pk]))
    assert response.status_code == 302
    (message,) = messages_of(response)
    assert "results are released once the cycle is closed" in message
    team.cycle.refresh_from_db()
    assert team.cycle.status == CycleStatus.OPEN and not ResultCell.objects.exists()


def test_a_re_release_without_three_new_answers_is_refused_with_a_message(client):
    from django.utils import timezone

    from assessments.models import Questionnaire, QuestionnaireStatus

    team = released_team()
    late = Questionnaire.objects.create(participant=team.participant, group=Group.PEER, rater=PersonFactory(),
                                        status=QuestionnaireStatus.PENDING, invited_at=timezone.now())
    answer(late, 3)
    client.force_login(team.hr)
    response = client.post(reverse("assessments:cycle_release", args=[team.cycle.pk]))
    (message,) = messages_of(response)
    assert "fewer than 3 new answers" in message and "Lena Leader (peers: 1 new)" in message
    team.cycle.refresh_from_db()
    assert team.cycle.release_number == 1 and team.cycle.status == CycleStatus.RELEASED


def test_leaders_cannot_release_and_auditors_are_refused(client):
    team = team_cycle(peers=3, reports=0)
    close(team.cycle, team.hr)
    client.force_login(team.leader.user)
    assert client.post(reverse("assessments:cycle_release", args=[team.cycle.pk])).status_code == 404
    client.force_login(UserFactory(auditor=True))
    assert client.post(reverse("assessments:cycle_release", args=[team.cycle.pk])).status_code == 403
    client.force_login(team.hr)
    assert client.get(reverse("assessments:cycle_release", args=[team.cycle.pk])).status_code == 405
    team.cycle.refresh_from_db()
    assert team.cycle.status == CycleStatus.CLOSED


# --- exports ---------------------------------------------------------------------------------------


def export(client, team, fmt: str):
    return client.get(reverse("assessments:cycle_export", args=[team.cycle.pk, fmt]))


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_the_csv_export_holds_the_stored_cells_one_row_per_leader_and_competency(client):
    team = released_team()
    client.force_login(team.hr)
    response = export(client, team, "csv")
    assert response.status_code == 200
    assert 'filename="cycle-leadership-results-r1.csv"' in response["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert header[:7] == ["Leader", "Employee ID", "Org unit", "Area", "Competency code", "Competency",
                          "Required level"]
    assert len(rows) == len(team.competencies())
    first = dict(zip(header, rows[0], strict=True))
    assert first["Leader"] == "Lena Leader" and first["Required level"] == "3"
    assert first["Self: mean"] == "4.00" and first["Manager: mean"] == "3.00"
    assert (first["Peers: mean"], first["Peers: rated by"], first["Peers: responders"]) == ("3.00", "3", "3")
    assert first["Direct reports: mean"] == "4.67"
    assert first["All others: mean"] == "3.83" and first["All others: rated by"] == "6"
    assert first["Other colleagues: mean"] == ""
    assert first["Self minus all others"] == "0.17"


def test_a_suppressed_pool_reads_too_few_to_show_in_the_export(client):
    team = team_cycle(peers=1, reports=1, areas=1, per_area=1)
    answer(team.questionnaire(Group.PEER), 1)
    answer(team.questionnaire(Group.DIRECT), 5)
    close(team.cycle, team.hr)
    release_cycle(team.cycle, actor=team.hr)
    client.force_login(team.hr)
    header, row = csv_rows(export(client, team, "csv"))
    first = dict(zip(header, row, strict=True))
    assert first["Other colleagues: mean"] == "too few to show" and first["Other colleagues: rated by"] == "2"
    assert first["All others: mean"] == ""


def test_export_cells_are_formula_safe_in_csv_and_xlsx(client):
    from openpyxl import load_workbook

    team = released_team()
    Competency.objects.filter(pk=team.competencies()[0].pk).update(name="=HYPERLINK(\"http://x\")")
    client.force_login(team.hr)
    header, *rows = csv_rows(export(client, team, "csv"))
    assert "'=HYPERLINK(\"http://x\")" in [row[5] for row in rows]
    response = export(client, team, "xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["Results"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:2] == ["Leader", "Employee ID"]
    assert "'=HYPERLINK(\"http://x\")" in [row[5] for row in values[1:]]
    first = dict(zip(values[0], values[1], strict=True))
    assert first["Self: mean"] == 4 and first["Peers: rated by"] == 3


def test_the_export_is_refused_before_the_release_and_unknown_formats_are_404(client):
    team = team_cycle(peers=3, reports=0)
    client.force_login(team.hr)
    response = export(client, team, "csv")
    assert response.status_code == 302
    assert "not released yet" in messages_of(response)[0]
    assert export(client, team, "pdf").status_code == 404


def test_only_hr_and_quality_export(client):
    team = released_team()
    client.force_login(team.leader.user)
    assert export(client, team, "csv").status_code == 404
    client.force_login(UserFactory(auditor=True))
    assert export(client, team, "csv").status_code == 403
    client.force_login(UserFactory(role=Role.QUALITY))
    assert export(client, team, "xlsx").status_code == 200


# --- withholding a comment -------------------------------------------------------------------------


def test_hr_withholds_a_comment_with_a_reason_and_it_disappears_everywhere(client):
    team = released_team()
    comment = ResultComment.objects.get(participant=team.participant, text__startswith="Peer 1")
    client.force_login(team.hr)
    page = client.get(results_url(team))
    assert "Withhold this comment" in text(page) and comment.text in visible_text(page)
    url = reverse("assessments:comment_withhold", args=[comment.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "It names a colleague"})
    assert response.status_code == 302 and response.url.startswith(results_url(team))
    assert messages_of(response) == ["The comment is withheld: it no longer appears on any page or export."]
    comment.refresh_from_db()
    assert comment.withheld and comment.withheld_by == team.hr and comment.text.startswith("Peer 1")
    newest = comment.history.first()
    assert (newest.withheld_reason, newest.history_user) == ("It names a colleague", team.hr)
    client.force_login(team.leader.user)
    assert comment.text not in visible_text(client.get(results_url(team)))
    assert participant_results(team.participant).comment_count == ResultComment.objects.filter(
        participant=team.participant, withheld=False).count()


def test_withholding_needs_a_reason_and_changes_nothing_without_one(client):
    team = released_team()
    comment = ResultComment.objects.filter(participant=team.participant).first()
    client.force_login(team.hr)
    response = client.post(reverse("assessments:comment_withhold", args=[comment.pk]), {"reason": "  "})
    assert response.status_code == 400
    assert "This field is required." in text(response) or "Give the reason" in text(response)
    comment.refresh_from_db()
    assert not comment.withheld and comment.history.count() == 1


def test_a_withheld_comment_cannot_be_withheld_again(client):
    team = released_team()
    comment = ResultComment.objects.filter(participant=team.participant).first()
    client.force_login(team.hr)
    client.post(reverse("assessments:comment_withhold", args=[comment.pk]), {"reason": "First"})
    response = client.post(reverse("assessments:comment_withhold", args=[comment.pk]), {"reason": "Second"})
    assert response.status_code == 302
    assert messages_of(response)[-1] == "This comment is already withheld."
    comment.refresh_from_db()
    assert comment.withheld_reason == "First"


def test_only_hr_and_quality_withhold_comments(client):
    team = released_team()
    comment = ResultComment.objects.filter(participant=team.participant).first()
    url = reverse("assessments:comment_withhold", args=[comment.pk])
    for user, status in ((team.leader.user, 403), (team.manager.user, 403), (UserFactory(auditor=True), 403),
                         (team.peers[0].user, 404), (PersonFactory().user, 404)):
        client.force_login(user)
        assert client.post(url, {"reason": "Mine"}).status_code == status, user
    client.force_login(UserFactory(role=Role.QUALITY))
    assert client.post(url, {"reason": "Quality says so"}).status_code == 302
    comment.refresh_from_db()
    assert comment.withheld_reason == "Quality says so"


@pytest.mark.parametrize("leaders", [4, 400])
def test_the_results_page_costs_the_same_in_a_cycle_of_4_or_400_leaders(client, leaders, django_assert_num_queries):
    from tests.assessments.test_progress import bulk_leaders

    team = team_cycle(peers=3, reports=0)
    raters = [PersonFactory(org_unit=team.leader.org_unit) for _ in range(3)]
    bulk_leaders(team.cycle, leaders - 1, profile=team.profile, unit=team.leader.org_unit, raters=raters)
    for questionnaire in team.participant.questionnaires.all():
        answer(questionnaire, 3, comments={team.competencies()[0]: f"From {questionnaire.group}"})
    close(team.cycle, team.hr)
    release_cycle(team.cycle, actor=team.hr)
    client.force_login(team.leader.user)
    # ten, whatever the size of the cycle: the session and user, the participation with its cycle and
    # leader, the reader's person, the scale's levels, the shown cells and comments, the PDF panel's latest
    # document, and the shell's
    with django_assert_num_queries(10):
        response = client.get(results_url(team))
    assert response.status_code == 200 and "From peer" in response.content.decode()
