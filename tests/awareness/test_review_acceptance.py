"""Acceptance 3 of issue 13: the management review's KPIs on the demo data equal figures worked out by hand from
what the seed makes, and the scheduled report goes exactly once per period when beat's real schedule entry,
driven by a frozen clock, sends the task through Redis to the real worker.

The demo's dates, from its seed (T = today):
- T-86: the pilot 360° cycle's release and its gap analysis (opened T-110, RELEASED_OPENED_DAYS_AGO; answers
  over 20 days, closed at day 22, released at day 24: demo/seed_assessments.py), rating the first 30 leaders;
- T: everything else: the framework, the five role profiles (approved by quality), the plans, the training
  catalogue, the statements and the acknowledgements (demo/seed_awareness.py).
So the review of the 30 days up to today (previous period: T-59 … T-30) reads the analysis in both periods,
and the role profiles and statements in this one only.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from awareness import review as kpi
from awareness.models import ManagementReview, ReportSend, ReportSubscription, ReviewFrequency
from tests.conftest import worker_log_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    from demo.seed import seed_demo_organisation

    return seed_demo_organisation()  # the default 30 leaders


def _last_30_days() -> kpi.Period:
    today = timezone.localdate()
    return kpi.parse_range((today - timedelta(days=29)).isoformat(), today.isoformat())


def _by_hand_from_the_gap_rows() -> dict:
    """The pilot analysis's figures added up here from its rows, apart from the review's SQL."""
    from gaps.models import LeaderGap

    rows = list(LeaderGap.objects.filter(analysis__current=True).values("readiness", "gaps", "critical_gaps"))
    readiness = [row["readiness"] for row in rows if row["readiness"] is not None]
    return {"assessed": len(readiness), "readiness": (sum(readiness) / len(readiness)).quantize(Decimal("0.1")),
            "critical": sum(row["critical_gaps"] for row in rows),
            "open": sum(row["gaps"] + row["critical_gaps"] for row in rows)}


def test_the_kpis_of_the_demo_equal_the_figures_worked_out_from_the_seed(demo):
    data = kpi.review_figures(_last_30_days())
    now, then = data["now"], data["then"]
    # 5 role profiles (demo/profiles.py), each approved by the quality manager today
    assert (now["roles_total"], now["roles_defined"]) == (5, 5)
    # ... and none existed at T-30
    assert (then["roles_total"], then["roles_defined"]) == (0, 0)
    # 30 leaders, all active; all 30 rated in the pilot, whose analysis (T-86) counts in both periods
    assert (now["leaders"], now["leaders_assessed"], then["leaders_assessed"]) == (30, 30, 30)
    # readiness and gaps: what the pilot's seeded answers (Random("demo-released")) give, the same in both
    # periods (one analysis), and the same when added up from the analysis's rows here
    assert (now["readiness"], now["open_gaps"], now["critical_gaps"]) == (Decimal("54.9"), 134, 23)
    assert (then["readiness"], then["open_gaps"], then["critical_gaps"]) == (Decimal("54.9"), 134, 23)
    by_hand = _by_hand_from_the_gap_rows()
    assert (by_hand["assessed"], by_hand["readiness"], by_hand["open"], by_hand["critical"]) == (30, Decimal("54.9"),
                                                                                                 134, 23)
    # 8 org units each with leaders in the analysis; the one leader of Operations proper is leader 1
    assert len(now["units"]) == 8
    assert {row["name"]: row["leaders"] for row in now["units"].values()} == {
        "Head office": 1, "Operations": 1, "Plant North": 2, "Plant South": 3,  # leader 0; 1; 7, 9; 6, 8, 10
        "Quality & Compliance": 6, "Engineering": 6, "Sales & Customer Service": 6, "People & Finance": 5}
    # the plans' actions are due weeks ahead (devplans drafting: today + DUE_DAYS): none overdue
    assert (now["overdue_actions"], then["overdue_actions"]) == (0, 0)
    # nobody completed training in the demo: no effectiveness review, so no pass rate
    assert (now["overdue_reviews"], now["reviews_judged"], now["pass_rate"]) == (0, 0, None)
    # the demo holds no certificates
    assert (now["expiring_certificates"], then["expiring_certificates"]) == (0, 0)
    # due: policy revision 2 and the complaints objective to all 30, on-time delivery to the 6 in Operations
    # (leaders 1, 6-10), and each of the 30 their role profile's revision 1: 30 + 30 + 6 + 30 = 96;
    # acknowledged (ACKNOWLEDGED in demo/seed_awareness.py): policy 2 by leaders 1-19 (19), complaints by 1-17
    # (17), delivery by 1, 6, 7, 8 (4), role profile by 0-19 (20): 60. Policy 1's ten do not count for 2.
    assert (now["acknowledgements_due"], now["acknowledged"], now["acknowledgement_coverage"]) == (96, 60,
                                                                                                   Decimal("62.5"))
    # everything was published today: nothing was due at T-30
    assert (then["acknowledgements_due"], then["acknowledged"], then["acknowledgement_coverage"]) == (0, 0, None)
    # the trend's periods end at T-90 (before the pilot's analysis), T-60, T-30 and today
    assert data["trend"]["overall"] == [None, Decimal("54.9"), Decimal("54.9"), Decimal("54.9")]


def test_the_demo_visitors_have_statements_waiting(demo):
    from awareness.selectors import current_revisions_for
    from profiles.models import Person

    maria = Person.objects.get(user__email="maria.jensen@demo.proficio.example")
    hugo = Person.objects.get(user__email="hugo.novak@demo.proficio.example")
    # Maria (leader 0, head office) acknowledged policy revision 1 only: revision 2 and complaints wait
    assert sorted(r.statement.title for r in current_revisions_for(maria) if not r.acknowledged) == [
        "Customer complaints answered within five working days", "Quality policy"]
    # Hugo (leader 29, People & Finance) acknowledged nothing
    assert len([r for r in current_revisions_for(hugo) if not r.acknowledged]) == 2


def test_the_review_page_of_the_demo_shows_coverage_and_both_charts(client, demo, django_assert_num_queries):
    from accounts.models import User

    client.force_login(User.objects.get(email="quality@demo.proficio.example"))
    period = _last_30_days()
    query = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    client.get(reverse("awareness:review"), query)  # the first visit saves the period's review row
    # session + user; 2 x 9 KPI queries; the trend; the saved review row; the PDF panel's latest document
    with django_assert_num_queries(23):
        response = client.get(reverse("awareness:review"), query)
    html = response.content.decode()
    assert response.status_code == 200
    assert "62.5%" in html and "(60 acknowledged of 96 due; before: 0 of 0)" in html
    assert 'data-testid="comparison-chart"' in html and 'data-testid="line-chart"' in html
    assert "Sales &amp; Customer Service" in html


def test_the_pdf_of_the_demo_review_is_a_sound_pdf_with_the_trend(demo):
    from tests.documents.pdfcheck import check_pdf

    period = _last_30_days()
    review = ManagementReview.objects.create(period_start=period.start, period_end=period.end)
    source = kpi.review_pdf_source(review)
    assert source["acknowledgements"] == [[60, 96], [0, 0]]
    assert ["Operations", [None, "73.1", "73.1", "73.1"]] in source["trend"]["units"]
    check_pdf(kpi.render_review_pdf(review))


# --- beat's entry, a frozen clock, the real worker ------------------------------------------------------

SUCCEEDED = re.compile(r"Task awareness\.tasks_review\.send_management_reviews\[[^\]]+\] succeeded in [\d.e-]+s: (\d+)")


class FrozenClock:
    """What `app.now()` answers while the test moves it: beat's schedule and its entry's day read it."""

    def __init__(self, app):
        self.app = app
        self.moment: datetime | None = None

    def __call__(self) -> datetime:
        return self.moment.astimezone(self.app.timezone)

    def at(self, *args: int) -> None:
        self.moment = datetime(*args, tzinfo=ZoneInfo(str(self.app.timezone)))


def _tick(scheduler) -> None:
    """Beat's loop for one moment: ticks until the scheduler says the next entry is later."""
    for _ in range(10):
        if scheduler.tick() > 0:
            return
    pytest.fail("beat kept sending at one moment")


def _worker_results(offset: int, expected: int, timeout: float = 120) -> list[int]:
    log = worker_log_path()
    deadline = time.monotonic() + timeout
    while True:
        counts = [int(n) for n in SUCCEEDED.findall(log.read_text()[offset:])]
        if len(counts) >= expected or time.monotonic() > deadline:
            return counts
        time.sleep(0.3)


@pytest.mark.services
def test_beats_entry_on_a_frozen_clock_sends_the_report_once_per_period_through_the_worker(
        celery_worker, settings, monkeypatch, caplog):
    from celery.beat import Scheduler

    from config.celery import app
    from tests.factories import UserFactory
    from accounts.models import Role

    quality = UserFactory(role=Role.QUALITY, email="beat-qm@example.com")
    ReportSubscription.objects.create(user=quality, frequency=ReviewFrequency.QUARTERLY)
    clock = FrozenClock(app)
    monkeypatch.setattr(app, "now", clock)
    clock.at(2027, 1, 4, 6, 0)
    scheduler = Scheduler(app=app, lazy=True)
    scheduler.merge_inplace({"send-management-reviews": settings.CELERY_BEAT_SCHEDULE["send-management-reviews"]})
    offset = len(worker_log_path().read_text())
    caplog.set_level(logging.INFO, logger="celery.beat")
    # Monday 4 and Tuesday 5 January 2027, both in 2027-Q1: the report due both days is 2026-Q4's.
    for moment in [(2027, 1, 4, 6, 29, 50), (2027, 1, 4, 6, 30, 5), (2027, 1, 4, 6, 31), (2027, 1, 4, 23, 59),
                   (2027, 1, 5, 6, 29), (2027, 1, 5, 6, 30, 5), (2027, 1, 5, 12, 0)]:
        clock.at(*moment)
        _tick(scheduler)
    sent_by_beat = [r.getMessage() for r in caplog.records if "Sending due task send-management-reviews" in r.getMessage()]
    assert len(sent_by_beat) == 2  # at 06:30 on each day, at no other moment

    # The worker ran both: the first sent the report, the second found it sent.
    assert _worker_results(offset, expected=2) == [1, 0]
    send = ReportSend.objects.get()
    assert (send.frequency, send.period_start, send.period_end) == (ReviewFrequency.QUARTERLY, date(2026, 10, 1),
                                                                    date(2026, 12, 31))
    assert send.sent_at is not None and send.subscription.user == quality
    # The email went from the worker (its own outbox), not from this process.
    assert not mail.outbox
    # (By the worker's own clock, 1 December 2026 as this is written, the quarter due would be 2026-Q3: the
    # day came from beat's frozen clock, through the entry's kwargs.)
