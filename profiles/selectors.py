"""Reads for role profile, people and org unit pages: a fixed number of queries whatever the size."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db.models import Count, Q, QuerySet

from accounts.permissions import visible_people, visible_profiles
from competency.models import CompetencyArea, ProficiencyLevel
from competency.trees import depth_first

from .models import OrgUnit, Person, RoleProfile


def profiles_for_list(user) -> QuerySet[RoleProfile]:
    return (
        visible_profiles(user, RoleProfile.objects.all())
        .select_related("framework_version__framework", "approved_by")
        .annotate(
            requirement_count=Count("requirements", distinct=True),
            people_count=Count("people", filter=Q(people__active=True), distinct=True),
        )
        .order_by("name")
    )


@dataclass
class RequirementLine:
    code: str
    name: str
    required_level: int
    weight: object
    critical: bool
    bar_percent: float
    competency_id: int


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

    @property
    def requirement_count(self) -> int:
        return sum(len(area.lines) for area in self.areas)

    CHART_LEFT = 90
    CHART_WIDTH = 480
    ROW = 26

    @property
    def chart_height(self) -> int:
        return self.ROW * self.requirement_count + 40

    def chart(self) -> dict:
        """Geometry of the bar chart of required levels (server-drawn SVG: works in PDFs and without JS)."""
        top = max((level.value for level in self.levels), default=1)
        step = self.CHART_WIDTH / top
        bars = []
        for index, line in enumerate(line for area in self.areas for line in area.lines):
            y = 30 + index * self.ROW
            bars.append({"line": line, "y": y, "text_y": y + 13, "width": round(step * line.required_level, 1)})
        ticks = [{"x": round(self.CHART_LEFT + step * level.value, 1), "level": level} for level in self.levels]
        return {"bars": bars, "ticks": ticks, "left": self.CHART_LEFT, "right": self.CHART_LEFT + self.CHART_WIDTH,
                "height": self.chart_height, "bottom": self.chart_height - 6}


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
    levels = list(ProficiencyLevel.objects.filter(scale_id=profile.framework_version.framework.scale_id))
    top = max((level.value for level in levels), default=1)
    areas: dict[int, AreaRequirements] = {}
    use_snapshot = approved_only and bool(profile.approved_requirements)
    if use_snapshot:
        rows = sorted(profile.approved_requirements,
                      key=lambda r: (r["area_position"], r["area_id"], r["position"], r["competency_id"]))
        for row in rows:
            bucket = areas.setdefault(row["area_id"], AreaRequirements(area=AreaLabel(row["area_id"], row["area_name"])))
            bucket.lines.append(RequirementLine(
                code=row["code"], name=row["name"], required_level=row["required_level"], weight=row["weight"],
                critical=row["critical"], bar_percent=round(100 * row["required_level"] / top, 1),
                competency_id=row["competency_id"],
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
            ))
    if not with_extras:
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
                        people_count=people, approved=use_snapshot or profile.status == "approved")


def people_for_list(user) -> QuerySet[Person]:
    return (
        visible_people(user, Person.objects.all())
        .select_related("user", "org_unit", "role_profile", "manager__user")
        .order_by("user__last_name", "user__first_name", "pk")
    )


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
    """All units depth-first, with active people counted per unit. Two queries."""
    units = list(
        OrgUnit.objects.select_related("head__user")
        .annotate(people_count=Count("people", filter=Q(people__active=True)))
        .order_by("name")
    )
    children: dict[int | None, list[OrgUnit]] = defaultdict(list)
    for unit in units:
        children[unit.parent_id].append(unit)
    return [UnitNode(unit=unit, depth=depth, people=unit.people_count)
            for unit, depth in depth_first(children, key=lambda unit: unit.pk)]
