"""Computing a gap analysis, in the database, from the cells the release stored.

Per batch of leaders (`BATCH_SIZE`) it writes, by INSERT … SELECT with GROUP BY, a row per leader
and frozen requirement, its observed level aggregated from that leader's stored cells, and a row per
leader, aggregated from the first (on PostgreSQL one statement: the leader rows are summed from the
rows the first INSERT returns; elsewhere a second statement reads them back). Once every leader is
written, four more aggregate the leaders per competency for the organisation, each org unit with
its sub-units (a recursive query over the tree) and each role profile. No rating row passes
through Python, and nothing here reads an answer: only `assessments.ResultCell`.

The rules, per leader and requirement of the role profile revision frozen with the cycle:
- observed = Σ weight × mean / Σ weight over the leader's shown cells of that competency: the
  manager's and each shown anonymous group's (a pool at its stored weight). Self, "all others"
  (already made of those cells), suppressed pools and "not observed" (no mean) never count.
- No shown cell with a mean: "no evidence", and the gap stays empty (never a zero gap).
- gap = required − observed when the observed level is lower, else 0 (met); weighted gap = gap ×
  the requirement's weight; a critical requirement not met is a "critical gap".
- Readiness = Σ weight of the requirements met / Σ weight of them all, in % (no evidence is not
  met). A competency the cycle's profile revision does not require is not part of the analysis.

Consistency: each batch is its own transaction, under a lock on the analysis row (a second run of
the same analysis waits and then skips what the first wrote) and a share lock on the cycle row (a
re-release cannot commit its new cells half-way through a batch). Pages read only the cycle's
current analysis, so a run that stops half-way leaves the earlier one shown; running it again
continues where it stopped. When the last batch is done, one transaction writes the aggregates and
makes the newest complete analysis of the release current, deleting the rows of the others: two
runs at once end with one consistent set, whichever finishes first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import Avg
from django.utils import timezone

from assessments.models import CellLabel, Cycle, CycleStatus, Participant, ResultCell
from profiles.models import OrgUnit, Person

from .models import (
    ACTIVE_STATUSES,
    MIN_LEADERS,
    Aggregate,
    AggregateKind,
    Analysis,
    AnalysisStatus,
    GapStatus,
    LeaderGap,
    RequirementGap,
)

logger = logging.getLogger(__name__)

#: Leaders per batch: a transaction, and a progress step, each.
BATCH_SIZE = 500
#: The labels whose cells make the observed level (self and "all others" never do).
OBSERVED_LABELS = (CellLabel.MANAGER, CellLabel.PEER, CellLabel.DIRECT, CellLabel.EXTERNAL, CellLabel.OTHER)


class Superseded(Exception):
    """The cycle changed under the analysis (released again, or no longer released)."""


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _table(model) -> str:
    return _q(model._meta.db_table)


def _placeholders(values: list) -> str:
    return ", ".join(["%s"] * len(values))


def _requirements_sql() -> str:
    """(participant_id, competency_id, required_level, weight, critical) per frozen requirement of the
    participants whose ids fill the placeholders: the JSON list expanded in the database."""
    participants = _table(Participant)
    if connection.vendor == "postgresql":
        return (f"SELECT p.id AS participant_id, r.competency_id, r.required_level, COALESCE(r.weight, 1) AS weight, "
                f"COALESCE(r.critical, false) AS critical FROM {participants} p CROSS JOIN LATERAL "
                "jsonb_to_recordset(p.requirements) AS r(competency_id bigint, required_level integer, weight numeric, "
                "critical boolean) WHERE p.id IN ({ids}) AND r.required_level IS NOT NULL")
    return (f"SELECT p.id AS participant_id, CAST(json_extract(r.value, '$.competency_id') AS INTEGER) AS competency_id, "
            "CAST(json_extract(r.value, '$.required_level') AS INTEGER) AS required_level, "
            "CAST(COALESCE(json_extract(r.value, '$.weight'), 1) AS NUMERIC) AS weight, "
            "COALESCE(json_extract(r.value, '$.critical'), 0) AS critical "
            f"FROM {participants} p, json_each(p.requirements) r "
            "WHERE p.id IN ({ids}) AND json_extract(r.value, '$.required_level') IS NOT NULL")


def _observed_sql() -> str:
    """(participant_id, competency_id, observed, self_level) from the stored cells, grouped."""
    labels = ", ".join(f"'{label.value}'" for label in OBSERVED_LABELS)
    counted = f"c.label IN ({labels}) AND NOT c.suppressed AND c.mean IS NOT NULL AND c.weight > 0"
    return (f"SELECT c.participant_id, c.competency_id, "
            f"ROUND(SUM(CASE WHEN {counted} THEN c.weight * c.mean END) / SUM(CASE WHEN {counted} THEN c.weight END), 2) "
            f"AS observed, MAX(CASE WHEN c.label = '{CellLabel.SELF.value}' THEN c.mean END) AS self_level "
            f"FROM {_table(ResultCell)} c WHERE c.participant_id IN ({{ids}}) GROUP BY c.participant_id, c.competency_id")


def requirement_gaps_sql() -> str:
    """The per-requirement SELECT (its gap and status), for the batch insert and the benchmark's floor."""
    return (
        "SELECT q.participant_id, q.competency_id, q.required_level, q.weight, q.critical, q.observed, q.self_level, "
        "q.gap, q.gap * q.weight AS weighted_gap, "
        f"CASE WHEN q.observed IS NULL THEN '{GapStatus.NONE.value}' WHEN q.gap = 0 THEN '{GapStatus.MET.value}' "
        f"WHEN q.critical THEN '{GapStatus.CRITICAL.value}' ELSE '{GapStatus.GAP.value}' END AS status "
        "FROM (SELECT req.participant_id, req.competency_id, req.required_level, req.weight, req.critical, o.observed, "
        "o.self_level, CASE WHEN o.observed IS NULL THEN NULL WHEN o.observed >= req.required_level THEN 0 "
        "ELSE req.required_level - o.observed END AS gap "
        f"FROM ({_requirements_sql()}) req LEFT JOIN ({_observed_sql()}) o "
        "ON o.participant_id = req.participant_id AND o.competency_id = req.competency_id) q"
    )


_REQUIREMENT_COLUMNS = ("analysis_id", "participant_id", "competency_id", "required_level", "weight", "critical",
                        "observed", "self_level", "gap", "weighted_gap", "status")
_LEADER_COLUMNS = ("analysis_id", "participant_id", "person_id", "org_unit_id", "role_profile_id", "profile_revision",
                   "requirements", "met", "gaps", "critical_gaps", "no_evidence", "readiness", "mean_gap")


def _write_batch(analysis_id: int, ids: list[int]) -> None:
    """One batch: its requirement rows, then its leader rows summed from them. On PostgreSQL that is
    one statement, the leader rows summed from the rows the requirements' INSERT returns; elsewhere
    two, the second reading back what the first wrote. (Reading back on PostgreSQL depends on the
    planner's statistics of a table the run is filling: with none, as for the first analysis of a
    database, its plans read every row written so far at each batch, or worse, once per leader.)"""
    marks = _placeholders(ids)
    select = requirement_gaps_sql().replace("{ids}", marks)
    columns = ", ".join(_q(c) for c in _REQUIREMENT_COLUMNS)
    met, gap, critical, none = (s.value for s in (GapStatus.MET, GapStatus.GAP, GapStatus.CRITICAL, GapStatus.NONE))
    requirements = (f"INSERT INTO {_table(RequirementGap)} ({columns}) SELECT %s, s.participant_id, s.competency_id, "
                    "s.required_level, s.weight, s.critical, s.observed, s.self_level, s.gap, s.weighted_gap, s.status "
                    f"FROM ({select}) s")
    requirements_params = [analysis_id, *ids, *ids]

    def leaders(source: str) -> str:
        return (
            f"INSERT INTO {_table(LeaderGap)} ({', '.join(_q(c) for c in _LEADER_COLUMNS)}) "
            "SELECT %s, p.id, p.person_id, pe.org_unit_id, p.role_profile_id, p.profile_revision, "
            "COALESCE(s.n, 0), COALESCE(s.met, 0), COALESCE(s.gaps, 0), COALESCE(s.critical_gaps, 0), "
            "COALESCE(s.no_evidence, 0), CASE WHEN s.total > 0 THEN ROUND(100 * s.met_weight / s.total, 2) END, "
            f"s.mean_gap FROM {_table(Participant)} p JOIN {_table(Person)} pe ON pe.id = p.person_id "
            "LEFT JOIN (SELECT participant_id, COUNT(*) AS n, "
            f"SUM(CASE WHEN status = '{met}' THEN 1 ELSE 0 END) AS met, "
            f"SUM(CASE WHEN status = '{gap}' THEN 1 ELSE 0 END) AS gaps, "
            f"SUM(CASE WHEN status = '{critical}' THEN 1 ELSE 0 END) AS critical_gaps, "
            f"SUM(CASE WHEN status = '{none}' THEN 1 ELSE 0 END) AS no_evidence, "
            f"SUM(weight) AS total, SUM(CASE WHEN status = '{met}' THEN weight ELSE 0 END) AS met_weight, "
            f"ROUND(AVG(gap), 2) AS mean_gap FROM {source} GROUP BY participant_id) s "
            f"ON s.participant_id = p.id WHERE p.id IN ({marks})")

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"WITH written AS ({requirements} RETURNING participant_id, status, weight, gap) "
                           + leaders("written"), [*requirements_params, analysis_id, *ids])
            return
        cursor.execute(requirements, requirements_params)
        cursor.execute(leaders(f"{_table(RequirementGap)} WHERE analysis_id = %s AND participant_id IN ({marks})"),
                       [analysis_id, analysis_id, *ids, *ids])


def _aggregate_sql(kind: str) -> tuple[str, str]:
    """(the FROM … joins that give each requirement row its group key `k`, the key's column)."""
    rows = (f"{_table(RequirementGap)} r JOIN {_table(LeaderGap)} l "
            "ON l.analysis_id = r.analysis_id AND l.participant_id = r.participant_id")
    if kind == AggregateKind.UNIT:
        return rows + " JOIN tree t ON t.unit_id = l.org_unit_id", "t.ancestor_id"
    if kind == AggregateKind.ROLE:
        return rows, "l.role_profile_id"
    return rows, "NULL"


def _write_aggregates(analysis_id: int) -> None:
    """The heatmaps' cells: per competency (and one all-requirements row with the mean readiness) for
    the organisation, every org unit with its sub-units and every role profile. Figures only where at
    least `MIN_LEADERS` leaders are assessed (leaders, for readiness)."""
    units = _table(OrgUnit)
    tree = (f"WITH RECURSIVE tree(ancestor_id, unit_id) AS (SELECT id, id FROM {units} UNION ALL "
            f"SELECT t.ancestor_id, u.id FROM tree t JOIN {units} u ON u.parent_id = t.unit_id) ")
    below = ", ".join(f"'{s.value}'" for s in (GapStatus.CRITICAL, GapStatus.GAP))
    critical = GapStatus.CRITICAL.value
    enough = f"COUNT(r.gap) >= {MIN_LEADERS}"
    table = _table(Aggregate)
    columns = "analysis_id, kind, org_unit_id, role_profile_id, competency_id, leaders, assessed, mean_gap, " \
              "share_below, share_critical, readiness"
    with connection.cursor() as cursor:
        for kind in (AggregateKind.ORGANISATION, AggregateKind.UNIT, AggregateKind.ROLE):
            joins, key = _aggregate_sql(kind)
            unit_key = key if kind == AggregateKind.UNIT else "NULL"
            role_key = key if kind == AggregateKind.ROLE else "NULL"
            prefix = tree if kind == AggregateKind.UNIT else ""
            group = f"{key}, r.competency_id" if key != "NULL" else "r.competency_id"
            cursor.execute(
                f"{prefix}INSERT INTO {table} ({columns}) SELECT %s, %s, {unit_key}, {role_key}, r.competency_id, "
                f"COUNT(*), COUNT(r.gap), CASE WHEN {enough} THEN ROUND(AVG(r.gap), 2) END, "
                f"CASE WHEN {enough} THEN ROUND(100.0 * SUM(CASE WHEN r.status IN ({below}) THEN 1 ELSE 0 END) "
                f"/ COUNT(r.gap), 2) END, CASE WHEN {enough} THEN ROUND(100.0 * SUM(CASE WHEN r.status = '{critical}' "
                f"THEN 1 ELSE 0 END) / COUNT(r.gap), 2) END, NULL FROM {joins} WHERE r.analysis_id = %s "
                f"{'AND ' + key + ' IS NOT NULL ' if key != 'NULL' else ''}GROUP BY {group}",
                [analysis_id, kind.value, analysis_id])
            leader_joins = f"{_table(LeaderGap)} l" + (" JOIN tree t ON t.unit_id = l.org_unit_id"
                                                        if kind == AggregateKind.UNIT else "")
            cursor.execute(
                f"{prefix}INSERT INTO {table} ({columns}) SELECT %s, %s, {unit_key}, {role_key}, NULL, COUNT(*), "
                f"COUNT(l.readiness), NULL, NULL, NULL, CASE WHEN COUNT(l.readiness) >= {MIN_LEADERS} "
                f"THEN ROUND(AVG(l.readiness), 2) END FROM {leader_joins} WHERE l.analysis_id = %s "
                f"{'AND ' + key + ' IS NOT NULL ' if key != 'NULL' else ''}"
                f"{'GROUP BY ' + key if key != 'NULL' else ''}",
                [analysis_id, kind.value, analysis_id])


def _lock_batch(analysis_id: int, batch_size: int) -> tuple[Analysis, list[int]]:
    """Inside the batch's transaction: the analysis (locked), the cycle checked and share-locked, and
    the ids of the next leaders it has not written yet."""
    analysis = Analysis.objects.select_for_update().get(pk=analysis_id)
    if analysis.status != AnalysisStatus.RUNNING:
        return analysis, []
    lock = " FOR SHARE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT status, release_number FROM {_table(Cycle)} WHERE id = %s{lock}", [analysis.cycle_id])
        status, release_number = cursor.fetchone()
    # While a re-release runs, its new cells are not committed: the batch reads the release it analyses,
    # and the share lock keeps the re-release from committing half-way through the batch.
    if status not in (CycleStatus.RELEASED, CycleStatus.RELEASING) or release_number != analysis.release_number:
        raise Superseded(status)
    written = LeaderGap.objects.filter(analysis_id=analysis_id).values("participant_id")
    ids = list(Participant.objects.filter(cycle_id=analysis.cycle_id).exclude(pk__in=written)
               .order_by("pk").values_list("pk", flat=True)[:batch_size])
    return analysis, ids


def run(analysis_id: int, *, after_batch: Callable[[int], None] | None = None) -> Analysis:
    """Computes the analysis batch by batch (continuing a run that stopped), then finishes it. Safe to
    run twice at once and again after it stopped. `after_batch(done)` follows each batch's commit."""
    with transaction.atomic():
        analysis = Analysis.objects.select_for_update().get(pk=analysis_id)
        if analysis.status in (AnalysisStatus.DONE, AnalysisStatus.SUPERSEDED):
            return analysis
        total = Participant.objects.filter(cycle_id=analysis.cycle_id).count()
        analysis.status = AnalysisStatus.RUNNING
        analysis.started_at = analysis.started_at or timezone.now()
        analysis.progress = {"done": LeaderGap.objects.filter(analysis_id=analysis_id).count(), "total": total}
        analysis.save(update_fields=["status", "started_at", "progress", "updated_at"])
    try:
        while True:
            with transaction.atomic():
                analysis, ids = _lock_batch(analysis_id, analysis.batch_size)
                if not ids:
                    break
                _write_batch(analysis_id, ids)
                done = LeaderGap.objects.filter(analysis_id=analysis_id).count()
                analysis.progress = {"done": done, "total": max(total, done)}
                analysis.save(update_fields=["progress", "updated_at"])
            if after_batch is not None:
                after_batch(done)
        if analysis.status == AnalysisStatus.RUNNING:
            return finish(analysis_id)
        return analysis
    except Superseded:
        return _fail(analysis_id, "The cycle was released again while this analysis ran; the new release starts an "
                                  "analysis of its own.", status=AnalysisStatus.SUPERSEDED)
    except Exception as error:
        logger.exception("Gap analysis %s failed", analysis_id)
        return _fail(analysis_id, f"An unexpected error ({type(error).__name__}) stopped it. The earlier results are "
                                  "still shown; try again, and if it fails again tell your administrator.")


def _fail(analysis_id: int, reason: str, *, status: str = AnalysisStatus.FAILED) -> Analysis:
    with transaction.atomic():
        analysis = Analysis.objects.select_for_update().get(pk=analysis_id)
        if analysis.status in ACTIVE_STATUSES:
            analysis.status = status
            analysis.progress = {**analysis.progress, "error": reason}
            analysis.finished_at = timezone.now()
            analysis.save(update_fields=["status", "progress", "finished_at", "updated_at"])
            if status == AnalysisStatus.SUPERSEDED:
                _delete_rows([analysis_id])
    return analysis


def _delete_rows(ids: list[int]) -> None:
    RequirementGap.objects.filter(analysis_id__in=ids).delete()
    LeaderGap.objects.filter(analysis_id__in=ids).delete()
    Aggregate.objects.filter(analysis_id__in=ids).delete()


def _refresh_statistics() -> None:
    """Gives PostgreSQL's planner the row counts of the rows just written. Without them it may take a
    new analysis's rows for a handful and join them by nested loops: the unit aggregates of 10,000
    leaders (400,000 requirement rows) ran for more than ten minutes instead of under half a second.
    A sampled ANALYZE costs a fraction of a second, in autocommit where it can (its lock then lasts
    only as long as it runs); a role that does not own the tables gets a warning, not an error."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {_table(RequirementGap)}, {_table(LeaderGap)}")


def finish(analysis_id: int) -> Analysis:
    """Writes the aggregates and makes the newest complete analysis of the release current; the rows of
    every other analysis of the cycle go. One transaction, under a lock on the cycle's analyses."""
    _refresh_statistics()
    with transaction.atomic():
        cycle_id = Analysis.objects.values_list("cycle_id", flat=True).get(pk=analysis_id)
        siblings = list(Analysis.objects.select_for_update().filter(cycle_id=cycle_id).order_by("pk"))
        analysis = next(a for a in siblings if a.pk == analysis_id)
        if analysis.status != AnalysisStatus.RUNNING:
            return analysis
        Aggregate.objects.filter(analysis_id=analysis_id).delete()
        _write_aggregates(analysis_id)
        leaders = LeaderGap.objects.filter(analysis_id=analysis_id)
        analysis.leaders = leaders.count()
        readiness = leaders.aggregate(mean=Avg("readiness"))["mean"]
        # Half up, as the database's ROUND of every other figure (Python's round() is half-even).
        analysis.readiness = None if readiness is None else Decimal(str(readiness)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP)
        analysis.status = AnalysisStatus.DONE
        analysis.finished_at = timezone.now()
        analysis.progress = {"done": analysis.leaders, "total": analysis.leaders}
        analysis.save()
        complete = [a for a in siblings if a.status == AnalysisStatus.DONE]
        newest = max(complete, key=lambda a: (a.release_number, a.pk))
        others = [a for a in complete if a.pk != newest.pk]
        for other in others:
            other.status = AnalysisStatus.SUPERSEDED
            other.current = False
        if others:
            Analysis.objects.bulk_update(others, ["status", "current"])
            _delete_rows([a.pk for a in others])
        if not newest.current:
            Analysis.objects.filter(pk=newest.pk).update(current=True)
        return Analysis.objects.get(pk=analysis_id)
