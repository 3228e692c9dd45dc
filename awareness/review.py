"""The management review's competence KPIs (ISO 9001 9.3) for a period, each beside the previous period.

Every figure is computed in the database "as at" the period's last day, so the previous period's figures
read what the records said then (dates of approval, completion, review), not what they say now:

- roles with defined competence: role profiles with an approved revision by that day (audit history);
- leaders assessed: active people whose latest gap analysis finished by that day shows evidence;
- readiness by org unit and overall: the mean readiness of those latest analyses, and open / critical gaps;
- overdue plan actions (approved plans, due before the day, not done by it, not cancelled);
- overdue effectiveness reviews (due before the day, not recorded by it);
- effectiveness pass rate: of the reviews recorded within the period, the share judged effective;
- certificates expiring within 90 days after the day;
- acknowledgement coverage: of the statement and role profile revisions due by the day, the share acknowledged
  by then (awareness.acknowledgements).

A page (and the PDF) asks `review_figures(start, end)`: a fixed number of queries whatever the data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Avg, Count, Exists, IntegerField, OuterRef, Q, Subquery, Sum, Value

from core.history import end_of
from devplans.models import Action, ActionStatus
from gaps.models import AnalysisStatus, LeaderGap
from profiles.models import Person, RoleProfile
from training.models import Certificate, EffectivenessReview

from .acknowledgements import coverage_on

EXPIRY_WINDOW_DAYS = 90


class BadPeriod(ValueError):
    """The period asked for cannot be read (the page answers 400 with this message)."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def quarter(year: int, number: int) -> Period:
    start = date(year, 3 * number - 2, 1)
    return Period(start, _month_after(start, 3) - timedelta(days=1), f"{year}-Q{number}")


def month(year: int, number: int) -> Period:
    start = date(year, number, 1)
    return Period(start, _month_after(start, 1) - timedelta(days=1), f"{year}-{number:02d}")


def week(year: int, number: int) -> Period:
    start = date.fromisocalendar(year, number, 1)
    return Period(start, start + timedelta(days=6), f"{year}-W{number:02d}")


def _month_after(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def parse_period(text: str) -> Period:
    """"2026-Q4", "2026-11" or "2026-W48"."""
    text = (text or "").strip().upper()
    try:
        if m := re.fullmatch(r"(\d{4})-Q([1-4])", text):
            return quarter(int(m[1]), int(m[2]))
        if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            return month(int(m[1]), int(m[2]))
        if m := re.fullmatch(r"(\d{4})-W(\d{2})", text):
            return week(int(m[1]), int(m[2]))
    except ValueError:
        pass
    raise BadPeriod(f"“{text[:20]}” is not a period: write 2026-Q4, 2026-11 or 2026-W48.")


def parse_range(start_text: str, end_text: str) -> Period:
    try:
        start, end = date.fromisoformat(start_text.strip()), date.fromisoformat(end_text.strip())
    except (ValueError, AttributeError):
        raise BadPeriod("Give the dates as YYYY-MM-DD.") from None
    if end < start:
        raise BadPeriod("The period ends before it starts.")
    if (end - start).days > 366 * 3:
        raise BadPeriod("A review covers at most three years.")
    return Period(start, end, f"{start.isoformat()} – {end.isoformat()}")


def previous(period: Period) -> Period:
    """The period just before: the previous quarter, month or week, else as many days before."""
    if re.fullmatch(r"\d{4}-Q[1-4]", period.label):
        start = _month_after(period.start, -3)
        return quarter(start.year, (start.month + 2) // 3)
    if re.fullmatch(r"\d{4}-\d{2}", period.label):
        start = _month_after(period.start, -1)
        return month(start.year, start.month)
    if re.fullmatch(r"\d{4}-W\d{2}", period.label):
        year, number, _ = (period.start - timedelta(days=7)).isocalendar()
        return week(year, number)
    end = period.start - timedelta(days=1)
    start = end - timedelta(days=period.days - 1)
    return Period(start, end, f"{start.isoformat()} – {end.isoformat()}")


def _percent(part: int, whole: int) -> Decimal | None:
    return None if not whole else (Decimal(100) * part / whole).quantize(Decimal("0.1"))


def _latest_leader_gaps(on: date):
    """Each active person's row in the latest gap analysis that had finished by the end of `on`."""
    finished = Q(analysis__status__in=[AnalysisStatus.DONE, AnalysisStatus.SUPERSEDED],
                 analysis__finished_at__lt=end_of(on))
    latest = (LeaderGap.objects.filter(finished, person=OuterRef("person"))
              .order_by("-analysis__finished_at", "-analysis_id").values("pk")[:1])
    return LeaderGap.objects.filter(finished, person__active=True, pk=Subquery(latest))


def kpis(on: date, *, period: Period) -> dict:
    """The KPIs as at the end of `on` (reviews passed: those recorded within `period`). 9 queries."""
    end = end_of(on)
    # 1: role profiles, and those with an approved revision by then (audit history of approvals)
    approved = RoleProfile.history.model.objects.filter(id=OuterRef("pk"), revision__gte=1, history_date__lt=end)
    roles = RoleProfile.objects.filter(created_at__lt=end).aggregate(
        total=Count("pk"), defined=Count("pk", filter=Q(Exists(approved))))
    # 2: active leaders
    leaders = Person.objects.filter(active=True).count()  # people keep no start date: today's active ones
    # 3: latest analyses: assessed, readiness, gaps
    latest = _latest_leader_gaps(on)
    totals = latest.aggregate(assessed=Count("pk", filter=Q(readiness__isnull=False)), readiness=Avg("readiness"),
                              gaps=Sum("gaps"), critical=Sum("critical_gaps"))
    # 4: readiness per org unit (the unit the leader was in when the analysis ran)
    units = list(latest.filter(readiness__isnull=False).values("org_unit_id", "org_unit__name")
                 .annotate(readiness=Avg("readiness"), leaders=Count("pk")).order_by("org_unit__name"))
    # 5: overdue plan actions
    overdue_actions = (Action.objects.filter(objective__plan__approved_at__lt=end, due_date__lt=on)
                       .exclude(status=ActionStatus.CANCELLED)
                       .filter(Q(done_on__isnull=True) | Q(done_on__gt=on)).count())
    # 6: effectiveness reviews: overdue as at the day, and those recorded within the period
    reviews = EffectivenessReview.objects.aggregate(
        overdue=Count("pk", filter=Q(due_on__lt=on) & (Q(reviewed_on__isnull=True) | Q(reviewed_on__gt=on))),
        judged=Count("pk", filter=Q(reviewed_on__range=(period.start, period.end), effective__isnull=False)),
        effective=Count("pk", filter=Q(reviewed_on__range=(period.start, period.end), effective=True)))
    # 7: certificates held by then that expire within the window after the day
    expiring = Certificate.objects.filter(issued_on__lte=on, expires_on__gt=on,
                                          expires_on__lte=on + timedelta(days=EXPIRY_WINDOW_DAYS)).count()
    # 8, 9: acknowledgements due and made by then (statements, role profiles)
    coverage = coverage_on(on)
    return {
        "roles_total": roles["total"],
        "roles_defined": roles["defined"],
        "leaders": leaders,
        "leaders_assessed": totals["assessed"],
        "readiness": _round(totals["readiness"]),
        "open_gaps": (totals["gaps"] or 0) + (totals["critical"] or 0),
        "critical_gaps": totals["critical"] or 0,
        "units": {row["org_unit_id"]: {"name": row["org_unit__name"] or "No unit", "readiness": _round(row["readiness"]),
                                       "leaders": row["leaders"]} for row in units},
        "overdue_actions": overdue_actions,
        "overdue_reviews": reviews["overdue"],
        "reviews_judged": reviews["judged"],
        "reviews_effective": reviews["effective"],
        "pass_rate": _percent(reviews["effective"], reviews["judged"]),
        "expiring_certificates": expiring,
        "acknowledgements_due": coverage["due"],
        "acknowledged": coverage["acknowledged"],
        "acknowledgement_coverage": _percent(coverage["acknowledged"], coverage["due"]),
    }


def _round(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: object
    previous: object
    unit: str = ""
    better: str = "up"  # which way is good: "up", "down"

    @property
    def change(self) -> object:
        if isinstance(self.value, (int, Decimal)) and isinstance(self.previous, (int, Decimal)):
            return self.value - self.previous
        return None


def review_figures(period: Period) -> dict:
    """Everything the page and the PDF show: the period, the previous one, their KPIs and the figures."""
    before = previous(period)
    now, then = kpis(period.end, period=period), kpis(before.end, period=before)
    figures = [
        Figure("roles_defined", "Roles with defined competence", now["roles_defined"], then["roles_defined"]),
        Figure("leaders_assessed", "Leaders assessed", now["leaders_assessed"], then["leaders_assessed"]),
        Figure("readiness", "Readiness (mean of leaders)", now["readiness"], then["readiness"], "%"),
        Figure("open_gaps", "Open gaps", now["open_gaps"], then["open_gaps"], better="down"),
        Figure("critical_gaps", "Critical gaps", now["critical_gaps"], then["critical_gaps"], better="down"),
        Figure("overdue_actions", "Overdue plan actions", now["overdue_actions"], then["overdue_actions"], better="down"),
        Figure("overdue_reviews", "Overdue effectiveness reviews", now["overdue_reviews"], then["overdue_reviews"],
               better="down"),
        Figure("pass_rate", "Effectiveness pass rate", now["pass_rate"], then["pass_rate"], "%"),
        Figure("expiring_certificates", f"Certificates expiring within {EXPIRY_WINDOW_DAYS} days",
               now["expiring_certificates"], then["expiring_certificates"], better="down"),
        Figure("acknowledgement_coverage", "Acknowledgement coverage", now["acknowledgement_coverage"],
               then["acknowledgement_coverage"], "%"),
    ]
    unit_ids = list(dict.fromkeys([*now["units"], *then["units"]]))
    units = [{"name": (now["units"].get(pk) or then["units"][pk])["name"],
              "readiness": (now["units"].get(pk) or {}).get("readiness"),
              "previous": (then["units"].get(pk) or {}).get("readiness")} for pk in unit_ids]
    units.sort(key=lambda row: row["name"])
    return {"period": period, "previous": before, "now": now, "then": then, "figures": figures, "units": units,
            "trend": readiness_trend(period)}


TREND_PERIODS = 4


def trend_periods(period: Period) -> list[Period]:
    """`period` and the three of its kind before it, oldest first."""
    periods = [period]
    while len(periods) < TREND_PERIODS:
        periods.insert(0, previous(periods[0]))
    return periods


def readiness_trend(period: Period) -> dict:
    """Readiness by org unit (and of all leaders) as at the end of each trend period, in one query: the four
    periods' unit sums joined with UNION ALL, each part as `kpis` reads one day (a period's cost per part;
    the parts are small, grouped per unit). A unit with no assessed leader in a period has None there."""
    periods = trend_periods(period)
    parts = [_latest_leader_gaps(p.end).filter(readiness__isnull=False).order_by()
             .values("org_unit_id", "org_unit__name")
             .annotate(total=Sum("readiness"), leaders=Count("pk"), slot=Value(index, output_field=IntegerField()))
             .values_list("slot", "org_unit_id", "org_unit__name", "total", "leaders")
             for index, p in enumerate(periods)]
    rows = list(parts[0].union(*parts[1:], all=True))
    units: dict = {}
    totals = [[Decimal(0), 0] for _ in periods]
    for slot, unit_id, name, total, leaders in rows:
        units.setdefault(unit_id, {"name": name or "No unit", "values": [None] * len(periods)})
        units[unit_id]["values"][slot] = _round(Decimal(total) / leaders)
        totals[slot][0] += Decimal(total)
        totals[slot][1] += leaders
    overall = [_round(total / leaders) if leaders else None for total, leaders in totals]
    return {"labels": [p.label for p in periods], "overall": overall,
            "units": sorted(units.values(), key=lambda row: row["name"])}


# --- the PDF (documents pipeline kind "management_review") ------------------------------------------

PDF_TEMPLATE = "pdf/management_review.html"


def _text(value) -> str | None:
    return None if value is None else str(value)


def review_pdf_source(review) -> dict:
    """Everything the PDF shows, as JSON-able data: its SHA-256 decides whether a stored PDF is reused."""
    return _source(review_figures(period_of(review)))


def _source(data: dict) -> dict:
    period = data["period"]
    return {
        "period": [period.label, period.start.isoformat(), period.end.isoformat()],
        "previous": [data["previous"].label, data["previous"].start.isoformat(), data["previous"].end.isoformat()],
        "figures": [[f.key, f.label, _text(f.value), _text(f.previous), f.unit] for f in data["figures"]],
        "units": [[row["name"], _text(row["readiness"]), _text(row["previous"])] for row in data["units"]],
        "acknowledgements": [[data["now"]["acknowledged"], data["now"]["acknowledgements_due"]],
                             [data["then"]["acknowledged"], data["then"]["acknowledgements_due"]]],
        "trend": {"labels": data["trend"]["labels"], "overall": [_text(v) for v in data["trend"]["overall"]],
                  "units": [[row["name"], [_text(v) for v in row["values"]]] for row in data["trend"]["units"]]},
    }


def period_of(review) -> Period:
    """The period of a saved review, named as the page names it when it is a quarter, month or week."""
    start, end = review.period_start, review.period_end
    for candidate in (quarter(start.year, (start.month + 2) // 3), month(start.year, start.month),
                      week(*start.isocalendar()[:2])):
        if candidate.start == start and candidate.end == end:
            return candidate
    return Period(start, end, f"{start.isoformat()} – {end.isoformat()}")


def _float(value) -> float | None:
    return None if value is None else float(value)


def readiness_chart(data: dict):
    """The readiness trend: all leaders and each org unit over the four periods, oldest first."""
    from core.charts import line_chart, with_room_for_labels

    trend = data["trend"]
    return with_room_for_labels(line_chart(title="Readiness by org unit", description="Mean readiness of the assessed leaders, of all and of "
                      f"each org unit, as at the end of each of the last {TREND_PERIODS} periods.",
                      x_labels=[_short_label(p) for p in trend_periods(data["period"])],
                      series=[("All leaders", [_float(v) for v in trend["overall"]])]
                      + [(row["name"], [_float(v) for v in row["values"]]) for row in trend["units"]],
                      y_range=(0, 100), y_step=25, unit="%"))


def _short_label(period: Period) -> str:
    """A quarter, month or week by its name; a range of days by its last day (the axis has little room)."""
    return period.label if re.fullmatch(r"\d{4}-(Q[1-4]|\d{2}|W\d{2})", period.label) else f"{period.end:%-d %b %Y}"


def kpi_chart(data: dict):
    """Each KPI of this period as a bar above the previous period's."""
    from core.charts import comparison_chart

    return comparison_chart(title="KPIs against the previous period", description=f"Each KPI as at the end of "
                            f"{data['period'].label} (dark) and of {data['previous'].label} (light).",
                            series=(data["period"].label, data["previous"].label),
                            rows=[(f.label, _float(f.value), _float(f.previous), f.unit) for f in data["figures"]])


def render_review_pdf(review) -> bytes:
    from core.pdf import render_pdf

    data = review_figures(period_of(review))
    source = _source(data)
    return render_pdf(PDF_TEMPLATE, {"source": source, "data": data, "chart": readiness_chart(data),
                                     "kpi_chart": kpi_chart(data)},
                      title=f"Management review {source['period'][0]}",
                      subject="Competence KPIs for the management review (ISO 9001 9.3)")


def review_filename(review) -> str:
    return f"management-review-{review.period_start.isoformat()}-{review.period_end.isoformat()}.pdf"


def review_for(period: Period, *, user=None):
    """The saved review row of `period` (created once; two requests at once find the same row)."""
    from .models import ManagementReview

    review, _ = ManagementReview.objects.get_or_create(period_start=period.start, period_end=period.end,
                                                       defaults={"requested_by": user})
    return review


def register_documents() -> None:
    from django.urls import reverse

    from documents.registry import register

    from .models import ManagementReview

    def page(review) -> str:
        return reverse("awareness:review") + f"?from={review.period_start.isoformat()}&to={review.period_end.isoformat()}"

    register("management_review", model=ManagementReview, render=render_review_pdf, source=review_pdf_source,
             filename=review_filename, rule="mreview.view", label="Management review", page=page)
