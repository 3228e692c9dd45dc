"""Every email of a cycle: invitations, the nomination request to the manager, reminders, results.

Each email is first recorded as a `CycleEmail` whose (cycle, to, key) is unique, then sent by
`send_recorded_emails` in batches of `SEND_BATCH`, one task per batch, and marked as sent. Recording
twice changes nothing (the unique key; bulk inserts ignore the conflict), and a batch task run twice,
retried or redelivered sends only rows still unsent, each under a row lock. So every invitation and
every reminder goes at most once per questionnaire, however often the tasks run.

Keys:
  invitation:q<questionnaire>                  the invitation (the self-assessment's asks to nominate too)
  nomination:p<participant>:<submitted at>      "approve the raters" to the leader's manager
  reminder:<after|before><days>:q<questionnaire> a reminder on one of the cycle's reminder days
  manual:<unix time>:q<questionnaire>          a reminder HR sent now
  results:r<release number>:p<participant>     "your results are released"

Raters without an account get a personal link. Its token is stored only as a hash, so it cannot be
read back when the email is written: each email to an external rater carries a fresh token, whose
hash is saved in the transaction that sends the email and marks it sent. The newest link works, the
ones before it stop working, and the email says so.
"""

from __future__ import annotations

import logging
import time
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from core.db import queue_after_commit
from core.emails import absolute_url, render_plain

from ..models import (
    OPEN_STATUSES,
    Cycle,
    CycleEmail,
    CycleStatus,
    EmailKind,
    Group,
    Participant,
    Questionnaire,
    QuestionnaireStatus,
)
from ..selectors import answered_of
from . import cycles as cycle_services

logger = logging.getLogger(__name__)

#: Emails per send task.
SEND_BATCH = 100
#: Rows per INSERT when recording.
RECORD_BATCH = 2000
#: Recorded emails still unsent after this long are queued again by the daily task (a queue lost, a
#: worker that died before it took its task); sending them twice is impossible, so this is only late.
STALE_UNSENT = timedelta(hours=1)
#: A second "remind now" within this time skips the questionnaires the first one reached.
MANUAL_REMINDER_GAP = timedelta(hours=1)

TEMPLATES = "assessments/emails/"


# --- recording -----------------------------------------------------------------------------------


def send_cycle_emails(cycle_id: int) -> int:
    """Records, then queues for sending, every email the open cycle owes and has not recorded yet: an
    invitation for each questionnaire waiting for its rater, and a request to each leader's manager
    whose nominations wait for a decision. Returns how many were recorded; running it again records
    nothing new."""
    cycle = Cycle.objects.filter(pk=cycle_id).first()
    if cycle is None or not _sending(cycle):
        return 0
    started = timezone.now()
    with transaction.atomic():
        _record(_invitations(cycle))
        _record(_nomination_requests(cycle))
        return _queue_recorded(cycle, since=started)


def _sending(cycle: Cycle) -> bool:
    return cycle.status == CycleStatus.OPEN and cycle.closes_on >= timezone.localdate()


def _reachable() -> Q:
    """Questionnaires whose rater can receive an email: an active person with an active account, or
    an external rater (who always has an address)."""
    external = Q(rater__isnull=True) & ~Q(external_email="")
    account = Q(rater__active=True, rater__user__is_active=True) & ~Q(rater__user__email="")
    return external | account


def _open_questionnaires(cycle: Cycle):
    return Questionnaire.objects.filter(participant__cycle=cycle, status__in=OPEN_STATUSES).filter(_reachable())


def _address(rater_email: str | None, external_email: str) -> str:
    return rater_email or external_email


def _invitations(cycle: Cycle) -> list[CycleEmail]:
    invited = CycleEmail.objects.filter(questionnaire=OuterRef("pk"), kind=EmailKind.INVITATION)
    rows = (_open_questionnaires(cycle).exclude(Exists(invited))
            .values_list("pk", "participant_id", "rater__user__email", "external_email").order_by("pk"))
    return [CycleEmail(cycle=cycle, questionnaire_id=pk, participant_id=participant_id, kind=EmailKind.INVITATION,
                       key=f"invitation:q{pk}", to=_address(email, external))
            for pk, participant_id, email, external in rows.iterator(chunk_size=RECORD_BATCH)]


def _nomination_requests(cycle: Cycle) -> list[CycleEmail]:
    """One request per submission of nominations, to the manager at opening (HR, who ran the cycle,
    when the leader has none), while some nominations wait for a decision."""
    waiting = Questionnaire.objects.filter(participant=OuterRef("pk"), status=QuestionnaireStatus.NOMINATED)
    participants = (Participant.objects.filter(cycle=cycle, nominations_submitted_at__isnull=False)
                    .filter(Exists(waiting))
                    .values_list("pk", "nominations_submitted_at", "manager__user__email", "manager__active",
                                 "manager__user__is_active"))
    rows = []
    for pk, submitted_at, email, person_active, account_active in participants:
        if not (email and person_active and account_active):
            email = cycle.created_by.email if cycle.created_by.is_active else ""
        if email:
            rows.append(CycleEmail(cycle=cycle, participant_id=pk, kind=EmailKind.NOMINATION,
                                   key=f"nomination:p{pk}:{int(submitted_at.timestamp())}", to=email))
    return rows


def _record(rows: list[CycleEmail]) -> None:
    # Keys already recorded (by an earlier run, or one running now) are skipped by the database.
    CycleEmail.objects.bulk_create(rows, batch_size=RECORD_BATCH, ignore_conflicts=True)


def _queue_recorded(cycle: Cycle, *, since: datetime) -> int:
    """Queues, one task per batch once the transaction commits, the unsent emails recorded since
    `since`, and returns how many."""
    ids = list(CycleEmail.objects.filter(cycle=cycle, sent_at__isnull=True, created_at__gte=since)
               .order_by("pk").values_list("pk", flat=True))
    _queue(ids)
    return len(ids)


def _queue(ids: list[int]) -> None:
    for start in range(0, len(ids), SEND_BATCH):
        queue_after_commit("assessments.tasks.send_recorded_emails", ids[start:start + SEND_BATCH])


# --- reminders -----------------------------------------------------------------------------------


def reminder_keys_due(cycle: Cycle, today: date) -> list[str]:
    """The cycle's reminders due on `today`, as key stems ("after5", "before0"), within its dates."""
    if not cycle.opens_on <= today <= cycle.closes_on:
        return []
    before = sorted(set(cycle.reminders_before_close or []))
    after = sorted(set(cycle.reminders_after_open or []))
    due = [f"before{d}" for d in before if cycle.closes_on - timedelta(days=d) == today]
    due += [f"after{d}" for d in after if cycle.opens_on + timedelta(days=d) == today]
    return due


def send_due_reminders(today: date | None = None) -> int:
    """The daily task: closes the cycles whose close day has passed, then, for each open cycle with a
    reminder due today, records and sends one reminder to each rater who has not submitted. Each
    reminder goes at most once per questionnaire, however often this runs. Also queues again emails
    recorded long ago and still unsent. Returns how many reminders it recorded."""
    cycle_services.close_due_cycles()
    today = today or timezone.localdate()
    recorded = 0
    for cycle in Cycle.objects.filter(status=CycleStatus.OPEN, opens_on__lte=today, closes_on__gte=today):
        due = reminder_keys_due(cycle, today)
        if not due:
            continue
        # Two reminders falling on one day (e.g. "10 after opening" and "11 before the close") are one.
        stem = due[0]
        started = timezone.now()
        with transaction.atomic():
            _record([CycleEmail(cycle=cycle, questionnaire_id=pk, participant_id=participant_id,
                                kind=EmailKind.REMINDER, key=f"reminder:{stem}:q{pk}", to=_address(email, external))
                     for pk, participant_id, email, external in _remindable(cycle)])
            recorded += _queue_recorded(cycle, since=started)
    _requeue_stale()
    return recorded


def _remindable(cycle: Cycle, participant: Participant | None = None):
    """(questionnaire, participant, account email, external email) of the open questionnaires whose
    invitation went out."""
    invited = CycleEmail.objects.filter(questionnaire=OuterRef("pk"), kind=EmailKind.INVITATION, sent_at__isnull=False)
    questionnaires = _open_questionnaires(cycle).filter(Exists(invited))
    if participant is not None:
        questionnaires = questionnaires.filter(participant=participant)
    return (questionnaires.values_list("pk", "participant_id", "rater__user__email", "external_email")
            .order_by("pk").iterator(chunk_size=RECORD_BATCH))


def _requeue_stale() -> int:
    stale = list(CycleEmail.objects.filter(sent_at__isnull=True, created_at__lt=timezone.now() - STALE_UNSENT)
                 .filter(Q(cycle__status=CycleStatus.OPEN) | Q(kind=EmailKind.RESULTS))
                 .order_by("pk").values_list("pk", flat=True))
    if stale:
        logger.warning("Queuing again %d cycle emails recorded over %s ago and never sent.", len(stale), STALE_UNSENT)
        with transaction.atomic():
            _queue(stale)
    return len(stale)


def remind_now(cycle: Cycle, *, participant: Participant | None = None, actor) -> int:
    """HR's "send a reminder now": to the raters of one leader, or of the whole cycle, who have not
    submitted. Questionnaires reminded this way in the last hour are left out, so a second click sends
    nothing twice. Returns how many reminders were recorded for sending."""
    cycle = Cycle.objects.get(pk=cycle.pk)
    if cycle.status != CycleStatus.OPEN:
        raise ValidationError(f"{cycle} is {cycle.get_status_display().lower()}: reminders go only to open cycles.")
    if cycle.closes_on < timezone.localdate():
        raise ValidationError(f"{cycle} closed on {_day(cycle.closes_on)}: extend it first.")
    if participant is not None and participant.cycle_id != cycle.pk:
        raise ValidationError(f"{participant.person} is not rated in {cycle}.")
    now = timezone.now()
    recent = set(CycleEmail.objects.filter(cycle=cycle, key__startswith="manual:",
                                           created_at__gte=now - MANUAL_REMINDER_GAP)
                 .values_list("questionnaire_id", flat=True))
    stamp = int(time.time())
    with transaction.atomic():
        _record([CycleEmail(cycle=cycle, questionnaire_id=pk, participant_id=participant_id, kind=EmailKind.REMINDER,
                            key=f"manual:{stamp}:q{pk}", to=_address(email, external))
                 for pk, participant_id, email, external in _remindable(cycle, participant) if pk not in recent])
        count = _queue_recorded(cycle, since=now)
    logger.info("%s sent a reminder to %d raters in %s%s.", actor, count, cycle,
                f" about {participant.person}" if participant else "")
    return count


# --- results -------------------------------------------------------------------------------------


def notify_results(cycle: Cycle | int) -> int:
    """After a release: tells each leader whose results it released (all at the first release, those
    with new answers at a later one) that their results are there; managers get no email of their own.
    Once per leader and release. Returns how many were recorded."""
    cycle = Cycle.objects.get(pk=cycle if isinstance(cycle, int) else cycle.pk)
    if not cycle.release_number or cycle.released_at is None:
        return 0
    number = cycle.release_number
    started = timezone.now()
    participants = (Participant.objects.filter(cycle=cycle, released_at__gte=cycle.released_at,
                                               person__active=True, person__user__is_active=True)
                    .exclude(person__user__email="").values_list("pk", "person__user__email").order_by("pk"))
    with transaction.atomic():
        _record([CycleEmail(cycle=cycle, participant_id=pk, kind=EmailKind.RESULTS, key=f"results:r{number}:p{pk}",
                            to=email) for pk, email in participants.iterator(chunk_size=RECORD_BATCH)])
        return _queue_recorded(cycle, since=started)


# --- sending -------------------------------------------------------------------------------------


def send_recorded_emails(email_ids: list[int]) -> int:
    """Sends each recorded email of `email_ids` not sent yet, and marks it. Each is claimed under a
    row lock, sent and marked in its own transaction, so a retry, a redelivery or a second task with
    the same ids sends only what is still unsent, and two at once never both send one. An email no
    longer needed (the questionnaire was submitted or declined, the cycle closed) is dropped, not
    sent; should it be needed again, it is recorded again. Returns how many were sent."""
    rows = {row.pk: row for row in _loaded(email_ids)}
    sent = 0
    with mail.get_connection() as connection:
        for pk in email_ids:
            row = rows.get(pk)
            if row is None:
                continue
            with transaction.atomic():
                claimed = list(CycleEmail.objects.select_for_update(skip_locked=True)
                               .filter(pk=pk, sent_at__isnull=True).values_list("pk", flat=True))
                if not claimed:
                    continue  # sent already, or being sent by another run
                message = _compose(row)
                if message is None:
                    CycleEmail.objects.filter(pk=pk).delete()
                    continue
                # Killed between the mail server's "accepted" and the commit below, a run sends this email again
                # on redelivery: the same Message-ID lets mail systems that drop duplicates drop that copy.
                message.extra_headers.setdefault("Message-ID", _message_id(row))
                connection.send_messages([message])
                now = timezone.now()
                CycleEmail.objects.filter(pk=pk).update(sent_at=now)
                if row.kind == EmailKind.INVITATION:
                    Questionnaire.objects.filter(pk=row.questionnaire_id, invited_at__isnull=True).update(
                        invited_at=now)
                sent += 1
    return sent


def _message_id(row: CycleEmail) -> str:
    """The same on every attempt to send one recorded email, and unique beyond its row number (a database
    restored or rebuilt numbers rows again): when it was recorded, at the site's host."""
    host = urlsplit(settings.SITE_URL).hostname or "proficio.invalid"
    return f"<{row.created_at:%Y%m%d%H%M%S%f}.{row.pk}.cycle-email@{host}>"


def _loaded(email_ids: list[int]):
    return (
        CycleEmail.objects.filter(pk__in=email_ids, sent_at__isnull=True)
        .select_related("cycle", "questionnaire__rater__user", "participant__person__user",
                        "participant__manager__user")
        .annotate(answered=answered_of("questionnaire"))
    )


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def _compose(row: CycleEmail) -> mail.EmailMessage | None:
    cycle = row.cycle
    if row.kind == EmailKind.RESULTS:
        return _results_email(row)
    if not _sending(cycle):
        return None
    if row.kind == EmailKind.NOMINATION:
        return _nomination_email(row)
    questionnaire = row.questionnaire
    if questionnaire is None or questionnaire.status not in OPEN_STATUSES:
        return None
    return _questionnaire_email(row, questionnaire)


def _message(subject: str, template: str, context: dict, to: str) -> mail.EmailMessage:
    body = render_plain(TEMPLATES + template, context)
    return mail.EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


def _questionnaire_email(row: CycleEmail, questionnaire: Questionnaire) -> mail.EmailMessage:
    """An invitation or a reminder about one questionnaire."""
    cycle, participant = row.cycle, row.participant
    leader = participant.person
    today = timezone.localdate()
    total = len(participant.requirements)
    left = max(total - row.answered, 0)
    context = {
        "cycle": cycle, "leader": leader, "questionnaire": questionnaire, "group": questionnaire.group,
        "rater_name": _first_name(questionnaire), "close": _day(cycle.closes_on),
        "days_left": (cycle.closes_on - today).days, "competencies": total, "left": left,
        "started": questionnaire.status == QuestionnaireStatus.STARTED,
        "manual": row.key.startswith("manual:"), "external": questionnaire.rater_id is None,
        "min_peers": cycle.min_peers, "max_peers": cycle.max_peers, "max_external": cycle.max_external,
        "nominations_submitted": participant.nominations_submitted_at is not None,
    }
    if questionnaire.rater_id is None:
        token = questionnaire.new_token()
        Questionnaire.objects.filter(pk=questionnaire.pk).update(token_hash=questionnaire.token_hash)
        context["link"] = absolute_url(reverse("assessments:link", kwargs={"token": token}))
    else:
        context["link"] = absolute_url(reverse("assessments:questionnaire", kwargs={"pk": questionnaire.pk}))
    if questionnaire.group == Group.SELF:
        context["participant_link"] = absolute_url(
            reverse("assessments:participant_detail", kwargs={"pk": participant.pk}))
    if row.kind == EmailKind.INVITATION:
        template = "invitation_self.txt" if questionnaire.group == Group.SELF else "invitation.txt"
        subject = _invitation_subject(questionnaire, leader, cycle)
    else:
        template = "reminder.txt"
        subject = _reminder_subject(questionnaire, leader, cycle, context)
    return _message(subject, template, context, row.to)


def _first_name(questionnaire: Questionnaire) -> str:
    if questionnaire.rater_id:
        return questionnaire.rater.user.first_name
    return questionnaire.external_name


def _invitation_subject(questionnaire: Questionnaire, leader, cycle: Cycle) -> str:
    close = _day(cycle.closes_on)
    if questionnaire.group == Group.SELF:
        return f"Rate yourself and choose your raters for {cycle} by {close}"
    if questionnaire.group == Group.MANAGER:
        return f"Rate {leader}, who reports to you, by {close}"
    return f"{leader} asks for your feedback: please answer by {close}"


def _reminder_subject(questionnaire: Questionnaire, leader, cycle: Cycle, context: dict) -> str:
    whom = "yourself" if questionnaire.group == Group.SELF else str(leader)
    left = f"{context['left']} of {context['competencies']} competencies left"
    if context["days_left"] == 0:
        if context["started"]:
            return f"Reminder: today is the last day to finish rating {whom}: {left}"
        return f"Reminder: today is the last day to rate {whom}"
    if context["started"]:
        return f"Reminder: finish rating {whom} by {context['close']}: {left}"
    return f"Reminder: rate {whom} by {context['close']}: {_days(context['days_left'])} left"


def _nomination_email(row: CycleEmail) -> mail.EmailMessage | None:
    participant, cycle = row.participant, row.cycle
    waiting = list(Questionnaire.objects.filter(participant=participant, status=QuestionnaireStatus.NOMINATED)
                   .select_related("rater__user").order_by("group", "pk"))
    if not waiting:
        return None  # decided in the meantime
    leader = participant.person
    is_manager = participant.manager is not None and participant.manager.user.email == row.to
    context = {
        "cycle": cycle, "leader": leader, "waiting": waiting, "count": len(waiting), "is_manager": is_manager,
        "recipient_name": participant.manager.user.first_name if is_manager else cycle.created_by.first_name,
        "close": _day(cycle.closes_on),
        "link": absolute_url(reverse("assessments:participant_detail", kwargs={"pk": participant.pk})),
        "min_peers": cycle.min_peers, "max_peers": cycle.max_peers,
    }
    raters = f"{len(waiting)} rater{'s' if len(waiting) != 1 else ''}"
    subject = f"Approve {leader}'s raters for {cycle}: {raters} waiting for you"
    return _message(subject, "nomination.txt", context, row.to)


def _results_email(row: CycleEmail) -> mail.EmailMessage:
    participant, cycle = row.participant, row.cycle
    number = int(row.key.split(":")[1][1:])
    context = {
        "cycle": cycle, "leader": participant.person, "updated": number > 1,
        "link": absolute_url(reverse("assessments:participant_results", kwargs={"pk": participant.pk})),
    }
    subject = (f"Your 360° results for {cycle} were updated" if number > 1
               else f"Your 360° results for {cycle} are ready to read")
    return _message(subject, "results.txt", context, row.to)
