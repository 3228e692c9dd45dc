"""The management review's KPIs on a small organisation with a past (tests/evidence/builders.py), figures
computed by hand from that organisation's story, the periods, and the page (figures, 400, query count)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from awareness import review as kpi
from awareness.models import ManagementReview
from tests.evidence.builders import build_evidence_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return build_evidence_org()


def _span(end: date, days: int = 365) -> kpi.Period:
    return kpi.Period(end - timedelta(days=days - 1), end, "span")


def test_the_kpis_today_equal_the_hand_computed_figures(org):
    figures = kpi.kpis(org.today, period=_span(org.today))
    # two approved role profiles; five active people, of whom Lena, Gus and Cora were analysed at T-300
    assert (figures["roles_total"], figures["roles_defined"]) == (2, 2)
    assert (figures["leaders"], figures["leaders_assessed"]) == (5, 3)
    # readiness: Lena 1 of 3 met (33.33), Gus 2 of 3 (66.67), Cora 1 of 1 (100) -> mean 66.7
    assert figures["readiness"] == Decimal("66.7")
    assert figures["units"][org.unit.pk] == {"name": org.unit.name, "readiness": Decimal("66.7"), "leaders": 3}
    # gaps: Lena A0-01 critical + A0-02 gap, Gus A0-02 gap
    assert (figures["open_gaps"], figures["critical_gaps"]) == (3, 1)
    # Gus's effectiveness review was due T-140 and never recorded; Lena's recorded T-150, effective
    assert figures["overdue_reviews"] == 1
    assert (figures["reviews_judged"], figures["reviews_effective"], figures["pass_rate"]) == (1, 1, Decimal("100.0"))
    # both safety licences expired at T-30: none left to expire within 90 days
    assert figures["expiring_certificates"] == 0


def test_the_kpis_of_an_earlier_day_read_what_the_records_said_then(org):
    earlier = kpi.kpis(org.days_ago(100), period=_span(org.days_ago(100), 30))
    # T-100: the licences (expiring T-30) fall within 90 days; no review recorded within T-129 … T-100
    assert earlier["expiring_certificates"] == 2
    assert (earlier["reviews_judged"], earlier["pass_rate"]) == (0, None)
    assert earlier["overdue_reviews"] == 1  # Gus's, due T-140
    before_reviews = kpi.kpis(org.days_ago(160), period=_span(org.days_ago(160)))
    assert before_reviews["overdue_reviews"] == 0  # both were due at T-140, later
    before_analysis = kpi.kpis(org.days_ago(350), period=_span(org.days_ago(350)))
    assert (before_analysis["leaders_assessed"], before_analysis["readiness"], before_analysis["open_gaps"]) == (0, None, 0)
    assert before_analysis["units"] == {}
    before_roles = kpi.kpis(org.days_ago(450), period=_span(org.days_ago(450)))
    assert (before_roles["roles_total"], before_roles["roles_defined"]) == (0, 0)


def test_overdue_plan_actions_count_those_not_done_by_the_day(org):
    from devplans.models import Action, ActionStatus

    open_actions = Action.objects.filter(objective__plan=org.plan).exclude(status__in=[ActionStatus.DONE,
                                                                                       ActionStatus.CANCELLED])
    action = open_actions.first() or Action.objects.filter(objective__plan=org.plan).first()
    Action.objects.filter(pk=action.pk).update(due_date=org.days_ago(20), status=ActionStatus.PLANNED, done_on=None)
    baseline = kpi.kpis(org.days_ago(30), period=_span(org.days_ago(30)))["overdue_actions"]
    assert kpi.kpis(org.today, period=_span(org.today))["overdue_actions"] == baseline + 1
    Action.objects.filter(pk=action.pk).update(status=ActionStatus.DONE, done_on=org.days_ago(10))
    assert kpi.kpis(org.days_ago(15), period=_span(org.days_ago(15)))["overdue_actions"] == baseline + 1
    assert kpi.kpis(org.today, period=_span(org.today))["overdue_actions"] == baseline


@pytest.mark.parametrize(("text", "start", "end", "before"), [
    ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31), "2026-Q3"),
    ("2026-q1", date(2026, 1, 1), date(2026, 3, 31), "2025-Q4"),
    ("2026-03", date(2026, 3, 1), date(2026, 3, 31), "2026-02"),
    ("2026-01", date(2026, 1, 1), date(2026, 1, 31), "2025-12"),
    ("2026-W01", date(2025, 12, 29), date(2026, 1, 4), "2025-W52"),
])
def test_it_reads_quarters_months_and_weeks_and_their_previous_period(text, start, end, before):
    period = kpi.parse_period(text)
    assert (period.start, period.end) == (start, end)
    assert kpi.previous(period).label == before


@pytest.mark.parametrize("text", ["", "2026-Q5", "2026-13", "2026-W54", "Q4", "2026-Q4; drop"])
def test_it_refuses_a_period_it_cannot_read(text):
    with pytest.raises(kpi.BadPeriod):
        kpi.parse_period(text)


def test_a_date_range_is_compared_with_as_many_days_before():
    period = kpi.parse_range("2026-11-01", "2026-11-10")
    assert (kpi.previous(period).start, kpi.previous(period).end) == (date(2026, 10, 22), date(2026, 10, 31))
    for start, end in [("2026-11-10", "2026-11-01"), ("2026-11-31", "2026-12-01"), ("x", "")]:
        with pytest.raises(kpi.BadPeriod):
            kpi.parse_range(start, end)


def test_the_page_shows_each_figure_beside_the_previous_period(client, org):
    client.force_login(org.quality)
    end = org.today
    response = client.get(reverse("awareness:review"), {"from": (end - timedelta(days=99)).isoformat(),
                                                        "to": end.isoformat()})
    assert response.status_code == 200
    figures = {f.key: f for f in response.context["data"]["figures"]}
    assert figures["expiring_certificates"].value == 0
    assert figures["expiring_certificates"].previous == 2  # as at T-100
    assert figures["open_gaps"].value == figures["open_gaps"].previous == 3
    html = response.content.decode()
    assert "Certificates expiring within 90 days" in html and "Readiness by org unit" in html
    assert org.unit.name in html and 'data-testid="line-chart"' in html
    assert ManagementReview.objects.filter(period_start=end - timedelta(days=99), period_end=end).count() == 1


@pytest.mark.parametrize("query", [{"period": "2026-Q9"}, {"from": "2026-12-01", "to": "2026-11-01"},
                                   {"from": "2026-12-01"}])
def test_a_bad_period_gives_400_with_the_reason_and_saves_nothing(client, org, query):
    client.force_login(org.quality)
    response = client.get(reverse("awareness:review"), query)
    assert response.status_code == 400
    assert 'data-testid="period-error"' in response.content.decode()
    assert not ManagementReview.objects.exists()


def test_leaders_may_not_read_the_review(client, org):
    client.force_login(org.leader.user)
    assert client.get(reverse("awareness:review")).status_code == 403


def _page_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("awareness:review"), {"period": "2026-Q3"}).status_code == 200
    return len(queries)


def test_the_page_query_count_does_not_grow_with_the_data(client, django_assert_num_queries):
    from tests.factories import UserFactory
    from accounts.models import Role

    quality = UserFactory(role=Role.QUALITY)
    client.force_login(quality)
    _page_queries(client)  # the first visit saves the period's review row
    empty = _page_queries(client)
    build_evidence_org()
    # session + user; 2 x 7 KPI queries (roles, people, assessed, units, actions, reviews, certificates);
    # the saved review row; the PDF panel's latest document
    with django_assert_num_queries(empty):
        client.get(reverse("awareness:review"), {"period": "2026-Q3"})
    assert empty <= 20


def test_the_pdf_is_rendered_from_the_review_source(org):
    review = ManagementReview.objects.create(period_start=org.today - timedelta(days=89), period_end=org.today)
    source = kpi.review_pdf_source(review)
    assert [row[0] for row in source["figures"]][:3] == ["roles_defined", "leaders_assessed", "readiness"]
    assert source["units"] == [[org.unit.name, "66.7", "66.7"]]
    pdf = kpi.render_review_pdf(review)
    assert pdf.startswith(b"%PDF")


def test_the_review_kind_is_registered_for_the_documents_pipeline():
    from documents.registry import get_kind

    kind = get_kind("management_review")
    assert kind.model is ManagementReview and kind.rule == "mreview.view"
