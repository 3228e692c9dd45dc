"""Reads shared by pages, exports and tasks. Each runs a fixed number of queries, whatever the size."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from accounts.permissions import visible_frameworks, visible_versions_q

from .models import (
    BehaviouralIndicator,
    Competency,
    CompetencyArea,
    Framework,
    FrameworkVersion,
    IsoClause,
    ProficiencyLevel,
    ReviewComment,
    VersionStatus,
)
from .trees import depth_first


def frameworks_for_list(user) -> QuerySet[Framework]:
    """Frameworks the user may see, each with the latest version the user may see and the published one."""
    latest = FrameworkVersion.objects.filter(visible_versions_q(user), framework=OuterRef("pk")).order_by("-number")
    published = FrameworkVersion.objects.filter(framework=OuterRef("pk"), status=VersionStatus.PUBLISHED)
    return (
        visible_frameworks(user, Framework.objects.all())
        .select_related("owner", "scale")
        .annotate(
            latest_number=Subquery(latest.values("number")[:1]),
            latest_status=Subquery(latest.values("status")[:1]),
            latest_pk=Subquery(latest.values("pk")[:1]),
            published_number=Subquery(published.values("number")[:1]),
            published_pk=Subquery(published.values("pk")[:1]),
            published_effective=Subquery(published.values("effective_date")[:1]),
            competency_count=Subquery(
                Competency.objects.filter(version=OuterRef("latest_pk"))
                .order_by()
                .values("version")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
        )
        .order_by("name")
    )


def framework_versions(framework: Framework, user) -> QuerySet[FrameworkVersion]:
    """The versions of a framework the user reads, newest first, with their counts."""
    visible = framework.versions.filter(visible_versions_q(user)).values("pk")
    return (
        framework.versions.filter(pk__in=visible)
        .select_related("approved_by", "created_by")
        .annotate(
            competency_count=Count("competencies", distinct=True),
            open_comments=Count("comments", filter=Q(comments__status="open"), distinct=True),
        )
        .order_by("-number")
    )


def version_for_page(pk: int) -> QuerySet[FrameworkVersion]:
    return FrameworkVersion.objects.select_related(
        "framework__scale", "framework__owner", "approved_by", "created_by", "based_on"
    ).filter(pk=pk)


@dataclass
class CompetencyNode:
    competency: Competency
    depth: int
    indicators: dict[int, list[str]]
    clauses: list[IsoClause]
    comments: list[ReviewComment] = field(default_factory=list)
    related: list[str] = field(default_factory=list)


@dataclass
class AreaNode:
    area: CompetencyArea
    nodes: list[CompetencyNode]


@dataclass
class VersionTree:
    version: FrameworkVersion
    levels: list[ProficiencyLevel]
    areas: list[AreaNode]
    competency_count: int
    general_comments: list[ReviewComment] = field(default_factory=list)

    def codes(self) -> dict[str, CompetencyNode]:
        return {node.competency.code: node for area in self.areas for node in area.nodes}

    def by_uuid(self) -> dict:
        """Competencies by their UUID, which a revision keeps even when the code changes."""
        return {node.competency.uuid: node for area in self.areas for node in area.nodes}


def version_tree(version: FrameworkVersion, *, with_comments: bool = False) -> VersionTree:
    """The whole tree of a version, depth-first, in display order.

    Queries: levels, areas, competencies, their clauses, indicators (and comments when asked).
    """
    levels = list(ProficiencyLevel.objects.filter(scale_id=version.framework.scale_id).order_by("value"))
    areas = list(version.areas.order_by("position", "pk"))
    competencies = list(
        version.competencies.order_by("position", "pk").prefetch_related(
            Prefetch("clauses", queryset=IsoClause.objects.order_by("sort_key"))
        )
    )
    code_of = {competency.pk: competency.code for competency in competencies}
    related: dict[int, list[str]] = defaultdict(list)
    for source, target in Competency.related.through.objects.filter(from_competency__version=version).values_list(
        "from_competency_id", "to_competency_id"
    ):
        related[source].append(code_of[target])
    indicators: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for competency_id, level, text in (
        BehaviouralIndicator.objects.filter(competency__version=version)
        .order_by("level", "position", "pk")
        .values_list("competency_id", "level", "text")
    ):
        indicators[competency_id][level].append(text)
    comments_by_competency: dict[int | None, list[ReviewComment]] = defaultdict(list)
    if with_comments:
        for comment in version.comments.select_related("author", "resolved_by", "competency"):
            comments_by_competency[comment.competency_id].append(comment)

    children: dict[int | None, list[Competency]] = defaultdict(list)
    for competency in competencies:
        # Keys: the parent competency, or the area itself (negative, apart from competency ids) at the top.
        children[competency.parent_id or -competency.area_id].append(competency)

    area_nodes = []
    for area in areas:
        nodes = [
            CompetencyNode(
                competency=competency,
                depth=depth,
                indicators={level.value: indicators[competency.pk].get(level.value, []) for level in levels},
                clauses=list(competency.clauses.all()),
                comments=comments_by_competency.get(competency.pk, []),
                related=sorted(related[competency.pk]),
            )
            for competency, depth in depth_first(children, key=lambda competency: competency.pk, root=-area.pk)
        ]
        area_nodes.append(AreaNode(area=area, nodes=nodes))
    return VersionTree(
        version=version,
        levels=levels,
        areas=area_nodes,
        competency_count=len(competencies),
        general_comments=comments_by_competency.get(None, []),
    )


# --- differences between two versions ------------------------------------------------------------


@dataclass
class FieldChange:
    label: str
    before: str
    after: str


@dataclass
class CompetencyDiff:
    code: str
    name: str
    kind: str  # "added", "removed" or "changed"
    area: str
    changes: list[FieldChange] = field(default_factory=list)
    indicators_added: list[tuple[int, str]] = field(default_factory=list)
    indicators_removed: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class VersionDiff:
    old: FrameworkVersion
    new: FrameworkVersion
    areas: list[CompetencyDiff]
    competencies: list[CompetencyDiff]

    @property
    def counts(self) -> dict[str, int]:
        result = {"added": 0, "removed": 0, "changed": 0}
        for item in self.competencies:
            result[item.kind] += 1
        return result

    @property
    def is_empty(self) -> bool:
        return not self.areas and not self.competencies


def _describe(node: CompetencyNode, parents: dict[int, str]) -> dict[str, str]:
    competency = node.competency
    return {
        "Code": competency.code,
        "Name": competency.name,
        "Description": competency.description,
        "Parent": parents.get(competency.parent_id, "—"),
        "ISO clauses": ", ".join(c.number for c in node.clauses) or "—",
        "Related": ", ".join(node.related) or "—",
        "Order": str(competency.position),
    }


def version_diff(old: FrameworkVersion, new: FrameworkVersion) -> VersionDiff:
    """Added, removed and changed areas, competencies and indicators.

    Matched by UUID, which a revision keeps, so a new code shows as a change, not as one competency
    removed and another added; versions imported separately match by code instead.
    """
    old_tree, new_tree = version_tree(old), version_tree(new)
    area_diffs: list[CompetencyDiff] = []
    shared = {a.area.uuid for a in old_tree.areas} & {a.area.uuid for a in new_tree.areas}
    area_key = (lambda area: area.uuid) if shared else (lambda area: area.code)
    old_areas = {area_key(a.area): a.area for a in old_tree.areas}
    new_areas = {area_key(a.area): a.area for a in new_tree.areas}
    for key in list(new_areas) + [k for k in old_areas if k not in new_areas]:
        before, after = old_areas.get(key), new_areas.get(key)
        if before is None:
            area_diffs.append(CompetencyDiff(after.code, after.name, "added", after.name))
        elif after is None:
            area_diffs.append(CompetencyDiff(before.code, before.name, "removed", before.name))
        else:
            changes = [
                FieldChange(label, str(getattr(before, attr)), str(getattr(after, attr)))
                for label, attr in (("Code", "code"), ("Name", "name"), ("Description", "description"),
                                    ("Order", "position"))
                if getattr(before, attr) != getattr(after, attr)
            ]
            if changes:
                area_diffs.append(CompetencyDiff(after.code, after.name, "changed", after.name, changes))

    old_uuids, new_uuids = old_tree.by_uuid(), new_tree.by_uuid()
    if old_uuids.keys() & new_uuids.keys():
        old_nodes, new_nodes = old_uuids, new_uuids
    else:
        old_nodes, new_nodes = old_tree.codes(), new_tree.codes()
    old_parents = {n.competency.pk: n.competency.code for n in old_nodes.values()}
    new_parents = {n.competency.pk: n.competency.code for n in new_nodes.values()}
    old_area_codes = {a.area.pk: a.area.code for a in old_tree.areas}
    new_area_codes = {a.area.pk: a.area.code for a in new_tree.areas}
    diffs: list[CompetencyDiff] = []
    for code in list(new_nodes) + [c for c in old_nodes if c not in new_nodes]:
        before, after = old_nodes.get(code), new_nodes.get(code)
        if before is None:
            diffs.append(CompetencyDiff(after.competency.code, after.competency.name, "added",
                                        new_area_codes[after.competency.area_id]))
            continue
        if after is None:
            diffs.append(CompetencyDiff(before.competency.code, before.competency.name, "removed",
                                        old_area_codes[before.competency.area_id]))
            continue
        old_fields, new_fields = _describe(before, old_parents), _describe(after, new_parents)
        old_fields["Area"] = old_area_codes[before.competency.area_id]
        new_fields["Area"] = new_area_codes[after.competency.area_id]
        changes = [FieldChange(label, old_fields[label], new_fields[label]) for label in new_fields
                   if old_fields[label] != new_fields[label]]
        added, removed = [], []
        for level in sorted(before.indicators.keys() | after.indicators.keys()):
            old_texts, new_texts = before.indicators.get(level, []), after.indicators.get(level, [])
            added += [(level, text) for text in new_texts if text not in old_texts]
            removed += [(level, text) for text in old_texts if text not in new_texts]
        if changes or added or removed:
            diffs.append(CompetencyDiff(after.competency.code, after.competency.name, "changed", new_fields["Area"],
                                        changes, added, removed))
    return VersionDiff(old=old, new=new, areas=area_diffs, competencies=diffs)

