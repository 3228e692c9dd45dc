"""The read side of development plans: a plan with everything on it, the lists, budget totals, and who
may approve a plan. Each function costs a fixed number of queries whatever the number of plans,
objectives or actions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import Count, DecimalField, Exists, OuterRef, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Role, User
from accounts.permissions import visible
from profiles.models import Person

from .models import CLOSED_ACTIONS, Action, Objective, Plan, PlanStatus, ProgressNote


def managers_above(person_pk: int) -> RawSQL:
    """The ids of everyone above the person in the line of managers, as a subquery for `pk__in` (one
    recursive query, any depth)."""
    table = connection.ops.quote_name(Person._meta.db_table)
    return RawSQL(
        f"WITH RECURSIVE up(id, manager_id) AS (SELECT id, manager_id FROM {table} WHERE id = %s "
        f"UNION SELECT p.id, p.manager_id FROM {table} p JOIN up ON p.id = up.manager_id) "
        "SELECT manager_id FROM up WHERE manager_id IS NOT NULL",
        [person_pk],
    )


def approvers(plan: Plan) -> QuerySet[User]:
    """Who may approve the plan: the person's managers up the line, HR and quality (active accounts;
    never the person: segregation of duties and the rules both keep them out)."""
    return (User.objects.filter(is_active=True)
            .filter(Q(role__in=[Role.HR, Role.QUALITY]) | Q(person__pk__in=managers_above(plan.person_id)))
            .exclude(pk=plan.person.user_id))


def owner_choices(person: Person) -> QuerySet[User]:
    """Who may own an action of the person's plan: the person, their managers up the line, HR and quality."""
    return (User.objects.filter(is_active=True)
            .filter(Q(pk=person.user_id) | Q(role__in=[Role.HR, Role.QUALITY])
                    | Q(person__pk__in=managers_above(person.pk)))
            .order_by("last_name", "first_name", "email"))


def open_plan(person: Person) -> Plan | None:
    return Plan.objects.filter(person=person).exclude(status=PlanStatus.COMPLETED).first()


def latest_plan(person: Person) -> Plan | None:
    """The open plan, or else the newest completed one."""
    return open_plan(person) or Plan.objects.filter(person=person).order_by("-completed_at", "-pk").first()


# --- one plan --------------------------------------------------------------------------------------


@dataclass
class PlanPage:
    plan: Plan
    objectives: list[Objective]
    hours: Decimal = Decimal(0)
    budget: Decimal = Decimal(0)
    timeline: list[tuple[str, list]] = field(default_factory=list)

    @property
    def actions(self) -> list[Action]:
        return [action for objective in self.objectives for action in objective.actions.all()]

    @property
    def overdue(self) -> list[Action]:
        today = timezone.localdate()
        return [a for a in self.actions if not a.closed and a.due_date and a.due_date < today]


def plan_queryset() -> QuerySet[Plan]:
    return Plan.objects.select_related("person__user", "person__org_unit", "person__role_profile", "approved_by",
                                       "returned_by", "source_cycle")


def plan_page(plan: Plan) -> PlanPage:
    """The plan's objectives (with competencies and met cycles), their actions (with owners, programmes and
    enrolments) and the actions' notes (with authors). Three queries."""
    objectives = list(
        Objective.objects.filter(plan=plan).select_related("competency", "met_cycle").prefetch_related(
            Prefetch("actions", queryset=Action.objects.select_related("owner", "programme", "enrolment__session")
                     .prefetch_related(Prefetch("notes", queryset=ProgressNote.objects.select_related("author"))))
        ))
    page = PlanPage(plan=plan, objectives=objectives)
    by_month: dict[tuple[int, int], list] = {}
    for objective in objectives:
        for action in objective.actions.all():
            page.hours += action.hours
            page.budget += action.budget
            if action.due_date:
                by_month.setdefault((action.due_date.year, action.due_date.month), []).append(("action", action))
        if objective.due_date:
            by_month.setdefault((objective.due_date.year, objective.due_date.month), []).append(
                ("objective", objective))
        if objective.check_due:
            by_month.setdefault((objective.check_due.year, objective.check_due.month), []).append(("check", objective))
    for (year, month) in sorted(by_month):
        entries = sorted(by_month[(year, month)], key=lambda e: (_entry_date(e), e[0]))
        page.timeline.append((date(year, month, 1).strftime("%B %Y"), entries))
    return page


def _entry_date(entry) -> date:
    kind, thing = entry
    return thing.check_due if kind == "check" else thing.due_date


# --- lists -----------------------------------------------------------------------------------------


def plans_for_list(user) -> QuerySet[Plan]:
    """The plans the user may see, with their counts and totals as subqueries (so no join multiplies
    another). Whoever they are, one query for the page's rows."""
    today = timezone.localdate()
    actions = Action.objects.filter(objective__plan=OuterRef("pk")).order_by().values("objective__plan")
    money = DecimalField(max_digits=12, decimal_places=2)
    return (visible(user, "plan", Plan.objects.all())
            .select_related("person__user", "person__org_unit")
            .annotate(
                objective_count=Coalesce(_subquery(Objective.objects.filter(plan=OuterRef("pk")).order_by()
                                                   .values("plan").annotate(n=Count("pk")).values("n")), Value(0)),
                met_count=Coalesce(_subquery(Objective.objects.filter(plan=OuterRef("pk"), met_at__isnull=False)
                                             .order_by().values("plan").annotate(n=Count("pk")).values("n")), Value(0)),
                budget_total=Coalesce(_subquery(actions.annotate(s=Sum("budget")).values("s"), money),
                                      Value(Decimal(0)), output_field=money),
                overdue_count=Coalesce(_subquery(actions.filter(due_date__lt=today).exclude(status__in=CLOSED_ACTIONS)
                                                 .annotate(n=Count("pk")).values("n")), Value(0)),
            )
            .order_by("person__sort_last_name", "person__sort_first_name", "-created_at", "pk"))


def _subquery(queryset, output_field=None):
    from django.db.models import IntegerField, Subquery

    return Subquery(queryset[:1], output_field=output_field or IntegerField())


def with_overdue_actions(queryset: QuerySet[Plan]) -> QuerySet[Plan]:
    today = timezone.localdate()
    return queryset.filter(Exists(Action.objects.filter(objective__plan=OuterRef("pk"), due_date__lt=today)
                                  .exclude(status__in=CLOSED_ACTIONS)))


@dataclass
class UnitBudget:
    org_unit: str
    plans: int
    hours: Decimal
    budget: Decimal


def budget_by_unit(plans: QuerySet[Plan]) -> list[UnitBudget]:
    """Hours and budget of the actions of `plans` (cancelled actions excluded), per org unit of the
    plans' people, summed in the database. One query."""
    rows = (Action.objects.filter(objective__plan__in=plans.values("pk")).exclude(status="cancelled")
            .order_by().values("objective__plan__person__org_unit__name")
            .annotate(plans=Count("objective__plan", distinct=True), hours=Sum("hours"), budget=Sum("budget"))
            .order_by("objective__plan__person__org_unit__name"))
    return [UnitBudget(row["objective__plan__person__org_unit__name"], row["plans"], row["hours"] or Decimal(0),
                       row["budget"] or Decimal(0)) for row in rows]
