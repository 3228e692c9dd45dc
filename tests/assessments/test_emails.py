"""The emails of a cycle: invitations, the nomination request, reminders on the cycle's days, HR's
"remind now" and the results notice; each recorded once, sent once, to the right person."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from assessments import tasks
from assessments.models import (
    Cycle,
    CycleEmail,
    CycleStatus,
    EmailKind,
    Group,
    Participant,
    Questionnaire,
    QuestionnaireStatus,
    hash_token,
)
from assessments.services import cycles, emails
from core.emails import absolute_url
from tests.assessments.builders import answer, close, open_now, team_cycle
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Calls a service and then runs the tasks it queued on commit (in-process, as without Redis)."""

    def call(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return call


def day(d) -> str:
    return f"{d:%a} {d.day} {d:%b %Y}"


def to(address: str) -> list[mail.EmailMessage]:
    return [message for message in mail.outbox if message.to == [address]]


def one_to(address: str) -> mail.EmailMessage:
    found = to(address)
    assert len(found) == 1, [m.subject for m in found]
    return found[0]


def email_of(questionnaire: Questionnaire) -> str:
    return questionnaire.external_email or questionnaire.rater.user.email


# --- invitations ---------------------------------------------------------------------------------


def test_opening_invites_every_rater_once_with_the_link_to_their_questionnaire(run):
    team = team_cycle(peers=2, reports=1)
    cycle = team.cycle
    close_day = day(cycle.closes_on)

    assert run(emails.send_cycle_emails, cycle.pk) == 5  # self, manager, one report, two peers
    assert len(mail.outbox) == 5
    assert {m.from_email for m in mail.outbox} == {settings.DEFAULT_FROM_EMAIL}

    manager_q = team.questionnaire(Group.MANAGER)
    manager_mail = one_to(team.manager.user.email)
    assert manager_mail.subject == f"Rate Lena Leader, who reports to you, by {close_day}"
    assert absolute_url(f"/assessments/q/{manager_q.pk}/") in manager_mail.body
    assert 'labelled "Manager"' in manager_mail.body

    peer_q = team.questionnaire(Group.PEER)
    peer_mail = one_to(team.peers[0].user.email)
    assert peer_mail.subject == f"Lena Leader asks for your feedback: please answer by {close_day}"
    assert absolute_url(f"/assessments/q/{peer_q.pk}/") in peer_mail.body
    assert "never sees who said what" in peer_mail.body
    assert "There are 4 competencies" in peer_mail.body
    assert f"Hello {team.peers[0].user.first_name}," in peer_mail.body

    report_mail = one_to(team.reports[0].user.email)
    assert "someone who reports to them" in report_mail.body
    assert absolute_url(f"/assessments/q/{team.questionnaire(Group.DIRECT).pk}/") in report_mail.body

    rows = CycleEmail.objects.filter(cycle=cycle)
    assert sorted(rows.values_list("key", flat=True)) == sorted(
        f"invitation:q{q.pk}" for q in Questionnaire.objects.filter(participant__cycle=cycle))
    assert not rows.filter(sent_at__isnull=True).exists()
    assert set(rows.values_list("kind", flat=True)) == {EmailKind.INVITATION}


def test_the_self_assessment_invitation_asks_the_leader_to_rate_themself_and_nominate_raters(run):
    team = team_cycle(peers=0, reports=0)
    run(emails.send_cycle_emails, team.cycle.pk)
    message = one_to(team.leader.user.email)
    close_day = day(team.cycle.closes_on)
    assert message.subject == f"Rate yourself and choose your raters for Cycle leadership by {close_day}"
    assert absolute_url(f"/assessments/participants/{team.participant.pk}/") in message.body
    assert absolute_url(f"/assessments/q/{team.questionnaire(Group.SELF).pk}/") in message.body
    assert "4 to 8 peers" in message.body
    assert "up to 4 people from outside the organisation" in message.body


def test_an_external_rater_gets_a_personal_link_whose_token_is_stored_only_as_a_hash(run):
    team = team_cycle(peers=0, reports=0, externals=1)
    run(emails.send_cycle_emails, team.cycle.pk)
    message = one_to("client0@customer.example")
    external = Questionnaire.objects.get(pk=team.externals[0].pk)
    prefix = absolute_url("/assessments/link/")
    assert prefix in message.body
    token = message.body.split(prefix)[1].split("/")[0]
    assert len(token) >= 40
    assert external.token_hash == hash_token(token) != team.externals[0].token_hash
    assert token not in str(list(Questionnaire.objects.filter(pk=external.pk).values()))
    assert "Hello Client 0," in message.body
    assert "please do not forward it" in message.body


def test_a_second_run_records_and_sends_nothing_new_and_only_new_raters_are_invited_later(run):
    team = team_cycle(peers=1, reports=0)
    assert run(emails.send_cycle_emails, team.cycle.pk) == 3
    assert run(emails.send_cycle_emails, team.cycle.pk) == 0
    assert len(mail.outbox) == 3

    newcomer = PersonFactory(role_profile=team.profile)
    Questionnaire.objects.create(participant=team.participant, group=Group.PEER, rater=newcomer)
    assert run(emails.send_cycle_emails, team.cycle.pk) == 1
    assert len(mail.outbox) == 4
    assert mail.outbox[-1].to == [newcomer.user.email]


def test_no_invitation_goes_to_submitted_declined_nominated_or_rejected_questionnaires(run):
    team = team_cycle(peers=4, reports=0)
    statuses = [QuestionnaireStatus.SUBMITTED, QuestionnaireStatus.DECLINED, QuestionnaireStatus.NOMINATED,
                QuestionnaireStatus.REJECTED]
    for index, status in enumerate(statuses):
        Questionnaire.objects.filter(pk=team.questionnaire(Group.PEER, index).pk).update(status=status)
    run(emails.send_cycle_emails, team.cycle.pk)
    recipients = {m.to[0] for m in mail.outbox}
    assert recipients == {team.leader.user.email, team.manager.user.email}
    assert not any(to(peer.user.email) for peer in team.peers)


def test_raters_whose_account_is_switched_off_get_nothing(run):
    team = team_cycle(peers=1, reports=0)
    peer = team.peers[0]
    peer.user.is_active = False
    peer.user.save()
    run(emails.send_cycle_emails, team.cycle.pk)
    assert not to(peer.user.email)
    assert not CycleEmail.objects.filter(to=peer.user.email).exists()


def test_a_cycle_that_is_not_open_sends_nothing(run):
    team = team_cycle(open_it=False)
    assert run(emails.send_cycle_emails, team.cycle.pk) == 0
    open_now(team.cycle, team.hr)
    close(team.cycle, team.hr)
    assert run(emails.send_cycle_emails, team.cycle.pk) == 0
    assert mail.outbox == []


def test_names_with_ampersands_stay_as_written(run):
    team = team_cycle(peers=1, reports=0)
    Cycle.objects.filter(pk=team.cycle.pk).update(name="R&D <leads> 2026")
    team.leader.user.last_name = "Smith & Sons"
    team.leader.user.save()
    run(emails.send_cycle_emails, team.cycle.pk)
    message = one_to(team.peers[0].user.email)
    assert message.subject.startswith("Lena Smith & Sons asks for your feedback")
    assert "Lena Smith & Sons is rated in R&D <leads> 2026" in message.body
    assert "&amp;" not in message.body and "&lt;" not in message.body


# --- batches and redelivery ----------------------------------------------------------------------


def test_large_sends_are_one_task_per_batch(django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(emails, "SEND_BATCH", 2)
    team = team_cycle(peers=2, reports=1)
    with django_capture_on_commit_callbacks() as queued:
        assert emails.send_cycle_emails(team.cycle.pk) == 5
    assert len(queued) == 3  # 2 + 2 + 1
    assert mail.outbox == []
    for task in queued:
        task()
    assert len(mail.outbox) == 5
    assert not CycleEmail.objects.filter(sent_at__isnull=True).exists()


def test_a_batch_delivered_twice_sends_each_email_once(django_capture_on_commit_callbacks):
    team = team_cycle(peers=2, reports=1)
    with django_capture_on_commit_callbacks():
        emails.send_cycle_emails(team.cycle.pk)
    ids = list(CycleEmail.objects.order_by("pk").values_list("pk", flat=True))
    assert tasks.send_recorded_emails(ids) == 5
    assert tasks.send_recorded_emails(ids) == 0
    assert tasks.send_recorded_emails.delay(ids[:2]).get() == 0
    assert len(mail.outbox) == 5
    assert sorted(m.to[0] for m in mail.outbox) == sorted(CycleEmail.objects.values_list("to", flat=True))


def test_an_email_no_longer_needed_when_its_batch_runs_is_dropped_not_sent(django_capture_on_commit_callbacks):
    team = team_cycle(peers=1, reports=0)
    with django_capture_on_commit_callbacks():
        emails.send_cycle_emails(team.cycle.pk)
    peer_q = team.questionnaire(Group.PEER)
    answer(peer_q, 3)  # submitted before the batch ran
    ids = list(CycleEmail.objects.values_list("pk", flat=True))
    assert emails.send_recorded_emails(ids) == 2
    assert not to(team.peers[0].user.email)
    assert not CycleEmail.objects.filter(questionnaire=peer_q).exists()


def test_a_send_that_fails_leaves_the_email_unsent_for_the_retry(django_capture_on_commit_callbacks, monkeypatch):
    team = team_cycle(peers=0, reports=0, externals=1)
    with django_capture_on_commit_callbacks():
        emails.send_cycle_emails(team.cycle.pk)
    ids = list(CycleEmail.objects.order_by("pk").values_list("pk", flat=True))
    before = Questionnaire.objects.get(pk=team.externals[0].pk).token_hash

    def down(self, messages):
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", down)
    with pytest.raises(OSError):
        emails.send_recorded_emails(ids)
    assert CycleEmail.objects.filter(sent_at__isnull=True).count() == 3
    assert Questionnaire.objects.get(pk=team.externals[0].pk).token_hash == before  # rolled back with the send
    monkeypatch.undo()
    assert emails.send_recorded_emails(ids) == 3


@pytest.mark.usefixtures("postgres")  # batch sizes (and a second connection) as on PostgreSQL, which production runs
def test_recording_takes_the_same_queries_for_5_or_300_raters(django_capture_on_commit_callbacks,
                                                              django_assert_num_queries):
    def cycle_with(externals: int, code: str):
        team = team_cycle(peers=0, reports=0, code=code)
        Questionnaire.objects.bulk_create(
            Questionnaire(participant=team.participant, group=Group.EXTERNAL, external_name=f"Client {n}",
                          external_email=f"c{n}@{code}.example") for n in range(externals))
        return team.cycle

    small, large = cycle_with(3, "small"), cycle_with(298, "large")
    for cycle, count in ((small, 5), (large, 300)):
        with django_capture_on_commit_callbacks() as queued, django_assert_num_queries(7):
            assert emails.send_cycle_emails(cycle.pk) == count
        assert len(queued) == -(-count // emails.SEND_BATCH)


# --- nominations ---------------------------------------------------------------------------------


def submit_nominations(team, *names: str) -> list[Questionnaire]:
    participant = team.participant
    waiting = []
    for n, name in enumerate(names):
        if "@" in name:
            waiting.append(Questionnaire.objects.create(
                participant=participant, group=Group.EXTERNAL, external_name=name.split("@")[0].title(),
                external_email=name, status=QuestionnaireStatus.NOMINATED))
        else:
            first, last = name.split()
            person = PersonFactory(user__first_name=first, user__last_name=last)
            waiting.append(Questionnaire.objects.create(participant=participant, group=Group.PEER, rater=person,
                                                        status=QuestionnaireStatus.NOMINATED))
    Participant.objects.filter(pk=participant.pk).update(nominations_submitted_at=timezone.now())
    return waiting


def test_the_manager_is_asked_once_to_decide_on_the_submitted_nominations(run):
    team = team_cycle(peers=0, reports=0)
    run(emails.send_cycle_emails, team.cycle.pk)
    mail.outbox.clear()
    submit_nominations(team, "Pia Peer", "Paul Peer", "ann@supplier.example")

    assert run(emails.send_cycle_emails, team.cycle.pk) == 1
    message = one_to(team.manager.user.email)
    assert message.subject == "Approve Lena Leader's raters for Cycle leadership: 3 raters waiting for you"
    assert "- Pia Peer, peer" in message.body
    assert "- Ann <ann@supplier.example>, from outside the organisation" in message.body
    assert "3 nominations wait for your decision" in message.body
    assert absolute_url(f"/assessments/participants/{team.participant.pk}/") in message.body
    row = CycleEmail.objects.get(kind=EmailKind.NOMINATION)
    participant = team.participant
    assert row.key == f"nomination:p{participant.pk}:{int(participant.nominations_submitted_at.timestamp())}"
    assert not to("ann@supplier.example")  # nominated, not yet invited

    assert run(emails.send_cycle_emails, team.cycle.pk) == 0
    assert len(mail.outbox) == 1


def test_approved_nominations_are_invited_and_a_new_submission_asks_the_manager_again(run):
    team = team_cycle(peers=0, reports=0)
    pia, paul = submit_nominations(team, "Pia Peer", "Paul Peer")
    run(emails.send_cycle_emails, team.cycle.pk)
    Questionnaire.objects.filter(pk=pia.pk).update(status=QuestionnaireStatus.PENDING)
    mail.outbox.clear()
    assert run(emails.send_cycle_emails, team.cycle.pk) == 1
    assert mail.outbox[0].to == [pia.rater.user.email]

    Participant.objects.filter(pk=team.participant.pk).update(
        nominations_submitted_at=timezone.now() + timedelta(seconds=5))
    assert run(emails.send_cycle_emails, team.cycle.pk) == 1
    message = mail.outbox[-1]
    assert message.to == [team.manager.user.email]
    assert "1 nomination waits for your decision" in message.body

    Questionnaire.objects.filter(pk=paul.pk).update(status=QuestionnaireStatus.REJECTED)
    Participant.objects.filter(pk=team.participant.pk).update(
        nominations_submitted_at=timezone.now() + timedelta(seconds=10))
    assert run(emails.send_cycle_emails, team.cycle.pk) == 0  # nothing waits


def test_nominations_of_a_leader_without_a_manager_go_to_hr(run):
    team = team_cycle(peers=0, reports=0)
    Participant.objects.filter(pk=team.participant.pk).update(manager=None)
    submit_nominations(team, "Pia Peer")
    run(emails.send_cycle_emails, team.cycle.pk)
    message = one_to(team.hr.email)
    assert "They have no manager in Proficio, so the decision is yours." in message.body


# --- reminders -----------------------------------------------------------------------------------


@pytest.fixture
def invited(run):
    """A cycle opened today with everyone invited: self, manager, one report, two peers, one external."""
    team = team_cycle(peers=2, reports=1, externals=1)
    run(emails.send_cycle_emails, team.cycle.pk)
    mail.outbox.clear()
    return team


def test_reminders_fall_on_the_cycle_days_after_opening_and_before_the_close(invited):
    cycle = invited.cycle
    opens = cycle.opens_on
    assert cycle.closes_on == opens + timedelta(days=21)
    due = {d: emails.reminder_keys_due(cycle, opens + timedelta(days=d)) for d in range(-1, 23)}
    assert {d: keys for d, keys in due.items() if keys} == {
        5: ["after5"], 10: ["after10"], 19: ["before2"], 21: ["before0"]}


def test_a_reminder_day_reminds_every_rater_who_has_not_submitted(run, invited):
    cycle = invited.cycle
    answer(invited.questionnaire(Group.PEER, 0), 3)
    Questionnaire.objects.filter(pk=invited.questionnaire(Group.DIRECT).pk).update(
        status=QuestionnaireStatus.DECLINED, decline_reason="On leave")

    assert run(emails.send_due_reminders, today=cycle.opens_on + timedelta(days=3)) == 0
    assert mail.outbox == []

    fifth = cycle.opens_on + timedelta(days=5)
    assert run(emails.send_due_reminders, today=fifth) == 4  # self, manager, one peer, the external
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([invited.leader.user.email, invited.manager.user.email,
                                 invited.peers[1].user.email, "client0@customer.example"])
    assert not to(invited.peers[0].user.email) and not to(invited.reports[0].user.email)

    peer_q = invited.questionnaire(Group.PEER, 1)
    assert CycleEmail.objects.get(questionnaire=peer_q, kind=EmailKind.REMINDER).key == f"reminder:after5:q{peer_q.pk}"
    message = one_to(invited.peers[1].user.email)
    # The reminder is as of the real date: the cycle opened today, so it closes in 21 days.
    assert message.subject == f"Reminder: rate Lena Leader by {day(cycle.closes_on)}: 21 days left"
    assert absolute_url(f"/assessments/q/{peer_q.pk}/") in message.body
    assert "reminders stop once you submit" in message.body


def test_each_reminder_goes_once_even_when_the_daily_task_runs_twice(run, invited):
    fifth = invited.cycle.opens_on + timedelta(days=5)
    assert run(emails.send_due_reminders, today=fifth) == 6
    assert run(emails.send_due_reminders, today=fifth) == 0
    assert run(tasks.send_due_reminders, fifth.isoformat()) == 0
    assert len(mail.outbox) == 6
    assert CycleEmail.objects.filter(kind=EmailKind.REMINDER).count() == 6

    tenth = invited.cycle.opens_on + timedelta(days=10)
    assert run(emails.send_due_reminders, today=tenth) == 6  # the next reminder day is another reminder
    assert len(mail.outbox) == 12


def test_a_started_questionnaire_is_reminded_of_how_many_competencies_are_left(run, invited):
    competencies = invited.competencies()
    peer_q = invited.questionnaire(Group.PEER, 0)
    answer(peer_q, {competencies[0]: 4, competencies[1]: None}, submit=False)  # one rated, one not observed
    run(emails.send_due_reminders, today=invited.cycle.opens_on + timedelta(days=5))
    message = one_to(invited.peers[0].user.email)
    close_day = day(invited.cycle.closes_on)
    assert message.subject == f"Reminder: finish rating Lena Leader by {close_day}: 2 of 4 competencies left"
    assert "2 of 4 competencies are left" in message.body


def test_on_the_close_day_the_reminder_says_it_is_the_last_day(run, invited):
    cycle = invited.cycle
    Cycle.objects.filter(pk=cycle.pk).update(opens_on=timezone.localdate() - timedelta(days=21),
                                             closes_on=timezone.localdate())
    run(emails.send_due_reminders, today=timezone.localdate())
    message = one_to(invited.manager.user.email)
    assert message.subject == "Reminder: today is the last day to rate Lena Leader"
    assert "is the last day to answer" in message.body
    assert CycleEmail.objects.filter(key__startswith="reminder:before0:").count() == 6


def test_the_leaders_reminder_asks_for_nominations_while_none_were_submitted(run, invited):
    run(emails.send_due_reminders, today=invited.cycle.opens_on + timedelta(days=5))
    message = one_to(invited.leader.user.email)
    assert message.subject.startswith("Reminder: rate yourself by")
    assert "You have not chosen your raters yet: 4 to 8 peers" in message.body
    assert absolute_url(f"/assessments/participants/{invited.participant.pk}/") in message.body


def test_an_external_reminder_carries_a_fresh_link_that_replaces_the_old_one(run, invited):
    external = invited.externals[0]
    invitation_hash = Questionnaire.objects.get(pk=external.pk).token_hash
    run(emails.send_due_reminders, today=invited.cycle.opens_on + timedelta(days=5))
    message = one_to(external.external_email)
    prefix = absolute_url("/assessments/link/")
    token = message.body.split(prefix)[1].split("/")[0]
    stored = Questionnaire.objects.get(pk=external.pk).token_hash
    assert stored == hash_token(token) != invitation_hash
    assert "This link replaces the one in earlier emails" in message.body


def test_no_reminder_before_the_invitation_went_out(run):
    team = team_cycle(peers=1, reports=0)  # opened, but the invitations were never sent
    assert run(emails.send_due_reminders, today=team.cycle.opens_on + timedelta(days=5)) == 0
    assert mail.outbox == []


def test_a_closed_cycle_gets_no_reminders_and_a_cycle_past_its_close_is_closed(run, invited):
    cycle = invited.cycle
    Cycle.objects.filter(pk=cycle.pk).update(opens_on=timezone.localdate() - timedelta(days=23),
                                             closes_on=timezone.localdate() - timedelta(days=2))
    assert run(emails.send_due_reminders) == 0
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.CLOSED
    assert mail.outbox == []


def test_emails_recorded_long_ago_and_never_sent_are_sent_by_the_daily_run(django_capture_on_commit_callbacks, run):
    team = team_cycle(peers=1, reports=0)
    with django_capture_on_commit_callbacks():  # recorded, but the queued tasks were lost
        emails.send_cycle_emails(team.cycle.pk)
    CycleEmail.objects.update(created_at=timezone.now() - timedelta(hours=2))
    run(emails.send_due_reminders, today=team.cycle.opens_on + timedelta(days=1))
    assert len(mail.outbox) == 3
    assert not CycleEmail.objects.filter(sent_at__isnull=True).exists()


def test_the_management_command_does_what_the_beat_task_does(invited, django_capture_on_commit_callbacks):
    fifth = invited.cycle.opens_on + timedelta(days=5)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_assessment_reminders", "--date", fifth.isoformat(), stdout=out)
    assert out.getvalue().strip() == f"6 reminders due on {fifth:%d %b %Y}: sent."
    assert len(mail.outbox) == 6
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_assessment_reminders", "--date", fifth.isoformat(), stdout=out)
    assert out.getvalue().startswith("0 reminders due")
    assert len(mail.outbox) == 6
    with pytest.raises(CommandError, match="give the day as YYYY-MM-DD"):
        call_command("send_assessment_reminders", "--date", "5 June")


def test_beat_runs_the_reminders_every_morning():
    entry = settings.CELERY_BEAT_SCHEDULE["send-assessment-reminders"]
    assert entry["task"] == tasks.send_due_reminders.name
    schedule = entry["schedule"]
    assert schedule.hour == {7} and schedule.minute == {0}


# --- remind now ----------------------------------------------------------------------------------


@pytest.fixture
def two_leaders(run):
    """One cycle rating Lena (a report, a peer) and Leo (no report), both reporting to Mona; all invited."""
    team = team_cycle(peers=1, reports=1, open_it=False)
    leo = PersonFactory(org_unit=team.leader.org_unit, manager=team.manager, role_profile=team.profile,
                        user__first_name="Leo", user__last_name="Lion")
    cycles.add_leaders(team.cycle, type(leo).objects.filter(pk=leo.pk), actor=team.hr)
    open_now(team.cycle, team.hr)
    Questionnaire.objects.create(participant=team.participant, group=Group.PEER, rater=team.peers[0])
    run(emails.send_cycle_emails, team.cycle.pk)
    assert len(mail.outbox) == 6
    mail.outbox.clear()
    team.leo = Participant.objects.get(cycle=team.cycle, person=leo)
    return team


def test_hr_reminds_one_leaders_raters_now(run, two_leaders):
    team = two_leaders
    answer(team.questionnaire(Group.PEER), 3)
    assert run(emails.remind_now, team.cycle, participant=team.participant, actor=team.hr) == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [team.leader.user.email, team.manager.user.email, team.reports[0].user.email])
    message = one_to(team.manager.user.email)
    assert message.subject.startswith("Reminder: rate Lena Leader by")
    assert "HR sent you this reminder." in message.body
    assert CycleEmail.objects.filter(key__regex=r"^manual:\d+:q\d+$").count() == 3


def test_hr_reminds_a_whole_cycle_now_and_a_second_click_sends_nothing_twice(run, two_leaders):
    team = two_leaders
    assert run(emails.remind_now, team.cycle, actor=team.hr) == 6
    manager_mails = to(team.manager.user.email)
    assert sorted(m.subject.split(" by ")[0] for m in manager_mails) == [
        "Reminder: rate Lena Leader", "Reminder: rate Leo Lion"]
    assert run(emails.remind_now, team.cycle, actor=team.hr) == 0
    assert run(emails.remind_now, team.cycle, participant=team.leo, actor=team.hr) == 0
    assert len(mail.outbox) == 6


def test_remind_now_is_refused_for_a_closed_cycle_or_a_leader_of_another_cycle(run, two_leaders):
    team = two_leaders
    other = team_cycle(code="other", peers=0, reports=0)
    with pytest.raises(ValidationError, match="is not rated in"):
        emails.remind_now(team.cycle, participant=other.participant, actor=team.hr)
    close(team.cycle, team.hr)
    with pytest.raises(ValidationError, match="is closed: reminders go only to open cycles"):
        emails.remind_now(team.cycle, actor=team.hr)
    assert not CycleEmail.objects.filter(kind=EmailKind.REMINDER).exists()
    assert mail.outbox == []


# --- results -------------------------------------------------------------------------------------


def released(team, number: int = 1, participants=None):
    """What a release leaves behind (assessments.release): the cycle and the leaders it released, stamped."""
    now = timezone.now()
    Cycle.objects.filter(pk=team.cycle.pk).update(status=CycleStatus.RELEASED, release_number=number, released_at=now)
    Participant.objects.filter(pk__in=[p.pk for p in participants] if participants else
                               team.cycle.participants.values("pk")).update(released_at=now)


def test_each_leader_is_told_once_that_their_results_are_released(run, two_leaders):
    team = two_leaders
    close(team.cycle, team.hr)
    released(team)
    assert run(tasks.notify_results, team.cycle.pk) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([team.leader.user.email, team.leo.person.user.email])
    assert not to(team.manager.user.email)
    message = one_to(team.leader.user.email)
    assert message.subject == "Your 360° results for Cycle leadership are ready to read"
    assert absolute_url(f"/assessments/participants/{team.participant.pk}/results/") in message.body
    assert CycleEmail.objects.get(participant=team.participant, kind=EmailKind.RESULTS).key == (
        f"results:r1:p{team.participant.pk}")
    assert run(emails.notify_results, team.cycle) == 0
    assert len(mail.outbox) == 2

    released(team, number=2, participants=[team.leo])  # only Leo's results had new answers
    assert run(emails.notify_results, team.cycle) == 1
    assert len(to(team.leader.user.email)) == 1
    assert to(team.leo.person.user.email)[-1].subject == "Your 360° results for Cycle leadership were updated"


def test_no_results_email_before_a_release(run, two_leaders):
    assert run(emails.notify_results, two_leaders.cycle) == 0
    assert mail.outbox == []


def test_the_send_tasks_are_registered_under_their_names():
    assert {tasks.send_recorded_emails.name, tasks.send_due_reminders.name, tasks.notify_results.name,
            tasks.send_cycle_emails.name} == {
        "assessments.tasks.send_recorded_emails", "assessments.tasks.send_due_reminders",
        "assessments.tasks.notify_results", "assessments.tasks.send_cycle_emails"}
