"""Progress of a cycle: HR's totals and leader rows, and what the leader and their manager may see.

The leader sees one total of their raters, never who has answered and never a count per group; the
pages cost the same number of queries for 4 leaders or 400.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from assessments import progress
from assessments.models import Cycle, CycleStatus, Group, Participant, Questionnaire, QuestionnaireStatus
from assessments.services import cycles, nominations
from profiles.models import Person
from tests.assessments.builders import answer, team_cycle
from tests.factories import OrgUnitFactory, PersonFactory, UserFactory
from tests.helpers import text, visible_text

pytestmark = pytest.mark.django_db
S = QuestionnaireStatus


def detail_url(participant) -> str:
    return reverse("assessments:participant_detail", args=[participant.pk])


@pytest.fixture
def team():
    """Lena Leader, with Mona Manager, 3 reports, 4 peers and 2 external raters, in an open cycle, where
    self, the manager, two peers and one report have answered, one peer declined, one report started."""
    team = team_cycle(peers=4, reports=3, externals=2)
    answer(team.questionnaire(Group.SELF), 3)
    answer(team.questionnaire(Group.MANAGER), 3)
    answer(team.questionnaire(Group.PEER, 0), 4)
    answer(team.questionnaire(Group.PEER, 1), 2)
    peer = team.questionnaire(Group.PEER, 2)
    peer.status, peer.decline_reason = S.DECLINED, "I joined the team last week."
    peer.save()
    answer(team.questionnaire(Group.DIRECT, 0), 3)
    answer(team.questionnaire(Group.DIRECT, 1), 3, submit=False)
    return team


def test_the_cycle_counts_each_group_by_status(team):
    figures = progress.cycle_progress(team.cycle)
    peers, reports, external = (figures.groups[g] for g in (Group.PEER, Group.DIRECT, Group.EXTERNAL))
    assert (peers.invited, peers.submitted, peers.declined, peers.pending, peers.response_rate) == (4, 2, 1, 1, 50)
    assert (reports.invited, reports.submitted, reports.started, reports.pending) == (3, 1, 1, 1)
    assert (external.invited, external.submitted) == (2, 0)
    assert (figures.total.invited, figures.total.submitted, figures.total.response_rate) == (11, 5, 45)
    assert figures.under_threshold(team.cycle) == ["Peers", "Direct reports", "External"]


def test_a_nomination_is_not_counted_as_invited_until_it_is_approved(team):
    extra = PersonFactory(org_unit=team.leader.org_unit)
    nominations.nominate_peer(team.participant, extra, actor=team.leader.user)
    figures = progress.cycle_progress(team.cycle)
    assert figures.groups[Group.PEER].invited == 4 and figures.groups[Group.PEER].nominated == 1
    assert progress.leader_total(team.participant) == progress.Total(answered=4, asked=10)


def test_the_leader_total_leaves_their_own_self_assessment_out(team):
    assert progress.leader_total(team.participant) == progress.Total(answered=4, asked=10)


def test_the_leader_sees_one_total_and_never_who_answered_or_a_count_per_group(client, team):
    client.force_login(team.leader.user)
    response = client.get(detail_url(team.participant))
    assert response.status_code == 200
    page = visible_text(response)
    assert "4 of 10 of your raters have answered." in page
    for report in team.reports:  # raters from the org data are not listed
        assert str(report) not in page, report
    assert page.count("Mona Manager") == 1 and "Manager: Mona Manager." in page  # who the manager is, only
    # The peers are the leader's own nominations (here added by the builder): named, with what was decided only.
    for word in ("Submitted", "submitted", "Declined", "declined", "Started", "started", "Not started", "joined the team"):
        assert word not in page.replace("Submit for approval", "").replace("Submit the new nominations", ""), word
    html = text(response)
    assert 'data-status="submitted"' not in html and 'data-status="declined"' not in html
    # No figure but the one total: no "2 of 4", "1 of 3" per group.
    assert re.findall(r"\b(\d+) of (\d+)\b", page) == [("4", "10")]


def test_the_manager_sees_the_same_single_total_and_the_nominations(client, team):
    client.force_login(team.manager.user)
    page = visible_text(client.get(detail_url(team.participant)))
    assert "4 of 10 raters have answered." in page
    assert re.findall(r"\b(\d+) of (\d+)\b", page) == [("4", "10")]
    assert "joined the team" not in page and "Declined" not in page
    assert str(team.peers[0]) in page and "Approved" in page


def test_hr_sees_each_rater_with_status_and_decline_reason_but_no_answers(client, team):
    client.force_login(team.hr)
    response = client.get(detail_url(team.participant))
    page = visible_text(response)
    assert str(team.reports[0]) in page and "Direct reports" in page and "client0@customer.example" in page
    assert "Reason: I joined the team last week." in page
    html = text(response)
    assert html.count('data-status="submitted"') == 5 and html.count('data-status="declined"') == 1
    assert "Remind this leader's raters" in page


def test_an_auditor_reads_the_raters_without_any_button(client, team):
    client.force_login(UserFactory(auditor=True))
    page = visible_text(client.get(detail_url(team.participant)))
    assert "Reason: I joined the team last week." in page
    assert "Remind this leader's raters" not in page and "Approve" not in page


def test_an_hr_manager_rated_in_the_cycle_sees_only_the_total_of_their_own_raters(client, team):
    team.leader.user.role = Role.HR
    team.leader.user.save()
    client.force_login(team.leader.user)
    page = visible_text(client.get(detail_url(team.participant)))
    assert "4 of 10 of your raters have answered." in page and "joined the team" not in page
    cycle_page = visible_text(client.get(reverse("assessments:cycle_detail", args=[team.cycle.pk])))
    assert "Your own raters: shown only as one total on your page." in cycle_page


def test_a_peer_of_the_leader_cannot_open_the_leaders_page(client, team):
    client.force_login(team.peers[0].user)
    assert client.get(detail_url(team.participant)).status_code == 404


def leader_rows_of(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-participant="(\d+)"', text(response))]


def test_the_progress_page_filters_by_state_unit_and_search(client, team):
    hr = team.hr
    unit = OrgUnitFactory(name="Far away")
    other = PersonFactory(org_unit=unit, role_profile=team.profile, user__first_name="Otto", user__last_name="Other")
    Participant.objects.create(cycle=team.cycle, person=other, role_profile=team.profile, profile_revision=1)
    lena, otto = team.participant.pk, Participant.objects.get(person=other).pk
    Participant.objects.filter(pk=lena).update(nominations_submitted_at=timezone.now())
    client.force_login(hr)
    url = reverse("assessments:cycle_detail", args=[team.cycle.pk])
    assert sorted(leader_rows_of(client.get(url))) == sorted([lena, otto])
    assert leader_rows_of(client.get(url, {"state": "under_threshold"})) == [lena]
    assert leader_rows_of(client.get(url, {"state": "nominating"})) == [otto]
    assert leader_rows_of(client.get(url, {"state": "outstanding"})) == [lena]
    assert leader_rows_of(client.get(url, {"state": "complete"})) == [otto]
    assert leader_rows_of(client.get(url, {"org_unit": unit.pk})) == [otto]
    assert leader_rows_of(client.get(url, {"q": "lena"})) == [lena]
    assert leader_rows_of(client.get(url, {"q": other.employee_id.lower()})) == [otto]
    page = visible_text(client.get(url, {"q": "lena"}))
    assert "under threshold: peers, direct reports, external" in page


def test_the_under_threshold_filter_clears_once_every_group_has_enough(team):
    for index in (2, 3):
        questionnaire = team.questionnaire(Group.PEER, index)
        answer(questionnaire, 3)
    for index in (1, 2):
        answer(team.questionnaire(Group.DIRECT, index), 3)
    Questionnaire.objects.filter(participant=team.participant, group=Group.EXTERNAL).delete()
    assert not progress.leaders_of(team.cycle, state="under_threshold").exists()


# --- query counts at 4 and 400 leaders ------------------------------------------------------------


def bulk_leaders(cycle: Cycle, count: int, *, profile, unit, raters: list[Person]) -> None:
    """`count` leaders in an open cycle, each with a self-assessment and a questionnaire from each of
    `raters` in mixed states, written with bulk inserts (no history: not what these tests look at)."""
    tag = f"c{cycle.pk}"
    users = User.objects.bulk_create([
        User(email=f"bulk-{tag}-{n}@example.com", first_name=f"Bulk{n:04d}", last_name="Leader", password="!")
        for n in range(count)])
    people = Person.objects.bulk_create([
        Person(user=user, employee_id=f"B-{tag}-{n}", org_unit=unit, role_profile=profile,
               sort_last_name=user.last_name, sort_first_name=user.first_name)
        for n, user in enumerate(users)])
    participants = Participant.objects.bulk_create([
        Participant(cycle=cycle, person=person, role_profile=profile, profile_revision=profile.revision)
        for person in people])
    statuses = [S.PENDING, S.STARTED, S.SUBMITTED, S.DECLINED, S.NOMINATED]
    questionnaires = []
    for n, participant in enumerate(participants):
        questionnaires.append(Questionnaire(participant=participant, group=Group.SELF, rater_id=participant.person_id,
                                            status=statuses[n % 3]))
        for r, rater in enumerate(raters):
            questionnaires.append(Questionnaire(participant=participant, group=Group.PEER, rater=rater,
                                                status=statuses[(n + r) % len(statuses)]))
    Questionnaire.objects.bulk_create(questionnaires, batch_size=2000)


@pytest.mark.parametrize("leaders", [4, 400])
def test_the_progress_page_costs_the_same_for_4_or_400_leaders(client, hr, leaders, django_assert_num_queries):
    team = team_cycle(peers=0, reports=0, hr=hr)
    raters = [PersonFactory(org_unit=team.leader.org_unit) for _ in range(3)]
    bulk_leaders(team.cycle, leaders - 1, profile=team.profile, unit=team.leader.org_unit, raters=raters)
    client.force_login(hr)
    url = reverse("assessments:cycle_detail", args=[team.cycle.pk])
    # session, user, the cycle, the totals grouped by group and status, the user's person (for their own
    # row), the units of the filter, the count, the page's ids, its leaders, their questionnaires grouped
    with django_assert_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200
    assert len(leader_rows_of(response)) == min(leaders, 50)
    with django_assert_num_queries(10):
        response = client.get(url, {"state": "under_threshold", "q": "bulk", "page": 2})
    assert response.status_code == 200
    assert Participant.objects.filter(cycle=team.cycle).count() == leaders


@pytest.mark.parametrize("leaders", [4, 400])
def test_the_cycle_list_costs_the_same_for_4_or_400_leaders(client, hr, leaders, django_assert_num_queries):
    team = team_cycle(peers=0, reports=0, hr=hr)
    second = team_cycle(peers=0, reports=0, hr=hr, code="second")
    raters = [PersonFactory(org_unit=team.leader.org_unit) for _ in range(2)]
    for each in (team, second):
        bulk_leaders(each.cycle, leaders - 1, profile=each.profile, unit=each.leader.org_unit, raters=raters)
    Cycle.objects.filter(pk=second.cycle.pk).update(status=CycleStatus.CLOSED)
    client.force_login(hr)
    # session, user, the count, the page of cycles with their leaders, invited and submitted counted by subqueries
    with django_assert_num_queries(4):
        response = client.get(reverse("assessments:cycle_list"))
    page = visible_text(response)
    assert "Cycle leadership" in page and "Cycle second" in page
    counts = re.findall(r'data-testid="leader-count">(\d+)<', text(response))
    assert counts == [str(leaders), str(leaders)]
    with django_assert_num_queries(4):
        response = client.get(reverse("assessments:cycle_list"), {"status": "closed"})
    assert "Cycle second" in visible_text(response) and "Cycle leadership" not in visible_text(response)


def test_the_cycle_list_shows_each_response_rate(client, team):
    client.force_login(team.hr)
    response = client.get(reverse("assessments:cycle_list"))
    # self, manager, 4 peers, 3 reports and 2 external raters invited; 5 of them answered
    assert "45 % 5 of 11" in visible_text(response)


def test_a_draft_shows_no_progress_and_the_leaders_who_block_its_opening(client, hr):
    team = team_cycle(peers=0, reports=0, hr=hr, open_it=False)
    stray = PersonFactory(user__first_name="Nora", user__last_name="Noprofile")
    cycles.add_leaders(team.cycle, Person.objects.filter(pk=stray.pk), actor=hr)
    client.force_login(hr)
    page = visible_text(client.get(reverse("assessments:cycle_detail", args=[team.cycle.pk])))
    assert "2 leaders chosen." in page
    assert "1 leader has no approved role profile: Nora Noprofile." in page
