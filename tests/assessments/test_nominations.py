"""Nominations: the leader nominates peers and external raters, the manager (or HR) decides.

Each refusal says why and changes nothing; each change is in the questionnaire's history with its actor.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Role
from assessments.models import Group, Questionnaire, QuestionnaireStatus
from assessments.services import nominations
from tests.assessments.builders import close, team_cycle
from tests.factories import PersonFactory, UserFactory
from tests.helpers import text, visible_text

pytestmark = pytest.mark.django_db
S = QuestionnaireStatus


@pytest.fixture
def queued(monkeypatch):
    """The tasks queued after the commit, by name and arguments (instead of running them)."""
    calls = []
    monkeypatch.setattr(nominations, "queue_after_commit", lambda task, *args: calls.append((task, *args)))
    return calls


@pytest.fixture
def team():
    """An open cycle: Lena Leader with her manager Mona, two reports and four colleagues nobody nominated yet."""
    return team_cycle(peers=0, reports=2, externals=0)


@pytest.fixture
def colleagues(team):
    unit = team.leader.org_unit
    return [PersonFactory(org_unit=unit, user__first_name=f"Colleague{n}", user__last_name="Peer") for n in range(9)]


def snapshot(team) -> list[tuple]:
    return list(Questionnaire.objects.filter(participant__cycle=team.cycle).order_by("pk")
                .values_list("pk", "group", "status", "rater_id", "external_email"))


def test_a_nomination_awaits_a_decision_and_records_who_made_it(team, colleagues):
    leader = team.leader.user
    questionnaire = nominations.nominate_peer(team.participant, colleagues[0], actor=leader)
    questionnaire.refresh_from_db()
    assert (questionnaire.group, questionnaire.status, questionnaire.rater) == (Group.PEER, S.NOMINATED, colleagues[0])
    assert questionnaire.nominated_by == leader and questionnaire.invited_at is None
    assert questionnaire.history.get().history_user == leader
    external = nominations.nominate_external(team.participant, " Carla Client ", "Carla@Customer.Example", actor=leader)
    assert (external.group, external.status, external.external_name, external.external_email) == (
        Group.EXTERNAL, S.NOMINATED, "Carla Client", "carla@customer.example")
    assert external.token_hash == ""  # the link is made when the invitation is sent


@pytest.mark.parametrize("who, message", [
    ("self", "You cannot nominate yourself"),
    ("manager", "is your manager: they rate you as your manager, not as a peer"),
    ("report", "reports to you: they rate you as a direct report, not as a peer"),
    ("duplicate", "is already among your raters"),
    ("inactive", "is no longer active"),
])
def test_nominating_oneself_the_manager_a_report_a_duplicate_or_someone_inactive_is_refused(team, colleagues, who, message):
    leader = team.leader.user
    nominations.nominate_peer(team.participant, colleagues[0], actor=leader)
    colleagues[1].active = False
    colleagues[1].save()
    person = {"self": team.leader, "manager": team.manager, "report": team.reports[0], "duplicate": colleagues[0],
              "inactive": colleagues[1]}[who]
    before = snapshot(team)
    with pytest.raises(ValidationError) as refused:
        nominations.nominate_peer(team.participant, person, actor=leader)
    assert message in " ".join(refused.value.messages)
    assert snapshot(team) == before


def test_a_rejected_colleague_cannot_be_nominated_again(team, colleagues):
    nominated = nominations.nominate_peer(team.participant, colleagues[0], actor=team.leader.user)
    nominations.decide(nominated, False, actor=team.manager.user)
    with pytest.raises(ValidationError, match="was rejected: nominate someone else"):
        nominations.nominate_peer(team.participant, colleagues[0], actor=team.leader.user)


def test_no_more_than_the_maximum_per_group_and_a_rejection_frees_a_place(team, colleagues):
    leader = team.leader.user
    assert team.cycle.max_peers == 8
    made = [nominations.nominate_peer(team.participant, person, actor=leader) for person in colleagues[:8]]
    before = snapshot(team)
    with pytest.raises(ValidationError, match="at most 8 peers"):
        nominations.nominate_peer(team.participant, colleagues[8], actor=leader)
    assert snapshot(team) == before
    nominations.decide(made[0], False, actor=team.manager.user)
    assert nominations.nominate_peer(team.participant, colleagues[8], actor=leader).status == S.NOMINATED


def test_external_raters_bad_input(team):
    leader = team.leader.user
    nominations.nominate_external(team.participant, "Carla Client", "carla@customer.example", actor=leader)
    before = snapshot(team)
    cases = [
        ("Someone", team.manager.user.email.upper(), f"belongs to {team.manager}, who works here: nominate them as a peer instead"),
        ("Me", team.leader.user.email, "your own email address"),
        ("Carla again", "CARLA@customer.example", "is already among your raters"),
        ("", "x@customer.example", "Give the external rater's name"),
        ("Nobody", "not-an-email", "Give a valid email address"),
    ]
    for name, email, message in cases:
        with pytest.raises(ValidationError) as refused:
            nominations.nominate_external(team.participant, name, email, actor=leader)
        assert message in " ".join(refused.value.messages), email
    assert snapshot(team) == before


def test_a_cycle_without_external_raters_takes_none(team):
    team.cycle.max_external = 0
    team.cycle.save()
    with pytest.raises(ValidationError, match="This cycle takes no external raters"):
        nominations.nominate_external(team.participant, "Carla", "carla@customer.example", actor=team.leader.user)


def test_nothing_is_nominated_or_decided_once_the_cycle_is_closed(team, colleagues):
    nominated = nominations.nominate_peer(team.participant, colleagues[0], actor=team.leader.user)
    close(team.cycle, team.hr)
    before = snapshot(team)
    for attempt in (
        lambda: nominations.nominate_peer(team.participant, colleagues[1], actor=team.leader.user),
        lambda: nominations.nominate_external(team.participant, "Carla", "carla@customer.example", actor=team.leader.user),
        lambda: nominations.submit_nominations(team.participant, actor=team.leader.user),
        lambda: nominations.decide(nominated, True, actor=team.hr),
    ):
        with pytest.raises(ValidationError, match="is closed: nominations are made and decided while the cycle is open"):
            attempt()
    assert snapshot(team) == before


def test_approval_invites_the_rater_and_rejection_keeps_the_record(team, colleagues, queued):
    manager = team.manager.user
    first = nominations.nominate_peer(team.participant, colleagues[0], actor=team.leader.user)
    second = nominations.nominate_peer(team.participant, colleagues[1], actor=team.leader.user)
    approved = nominations.decide(first, True, actor=manager)
    approved.refresh_from_db()
    assert approved.status == S.PENDING and approved.invited_at is not None and approved.decided_by == manager
    assert approved.history.first().history_user == manager
    assert team.participant.nominations_approved_at is None  # one still awaits a decision
    rejected = nominations.decide(second, False, actor=manager)
    rejected.refresh_from_db()
    assert rejected.status == S.REJECTED and rejected.invited_at is None and rejected.decided_by == manager
    participant = team.participant
    assert participant.nominations_approved_at is not None and participant.nominations_approved_by == manager
    assert queued == [("assessments.tasks.send_cycle_emails", team.cycle.pk)] * 2


def test_a_second_decision_on_the_same_nomination_is_refused(team, colleagues):
    nominated = nominations.nominate_peer(team.participant, colleagues[0], actor=team.leader.user)
    nominations.decide(nominated, True, actor=team.manager.user)
    before = snapshot(team)
    for approve in (True, False):
        with pytest.raises(ValidationError, match="no longer awaits a decision: it was approved already"):
            nominations.decide(nominated, approve, actor=team.manager.user)
    assert snapshot(team) == before
    manager_questionnaire = team.questionnaire(Group.MANAGER)
    with pytest.raises(ValidationError, match="from the org data: that is not a nomination"):
        nominations.decide(manager_questionnaire, False, actor=team.hr)


def test_submitting_needs_the_minimum_of_each_group_and_asks_for_emails(team, colleagues, queued):
    leader = team.leader.user
    for person in colleagues[:3]:
        nominations.nominate_peer(team.participant, person, actor=leader)
    with pytest.raises(ValidationError, match=r"Nominate at least 4 peers \(you have 3\) before you submit"):
        nominations.submit_nominations(team.participant, actor=leader)
    assert team.participant.nominations_submitted_at is None and queued == []
    nominations.nominate_peer(team.participant, colleagues[3], actor=leader)
    participant = nominations.submit_nominations(team.participant, actor=leader)
    assert participant.nominations_submitted_at is not None
    assert participant.history.first().history_user == leader
    assert queued == [("assessments.tasks.send_cycle_emails", team.cycle.pk)]
    # A nomination made after the submission is asked about too; submitting again with nothing new is refused.
    nominations.nominate_peer(team.participant, colleagues[4], actor=leader)
    assert len(queued) == 2
    nominations.decide_all(team.participant, True, actor=team.manager.user)
    with pytest.raises(ValidationError, match="no new nomination awaits a decision"):
        nominations.submit_nominations(team.participant, actor=leader)


def test_a_minimum_of_external_raters_is_checked_too(team, colleagues):
    team.cycle.min_external = 1
    team.cycle.save()
    for person in colleagues[:4]:
        nominations.nominate_peer(team.participant, person, actor=team.leader.user)
    with pytest.raises(ValidationError, match=r"at least 1 external raters \(you have 0\)"):
        nominations.submit_nominations(team.participant, actor=team.leader.user)


def test_hr_may_approve_a_list_directly_before_it_is_submitted(team, colleagues):
    for person in colleagues[:2]:
        nominations.nominate_peer(team.participant, person, actor=team.leader.user)
    decided = nominations.decide_all(team.participant, True, actor=team.hr)
    assert [q.status for q in decided] == [S.PENDING, S.PENDING]
    assert all(q.decided_by == team.hr for q in Questionnaire.objects.filter(group=Group.PEER))
    with pytest.raises(ValidationError, match="No nomination of Lena Leader awaits a decision"):
        nominations.decide_all(team.participant, True, actor=team.hr)


def test_nobody_decides_on_their_own_nominations(colleagues):
    hr_leader = UserFactory(role=Role.HR, first_name="Hera", last_name="Leader", email="hera@example.com")
    team = team_cycle(peers=0, reports=0, code="hera")
    team.leader.user = hr_leader  # the leader is an HR manager themself
    team.leader.save()
    nominated = nominations.nominate_peer(team.participant, colleagues[0], actor=hr_leader)
    with pytest.raises(ValidationError, match="You cannot decide on your own nominations"):
        nominations.decide(nominated, True, actor=hr_leader)


def test_withdrawing_is_for_nominations_awaiting_a_decision(team, colleagues):
    first = nominations.nominate_peer(team.participant, colleagues[0], actor=team.leader.user)
    second = nominations.nominate_peer(team.participant, colleagues[1], actor=team.leader.user)
    nominations.withdraw(first, actor=team.leader.user)
    assert not Questionnaire.objects.filter(pk=first.pk).exists()
    assert first.history.model.objects.filter(id=first.pk).latest("history_date").history_type == "-"
    nominations.decide(second, True, actor=team.manager.user)
    with pytest.raises(ValidationError, match="no longer awaits a decision"):
        nominations.withdraw(second, actor=team.leader.user)
    assert Questionnaire.objects.filter(pk=second.pk, status=S.PENDING).exists()


def test_a_warning_when_a_rater_would_hold_more_than_8_open_questionnaires(team, colleagues):
    busy = colleagues[0]
    assert nominations.open_load(busy) == 0
    others = [team_cycle(peers=0, reports=0, code=f"other{n}", hr=team.hr) for n in range(8)]
    for other in others:
        Questionnaire.objects.create(participant=other.participant, group=Group.PEER, rater=busy, status=S.PENDING)
    # Submitted, declined and rejected questionnaires, and those of closed cycles, are not a load.
    Questionnaire.objects.filter(rater=busy, participant=others[0].participant).update(status=S.SUBMITTED)
    assert nominations.open_load(busy) == 7
    assert nominations.nominate_peer(team.participant, busy, actor=team.leader.user).warning == ""
    assert nominations.open_load(busy) == 8
    questionnaire = nominations.nominate_peer(team.participant, colleagues[1], actor=team.leader.user)
    assert questionnaire.warning == ""
    extra = team_cycle(peers=0, reports=0, code="extra", hr=team.hr)
    Questionnaire.objects.create(participant=extra.participant, group=Group.PEER, rater=busy, status=S.STARTED)
    approved = nominations.decide(Questionnaire.objects.get(participant=team.participant, rater=busy), True,
                                  actor=team.manager.user)
    assert approved.warning.startswith(f"{busy} now has 9 open questionnaires (more than 8)")
    assert approved.status == S.PENDING  # a warning, not a refusal


# --- the pages ------------------------------------------------------------------------------------


def url(name: str, pk: int) -> str:
    from django.urls import reverse

    return reverse(f"assessments:{name}", args=[pk])


def test_the_leader_finds_colleagues_and_nominates_them_from_the_page(client, team, colleagues):
    client.force_login(team.leader.user)
    participant = team.participant
    page = client.get(url("participant_detail", participant.pk), {"q": "colleague"})
    assert page.status_code == 200
    found = visible_text(page).split("Nominate a peer")[1]
    assert "Colleague0 Peer" in found and "Mona Manager" not in found
    response = client.post(url("nominate", participant.pk), {"kind": "peer", "person": colleagues[0].pk}, follow=True)
    assert "Colleague0 Peer nominated." in visible_text(response)
    # Already nominated: no longer offered.
    assert "Colleague0 Peer" not in visible_text(client.get(url("participant_detail", participant.pk), {"q": "colleague0"})
                                                 ).split("Nominate a peer")[1]
    response = client.post(url("nominate", participant.pk), {"kind": "external", "name": "Carla Client",
                                                               "email": "carla@customer.example"}, follow=True)
    assert "Carla Client nominated." in visible_text(response)
    assert Questionnaire.objects.filter(participant=participant, status=S.NOMINATED).count() == 2


@pytest.mark.parametrize("data, message", [
    ({"kind": "peer", "person": "self"}, "You cannot nominate yourself"),
    ({"kind": "peer", "person": "manager"}, "is your manager"),
    ({"kind": "peer", "person": ""}, "Choose a colleague from the search results."),
    ({"kind": "peer", "person": "999999"}, "Choose a colleague from the search results."),
    ({"kind": "external", "name": "Mona", "email": "manager"}, "who works here: nominate them as a peer instead"),
    ({"kind": "external", "name": "", "email": "x@customer.example"}, "This field is required."),
])
def test_bad_nominations_on_the_page_answer_400_with_the_reason(client, team, data, message):
    client.force_login(team.leader.user)
    people = {"self": team.leader.pk, "manager": team.manager.pk}
    data = dict(data)
    if data.get("person") in people:
        data["person"] = people[data["person"]]
    if data.get("email") == "manager":
        data["email"] = team.manager.user.email
    before = snapshot(team)
    response = client.post(url("nominate", team.participant.pk), data)
    assert response.status_code == 400
    assert message in text(response)
    assert snapshot(team) == before


def test_only_the_leader_nominates_and_only_while_the_cycle_is_open(client, team, colleagues):
    participant = team.participant
    data = {"kind": "peer", "person": colleagues[0].pk}
    for user in (team.manager.user, team.hr):
        client.force_login(user)
        assert client.post(url("nominate", participant.pk), data).status_code == 403
    client.force_login(team.leader.user)
    close(team.cycle, team.hr)
    response = client.post(url("nominate", participant.pk), data)
    assert response.status_code == 403 and "Nominations are made while the cycle is open." in text(response)
    assert not Questionnaire.objects.filter(group=Group.PEER).exists()


def test_submit_on_the_page_then_the_manager_approves_and_rejects(client, team, colleagues):
    participant = team.participant
    leader, manager = team.leader.user, team.manager.user
    client.force_login(leader)
    for person in colleagues[:3]:
        client.post(url("nominate", participant.pk), {"kind": "peer", "person": person.pk})
    response = client.post(url("nominations_submit", participant.pk), follow=True)
    assert "Nominate at least 4 peers (you have 3) before you submit." in visible_text(response)
    participant.refresh_from_db()
    assert participant.nominations_submitted_at is None
    client.post(url("nominate", participant.pk), {"kind": "peer", "person": colleagues[3].pk})
    response = client.post(url("nominations_submit", participant.pk), follow=True)
    assert "Your nominations are with Mona Manager for approval." in visible_text(response)

    client.force_login(manager)
    page = visible_text(client.get(url("participant_detail", participant.pk)))
    assert "Colleague0 Peer" in page and "Awaiting a decision" in page and "Approve all 4 awaiting" in page
    first, second = Questionnaire.objects.filter(participant=participant, group=Group.PEER).order_by("pk")[:2]
    response = client.post(url("nomination_decide", first.pk), {"decision": "approve"}, follow=True)
    assert "The nomination of Colleague0 Peer is approved: they are invited." in visible_text(response)
    response = client.post(url("nomination_decide", first.pk), {"decision": "reject"}, follow=True)
    assert "no longer awaits a decision: it was approved already" in visible_text(response)
    assert client.post(url("nomination_decide", second.pk), {"decision": "maybe"}).status_code == 400
    client.post(url("nomination_decide", second.pk), {"decision": "reject"})
    response = client.post(url("nominations_approve", participant.pk), follow=True)
    assert "2 nominations of Lena Leader approved" in visible_text(response)
    statuses = sorted(Questionnaire.objects.filter(participant=participant, group=Group.PEER).values_list("status", flat=True))
    assert statuses == sorted([S.PENDING, S.PENDING, S.PENDING, S.REJECTED])


def test_the_leader_cannot_decide_and_a_stranger_cannot_see_the_nomination(client, team, colleagues):
    nominated = nominations.nominate_peer(team.participant, colleagues[0], actor=team.leader.user)
    client.force_login(team.leader.user)
    assert client.post(url("nomination_decide", nominated.pk), {"decision": "approve"}).status_code == 403
    client.force_login(colleagues[1].user)
    assert client.post(url("nomination_decide", nominated.pk), {"decision": "approve"}).status_code == 404
    assert client.post(url("nomination_withdraw", nominated.pk)).status_code == 404
    client.force_login(team.manager.user)
    assert client.post(url("nomination_withdraw", nominated.pk)).status_code == 403
    assert Questionnaire.objects.get(pk=nominated.pk).status == S.NOMINATED


def test_the_leader_withdraws_a_nomination_from_the_page(client, team, colleagues):
    nominated = nominations.nominate_peer(team.participant, colleagues[0], actor=team.leader.user)
    client.force_login(team.leader.user)
    response = client.post(url("nomination_withdraw", nominated.pk), follow=True)
    assert "The nomination of Colleague0 Peer is withdrawn." in visible_text(response)
    assert not Questionnaire.objects.filter(pk=nominated.pk).exists()
