"""Scheduled management reviews: each subscriber gets the report of each ended period once.

`send_due_reviews(today)` is what the beat task and `manage.py send_management_reviews` run. For each
subscription the period due is the last one of its frequency that ended before `today` (last week,
last month, last quarter). The `ReportSend` row for (subscription, frequency, period) is claimed by an
insert before the email is built: a second run, a retried task or two workers at once hit the unique
constraint and send nothing. A claimed row whose email failed keeps `sent_at` empty and is tried again
by a run at least STALE_CLAIM later.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core.emails import absolute_url

from . import review as kpi
from .models import ReportSend, ReportSubscription, ReviewFrequency

log = logging.getLogger(__name__)

#: A claimed but unsent report is tried again by a run this long after the claim.
STALE_CLAIM = timedelta(minutes=30)


def period_due(frequency: str, today: date) -> kpi.Period:
    """The last whole period of `frequency` that ended before `today`."""
    if frequency == ReviewFrequency.WEEKLY:
        year, number, _ = (today - timedelta(days=7)).isocalendar()
        return kpi.week(year, number)
    if frequency == ReviewFrequency.MONTHLY:
        last = today.replace(day=1) - timedelta(days=1)
        return kpi.month(last.year, last.month)
    this_quarter = kpi.quarter(today.year, (today.month + 2) // 3)
    return kpi.previous(this_quarter)


def _claim(subscription: ReportSubscription, period: kpi.Period) -> ReportSend | None:
    """The send row of this period if this run may send it: newly claimed, or claimed before and unsent."""
    review = kpi.review_for(period)
    try:
        with transaction.atomic():
            return ReportSend.objects.create(subscription=subscription, frequency=subscription.frequency,
                                             period_start=period.start, period_end=period.end, review=review)
    except IntegrityError:
        pass
    # Claimed before: retried only when unsent and its claim is stale (its run stopped before sending);
    # a run still sending holds a fresh claim, so two runs never send the same period.
    now = timezone.now()
    reclaimed = (ReportSend.objects.filter(subscription=subscription, frequency=subscription.frequency,
                                           period_start=period.start, sent_at__isnull=True,
                                           claimed_at__lt=now - STALE_CLAIM).update(claimed_at=now))
    if not reclaimed:
        return None
    return ReportSend.objects.select_related("review").get(subscription=subscription, frequency=subscription.frequency,
                                                           period_start=period.start)


def _email(send: ReportSend, period: kpi.Period) -> EmailMessage:
    data = kpi.review_figures(period)
    lines = [f"Management review {period.label} ({period.start:%d %b %Y} – {period.end:%d %b %Y}), "
             f"beside {data['previous'].label}:", ""]
    for figure in data["figures"]:
        value = "—" if figure.value is None else f"{figure.value}{figure.unit}"
        before = "—" if figure.previous is None else f"{figure.previous}{figure.unit}"
        if figure.key == "acknowledgement_coverage":  # the counts beside the share, as on the page
            value += f" ({data['now']['acknowledged']} of {data['now']['acknowledgements_due']})"
            before += f" ({data['then']['acknowledged']} of {data['then']['acknowledgements_due']})"
        lines.append(f"- {figure.label}: {value} (previous {before})")
    page = absolute_url(reverse("awareness:review") + f"?from={period.start.isoformat()}&to={period.end.isoformat()}")
    lines += ["", f"The page with its charts: {page}", "The report is attached as a PDF."]
    message = EmailMessage(subject=f"Management review {period.label}", body="\n".join(lines),
                           from_email=settings.DEFAULT_FROM_EMAIL, to=[send.subscription.user.email])
    message.attach(kpi.review_filename(send.review), kpi.render_review_pdf(send.review), "application/pdf")
    return message


def send_due_reviews(today: date | None = None) -> int:
    """Sends every subscriber the report of their last ended period not yet sent; returns how many went."""
    today = today or timezone.localdate()
    sent = 0
    for subscription in ReportSubscription.objects.select_related("user").filter(user__is_active=True):
        period = period_due(subscription.frequency, today)
        send = _claim(subscription, period)
        if send is None:
            continue
        try:
            _email(send, period).send()
        except Exception:  # noqa: BLE001 — the row stays unsent; the next run tries again
            log.exception("Management review %s to %s not sent", period.label, subscription.user.email)
            continue
        ReportSend.objects.filter(pk=send.pk, sent_at__isnull=True).update(sent_at=timezone.now())
        sent += 1
    return sent
