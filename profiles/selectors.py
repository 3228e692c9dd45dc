"""Reads for role profile, people and org unit pages: a fixed number of queries whatever the size."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db import connection
from django.db.models import Count, OuterRef, QuerySet
from django.db.models.expressions import RawSQL

from accounts.permissions import visible
from competency.models import CompetencyArea, ProficiencyLevel
from core.charts import bar_chart
from core.db import count_of
from core.pagination import url_for_each
from core.trees import depth_first, subtree

from .models import OrgUnit, Person, ProfileStatus, Requirement, RoleProfile


def profiles_for_list(user) -> QuerySet[RoleProfile]:
    """Role profiles with their requirement counts (a subquery on the requirements' index). Holders are
    counted by `holder_counts`, grouped once over the people instead of once per profile."""
    return (
        visible(user, "profile", RoleProfile.objects.all())
        .select_related("framework_version__framework", "approved_by")
        .annotate(requirement_count=count_of(Requirement.objects.filter(profile=OuterRef("pk")), "profile"))
        .order_by("name")
    )


def holder_counts(profile_ids: list[int]) -> dict[int, int]:
    """Active people holding each of the profiles. One grouped query."""
    return dict(
        Person.objects.filter(active=True, role_profile_id__in=profile_ids).order_by()
        .values_list("role_profile_id").annotate(n=Count("pk"))
    )


# --- reporting lines --------------------------------------------------------------------------------
# One recursive query walks a reporting line of any depth (PostgreSQL and SQLite both have WITH
# RECURSIVE); UNION rather than UNION ALL stops even at a loop, which the models refuse anyway.


def unit_and_below(unit_pk: int) -> set[int]:
    """The ids of the org unit and of every unit below it. One query."""
    return subtree(OrgUnit.objects.values_list("pk", "parent_id"), unit_pk)


def reporting_line_ids(manager_pk: int) -> RawSQL:
    """The ids of everyone below `manager_pk`, directly or not, as a subquery for `pk__in`."""
    table = connection.ops.quote_name(Person._meta.db_table)
    return RawSQL(
        f"WITH RECURSIVE line(id) AS (SELECT id FROM {table} WHERE manager_id = %s "
        f"UNION SELECT p.id FROM {table} p JOIN line ON p.manager_id = line.id) SELECT id FROM line",
        [manager_pk],
    )


def in_reporting_line(person_pk: int, manager_pk: int) -> bool:
    """Whether `manager_pk` is above `person_pk` in the line of managers. One query."""
    table = connection.ops.quote_name(Person._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE up(id, manager_id) AS (SELECT id, manager_id FROM {table} WHERE id = %s "
            f"UNION SELECT p.id, p.manager_id FROM {table} p JOIN up ON p.id = up.manager_id) "
            "SELECT 1 FROM up WHERE manager_id = %s LIMIT 1",
            [person_pk, manager_pk],
        )
        return cursor.fetchone() is not None


@dataclass
class RequirementLine:
    code: str
    name: str
    required_level: int
    weight: object
    critical: bool
    bar_percent: float
    competency_id: int
    level_name: str = ""


@dataclass
class AreaRequirements:
    area: CompetencyArea
    lines: list[RequirementLine] = field(default_factory=list)


@dataclass
class ProfileSheet:
    profile: RoleProfile
    levels: list[ProficiencyLevel]
    areas: list[AreaRequirements]
    behaviours: list
    kpis: list
    people_count: int
    approved: bool = False  # the requirements are those of the latest approved revision
    #: Asked for what is approved of a profile never approved yet: nothing applies to anyone.
    pending: bool = False

    @property
    def requirementcount_of(self) -> int:
        return sum(len(area.lines) for area in self.areas)

    chart_legend = (("legend-required", "required level"), ("legend-critical", "critical requirement"))

    def chart(self):
        """The bar chart of required levels (core.charts: server-drawn SVG, whole at every width)."""
        rows = [
            (line.code, f"{line.code} {line.name}: level {line.required_level}" + (", critical" if line.critical else ""),
             line.required_level, line.critical)
            for area in self.areas for line in area.lines
        ]
        return bar_chart(title=f"Required level per competency for {self.profile.name}", rows=rows,
                         levels=[(level.value, level.name) for level in self.levels])


@dataclass
class AreaLabel:
    """The area of an approved requirement, as it was named at approval."""

    pk: int
    name: str


def profile_sheet(profile: RoleProfile, *, with_extras: bool = True, approved_only: bool = False) -> ProfileSheet:
    """Requirements grouped by competency area (in framework order), with what the chart needs.

    `approved_only`: the requirements of the latest approved revision (for people's pages), even
    while the profile is being edited. Queries: levels, requirements (none when approved ones are
    read), behaviours, KPIs, people count.
    """
    levels = list(ProficiencyLevel.objects.filter(scale_id=profile.framework_version.framework.scale_id)
                  .order_by("value"))
    top = max((level.value for level in levels), default=1)
    level_names = {level.value: level.name for level in levels}
    areas: dict[int, AreaRequirements] = {}
    use_snapshot = approved_only and profile.revision > 0
    pending = approved_only and not use_snapshot
    if pending:
        pass  # a draft's requirements apply to nobody until it is approved
    elif use_snapshot:
        rows = sorted(profile.approved_requirements,
                      key=lambda r: (r["area_position"], r["area_id"], r["position"], r["competency_id"]))
        for row in rows:
            bucket = areas.setdefault(row["area_id"], AreaRequirements(area=AreaLabel(row["area_id"], row["area_name"])))
            bucket.lines.append(RequirementLine(
                code=row["code"], name=row["name"], required_level=row["required_level"], weight=row["weight"],
                critical=row["critical"], bar_percent=round(100 * row["required_level"] / top, 1),
                competency_id=row["competency_id"], level_name=level_names.get(row["required_level"], ""),
            ))
    else:
        for requirement in (
            profile.requirements.select_related("competency__area")
            .order_by("competency__area__position", "competency__area_id", "competency__position", "competency_id")
        ):
            competency = requirement.competency
            bucket = areas.setdefault(competency.area_id, AreaRequirements(area=competency.area))
            bucket.lines.append(RequirementLine(
                code=competency.code, name=competency.name, required_level=requirement.required_level,
                weight=requirement.weight, critical=requirement.critical,
                bar_percent=round(100 * requirement.required_level / top, 1), competency_id=competency.pk,
                level_name=level_names.get(requirement.required_level, ""),
            ))
    if not with_extras or pending:
        behaviours, kpis = [], []
    elif use_snapshot:
        approved = profile.approved_expectations or {}
        behaviours = [SimpleNamespace(competency=SimpleNamespace(code=b["code"]), text=b["text"])
                      for b in approved.get("behaviours", [])]
        kpis = [SimpleNamespace(**k) for k in approved.get("kpis", [])]
    else:
        behaviours = list(profile.behaviours.select_related("competency"))
        kpis = list(profile.kpis.all())
    people = profile.people.filter(active=True).count() if with_extras else 0
    return ProfileSheet(profile=profile, levels=levels, areas=list(areas.values()), behaviours=behaviours, kpis=kpis,
                        people_count=people, approved=use_snapshot or profile.status == ProfileStatus.APPROVED,
                        pending=pending)


def people_for_list(user) -> QuerySet[Person]:
    """The people a user may see, in the order of their names, which the index person_list_order serves."""
    return visible(user, "person", Person.objects.all()).order_by(*Person.LIST_ORDER)


@dataclass(frozen=True)
class PersonListRow:
    """What the people list shows of a person: plain values, read in one query, no model objects."""

    pk: int
    url: str
    name: str
    email: str
    employee_id: str
    unit: str
    role: str
    manager: str
    active: bool


def people_rows(pks: list[int]) -> list[PersonListRow]:
    """The people of one page of the list. One query."""
    url = url_for_each("profiles:person_detail")
    rows = Person.objects.filter(pk__in=pks).values_list(
        "pk", "user__first_name", "user__last_name", "user__email", "employee_id", "org_unit__name",
        "role_profile__name", "manager__user__first_name", "manager__user__last_name", "active",
    )
    return [
        PersonListRow(pk=pk, url=url(pk), name=f"{first} {last}".strip() or email, email=email, employee_id=employee_id,
                      unit=unit, role=role or "", manager=f"{manager_first or ''} {manager_last or ''}".strip(),
                      active=active)
        for pk, first, last, email, employee_id, unit, role, manager_first, manager_last, active in rows
    ]


def person_for_page(pk: int) -> QuerySet[Person]:
    return Person.objects.select_related(
        "user", "org_unit", "manager__user", "role_profile__framework_version__framework__scale", "role_profile__approved_by"
    ).filter(pk=pk)


@dataclass
class UnitNode:
    unit: OrgUnit
    depth: int
    people: int


def orgunit_tree() -> list[UnitNode]:
    """All units depth-first, with active people counted per unit. Two queries: the units, and one
    count per unit grouped in the database (not a join that carries every person to the units)."""
    units = list(OrgUnit.objects.select_related("head__user").order_by("name"))
    counts = dict(Person.objects.filter(active=True).order_by().values_list("org_unit_id").annotate(n=Count("pk")))
    children: dict[int | None, list[OrgUnit]] = defaultdict(list)
    for unit in units:
        children[unit.parent_id].append(unit)
    return [UnitNode(unit=unit, depth=depth, people=counts.get(unit.pk, 0))
            for unit, depth in depth_first(children, key=lambda unit: unit.pk)]
