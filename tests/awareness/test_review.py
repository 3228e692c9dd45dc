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
    assert org.unit.name in html and 'data-testid="line-chart"' in html and 'data-testid="comparison-chart"' in html
    # Lena, Gus and Cora acknowledged the revision of their role profile in force (see the builder)
    assert "(3 acknowledged of 3 due; before: 3 of 3)" in html
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
    # session + user; 2 x 9 KPI queries (roles, people, assessed, units, actions, reviews, certificates,
    # statement acknowledgements, role profile acknowledgements); the readiness trend (one UNION ALL);
    # the saved review row; the PDF panel's latest document
    with django_assert_num_queries(empty):
        client.get(reverse("awareness:review"), {"period": "2026-Q3"})
    assert empty == 23


def test_the_pdf_is_rendered_from_the_review_source(org):
    review = ManagementReview.objects.create(period_start=org.today - timedelta(days=89), period_end=org.today)
    source = kpi.review_pdf_source(review)
    assert [row[0] for row in source["figures"]][:3] == ["roles_defined", "leaders_assessed", "readiness"]
    assert source["units"] == [[org.unit.name, "66.7", "66.7"]]
    # the four 90-day periods end at T-270, T-180, T-90 and today: the analysis (T-300) counts in all of them
    assert source["trend"]["units"] == [[org.unit.name, ["66.7", "66.7", "66.7", "66.7"]]]
    assert source["acknowledgements"] == [[3, 3], [3, 3]]
    pdf = kpi.render_review_pdf(review)
    assert pdf.startswith(b"%PDF")
    from tests.documents.pdfcheck import check_pdf

    check_pdf(pdf)


def test_a_changed_trend_figure_changes_the_pdf_source(org):
    from gaps.models import LeaderGap

    review = ManagementReview.objects.create(period_start=org.today - timedelta(days=89), period_end=org.today)
    before = kpi.review_pdf_source(review)
    LeaderGap.objects.filter(person=org.cora).update(readiness=Decimal(40))
    after = kpi.review_pdf_source(review)
    assert after["trend"] != before["trend"] and after["trend"]["overall"][-1] == "46.7"  # (33.33 + 66.67 + 40) / 3


def test_the_review_kind_is_registered_for_the_documents_pipeline():
    from documents.registry import get_kind

    kind = get_kind("management_review")
    assert kind.model is ManagementReview and kind.rule == "mreview.view"


def test_the_readiness_trend_reads_four_periods_in_one_query(org, django_assert_num_queries):
    period = _span(org.today, 120)
    with django_assert_num_queries(1):  # the four periods' unit sums, joined with UNION ALL
        trend = kpi.readiness_trend(period)
    # the periods end at T-360, T-240, T-120 and today; the only analysis finished at T-300
    assert trend["labels"] == [p.label for p in kpi.trend_periods(period)]
    assert trend["overall"] == [None, Decimal("66.7"), Decimal("66.7"), Decimal("66.7")]
    assert trend["units"] == [{"name": org.unit.name, "values": [None, Decimal("66.7"), Decimal("66.7"),
                                                                  Decimal("66.7")]}]


def test_the_trend_of_a_quarter_is_it_and_the_three_quarters_before():
    assert [p.label for p in kpi.trend_periods(kpi.parse_period("2026-Q1"))] == ["2025-Q2", "2025-Q3", "2025-Q4",
                                                                                 "2026-Q1"]


def test_acknowledgement_coverage_counts_what_was_due_and_signed_by_each_day(org, django_assert_num_queries):
    from awareness.acknowledgements import coverage_on
    from awareness.models import StatementKind
    from awareness.services import acknowledge_revision
    from tests.awareness.test_statements import new_revision, published
    from tests.evidence.builders import dated
    from tests.factories import TEST_PASSWORD

    with dated(org.days_ago(20)):
        policy = published(org)  # to everyone: Mona, Lena, Gus, Cora, Sam
        objective = published(org, "On-time delivery", kind=StatementKind.OBJECTIVE, applies_to_everyone=False,
                              org_units=[org.unit])  # to the plant: Mona, Lena, Gus, Cora
    with dated(org.days_ago(10)):
        acknowledge_revision(person=org.leader, revision=policy.current_revision, password=TEST_PASSWORD)
        acknowledge_revision(person=org.gus, revision=objective.current_revision, password=TEST_PASSWORD)
    with dated(org.days_ago(5)):
        new_revision(org, policy, "We deliver what we promise, on time.")

    # T-30: only the role profiles of Lena, Gus and Cora, each acknowledged in the revision then in force
    assert coverage_on(org.days_ago(30)) == {"due": 3, "acknowledged": 3}
    # T-15: + policy revision 1 for 5 people and the objective for 4: 12 due, none of them acknowledged yet
    assert coverage_on(org.days_ago(15)) == {"due": 12, "acknowledged": 3}
    # T-8: Lena acknowledged the policy, Gus the objective
    assert coverage_on(org.days_ago(8)) == {"due": 12, "acknowledged": 5}
    # today: policy revision 2 is due from all 5 again; Lena's acknowledgement stays with revision 1
    with django_assert_num_queries(2):  # statement revisions, role profiles
        assert coverage_on(org.today) == {"due": 12, "acknowledged": 4}
    org.stranger.active = False
    org.stranger.save()
    assert coverage_on(org.today) == {"due": 11, "acknowledged": 4}  # Sam left: the policy is not due from him
    figures = kpi.kpis(org.today, period=_span(org.today))
    assert (figures["acknowledgements_due"], figures["acknowledged"]) == (11, 4)
    assert figures["acknowledgement_coverage"] == Decimal("36.4")
