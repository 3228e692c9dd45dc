"""Reads shared by pages, exports and tasks. Each runs a fixed number of queries, whatever the size."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from accounts.permissions import visible
from core.db import count_of, first_free
from core.pagination import url_for_each
from core.trees import depth_first
from core.uploads import ImportFailed

from .models import (
    BehaviouralIndicator,
    CommentStatus,
    Competency,
    CompetencyArea,
    Framework,
    FrameworkImport,
    FrameworkVersion,
    ImportFormat,
    IsoClause,
    ProficiencyLevel,
    ProficiencyScale,
    ReviewComment,
    VersionStatus,
)
from .rules import visible_versions_q


def frameworks_for_list(user) -> QuerySet[Framework]:
    """Frameworks the user may see, each with the latest version the user may see and the published one."""
    latest = FrameworkVersion.objects.filter(visible_versions_q(user), framework=OuterRef("pk")).order_by("-number")
    published = FrameworkVersion.objects.filter(framework=OuterRef("pk"), status=VersionStatus.PUBLISHED)
    return (
        visible(user, "framework", Framework.objects.all())
        .select_related("owner", "scale")
        .annotate(
            latest_number=Subquery(latest.values("number")[:1]),
            latest_status=Subquery(latest.values("status")[:1]),
            latest_pk=Subquery(latest.values("pk")[:1]),
            published_number=Subquery(published.values("number")[:1]),
            published_pk=Subquery(published.values("pk")[:1]),
            published_effective=Subquery(published.values("effective_date")[:1]),
            competency_count=count_of(Competency.objects.filter(version=OuterRef("latest_pk")), "version"),
        )
        .order_by("name")
    )


def framework_versions(framework: Framework, user) -> QuerySet[FrameworkVersion]:
    """The versions of a framework the user reads, newest first, with their counts."""
    readable = framework.versions.filter(visible_versions_q(user)).values("pk")
    return (
        framework.versions.filter(pk__in=readable)
        .select_related("approved_by", "created_by")
        .annotate(
            competency_count=count_of(Competency.objects.filter(version=OuterRef("pk")), "version"),
            open_comments=count_of(ReviewComment.objects.filter(version=OuterRef("pk"), status=CommentStatus.OPEN),
                                 "version"),
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
    url: str = ""

    @property
    def cells(self) -> list[list[str]]:
        """The indicators level by level, in the order of the scale: one table cell each."""
        return list(self.indicators.values())


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

    url = url_for_each("competency:competency_detail")
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
                url=url(competency.pk),
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



# --- scales --------------------------------------------------------------------------------------


def scales_for_list() -> QuerySet[ProficiencyScale]:
    """Every scale with its levels and how many frameworks use it. Three queries."""
    return (
        ProficiencyScale.objects.annotate(framework_count=count_of(Framework.objects.filter(scale=OuterRef("pk")), "scale"))
        .prefetch_related(Prefetch("levels", queryset=ProficiencyLevel.objects.order_by("value")))
        .order_by("name")
    )


def scale_levels_by_scale(scale_ids: list[int] | None = None) -> dict[int, set[int]]:
    """The level values of each scale (of those given, or all). One query."""
    levels = ProficiencyLevel.objects.all() if scale_ids is None else ProficiencyLevel.objects.filter(scale_id__in=scale_ids)
    result: dict[int, set[int]] = defaultdict(set)
    for scale_id, value in levels.values_list("scale_id", "value"):
        result[scale_id].add(value)
    return result


def matching_scale(spec) -> ProficiencyScale | None:
    """An existing scale with exactly the file's level names, in order, and the same proficient level
    (as Moodle matches scales); one of the same name first."""
    wanted = list(spec.level_names)
    names: dict[int, list[str]] = defaultdict(list)
    for scale_id, level_name in ProficiencyLevel.objects.order_by("scale_id", "value").values_list("scale_id", "name"):
        names[scale_id].append(level_name)
    candidates = [scale_id for scale_id, levels in names.items() if levels == wanted]
    scales = sorted(ProficiencyScale.objects.filter(pk__in=candidates, proficient_value=spec.proficient_value),
                    key=lambda scale: (scale.name != spec.name, scale.pk))
    return scales[0] if scales else None


# --- a framework upload waiting for confirmation --------------------------------------------------


@dataclass
class ImportPreview:
    pending: FrameworkImport
    plan: object | None = None  # formats.ImportPlan
    failure: ImportFailed | None = None
    needs_mapping: bool = False
    header: list[str] = field(default_factory=list)
    mapping: dict[str, int] = field(default_factory=dict)
    #: The scales the framework may use: every level that has indicators in the file is on them.
    scale_choices: list[ProficiencyScale] = field(default_factory=list)
    matched_scale: ProficiencyScale | None = None  # the existing scale the file's own scale matches
    default_scale: ProficiencyScale | None = None
    scale_levels: dict[int, list[ProficiencyLevel]] = field(default_factory=dict)
    #: Set when no scale fits: the file's indicators use levels no scale in Proficio has.
    scale_problem: str = ""
    suggested_code: str = ""
    suggested_name: str = ""

    @property
    def new_scale(self):
        """The file's own scale when nothing in Proficio matches it (it is created on confirmation)."""
        plan = self.plan
        return plan.scale if plan is not None and plan.scale is not None and self.matched_scale is None else None


PREVIEW_NODES = 400


def import_preview(pending: FrameworkImport, *, mapping: dict[str, int] | None = None) -> ImportPreview:
    """What a framework upload would become: its tree, the scale it would use and its levels, and any
    problem — all before anything is written. A fixed number of queries for any file."""
    from . import formats  # formats write through the selectors above; imported here to keep one direction

    from .formats import moodle_csv

    preview = ImportPreview(pending=pending)
    options = dict(pending.options)
    try:
        if pending.format == ImportFormat.MOODLE_CSV:
            preview.header = moodle_csv.header(pending.content, options["delimiter"])
            preview.mapping = mapping or options.get("mapping") or moodle_csv.suggest_mapping(preview.header)
        if mapping is not None:
            options["mapping"] = mapping
        preview.plan = formats.read_plan(pending.format, pending.content, options)
    except ImportFailed as failure:
        preview.failure = failure
        return preview
    except formats.NeedsMapping:
        preview.needs_mapping = True
        return preview
    plan = preview.plan
    scales = list(ProficiencyScale.objects.order_by("name"))
    levels: dict[int, list[ProficiencyLevel]] = defaultdict(list)
    for level in ProficiencyLevel.objects.order_by("scale_id", "value"):
        levels[level.scale_id].append(level)
    preview.scale_levels = dict(levels)
    used = plan.indicator_levels
    fitting = [scale for scale in scales if levels.get(scale.pk) and used <= {lv.value for lv in levels[scale.pk]}]
    if plan.scale is not None:
        preview.matched_scale = matching_scale(plan.scale)
        count = len(plan.scale.level_names)
        preview.scale_choices = [scale for scale in fitting if len(levels[scale.pk]) == count
                                 and scale != preview.matched_scale]
        beyond = sorted(level for level in used if level > count)
        problems = plan.scale.problems() + ([f"The file has behavioural indicators for level {beyond[-1]}, but its "
                                             f"own scale has {count} levels."] if beyond else [])
        if problems and preview.matched_scale is None:
            preview.scale_problem = " ".join(problems) + " Correct the file's scale and upload it again."
    else:
        preview.scale_choices = fitting
        preview.default_scale = next((scale for scale in fitting if scale.name == DEFAULT_SCALE_NAME), None) \
            or (fitting[0] if fitting else None)
        if not fitting:
            top = max(used) if used else 0
            preview.scale_problem = (
                f"The file has behavioural indicators for levels up to {top}, and no scale in Proficio has "
                f"level {top}. Create a scale with at least {top} levels, then come back to this page."
            )
    codes = set(Framework.objects.filter(code__startswith=plan.code[:90]).values_list("code", flat=True))
    preview.suggested_code = first_free(plan.code, lambda number: f"{plan.code[:90]}-{number}", codes)
    names = {name.lower() for name in Framework.objects.filter(name__istartswith=plan.name[:180])
             .values_list("name", flat=True)}
    preview.suggested_name = first_free(plan.name, lambda number: f"{plan.name[:180]} ({number})", names,
                                        key=str.lower)
    return preview


DEFAULT_SCALE_NAME = "Proficio 1-5"
