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
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.db import connection, transaction
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
    UnitTree,
)
from .signals import analysis_finished

logger = logging.getLogger(__name__)

#: Leaders per batch: a transaction, and a progress step, each.
BATCH_SIZE = 1000
#: Connections that write batches side by side on PostgreSQL (the analysis is bound by the database's
#: CPU: two connections use two cores).
PARALLEL = 2
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
            f"ROUND(SUM(CASE WHEN {counted} THEN c.weight * c.mean * 1.0 END) / SUM(CASE WHEN {counted} THEN c.weight END), 2) "
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
            "COALESCE(s.no_evidence, 0), CASE WHEN s.total > 0 THEN ROUND(100.0 * s.met_weight / s.total, 2) END, "
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


_PARTIALS = "gaps_partial_sums"  # a temporary table of the finishing connection


def _write_aggregates(analysis_id: int) -> None:
    """The heatmaps' cells: per competency (and one all-requirements row with the mean readiness) for
    the organisation, every org unit with its sub-units and every role profile. Figures only where at
    least `MIN_LEADERS` leaders are assessed: with evidence of the competency, or (for readiness) of
    any requirement, so that a mean over a few leaders cannot be read off a heatmap or its export.

    The requirement rows are read once: summed per org unit, role and competency into a temporary
    table of partial sums (counts, the sum of the gaps, those below, those critical), which the three
    kinds then add up — each unit over itself and the units below it, from the tree as it stands now,
    which is stored with the analysis (`UnitTree`) for the drill-down."""
    units = _table(OrgUnit)
    tree = (f"WITH RECURSIVE tree(ancestor_id, unit_id) AS (SELECT id, id FROM {units} UNION ALL "
            f"SELECT t.ancestor_id, u.id FROM tree t JOIN {units} u ON u.parent_id = t.unit_id) ")
    closure = f"{_table(UnitTree)} t"
    below = ", ".join(f"'{s.value}'" for s in (GapStatus.CRITICAL, GapStatus.GAP))
    critical = GapStatus.CRITICAL.value
    enough = f"SUM(p.assessed) >= {MIN_LEADERS}"
    figures = (f"SUM(p.n), SUM(p.assessed), CASE WHEN {enough} THEN ROUND(SUM(p.gap_sum) * 1.0 / SUM(p.assessed), 2) END, "
               f"CASE WHEN {enough} THEN ROUND(100.0 * SUM(p.below) / SUM(p.assessed), 2) END, "
               f"CASE WHEN {enough} THEN ROUND(100.0 * SUM(p.critical) / SUM(p.assessed), 2) END, NULL")
    table = _table(Aggregate)
    columns = "analysis_id, kind, org_unit_id, role_profile_id, competency_id, leaders, assessed, mean_gap, " \
              "share_below, share_critical, readiness"
    # kind: (WITH prefix, FROM … joins, unit column, role column, GROUP BY, extra condition)
    kinds = {
        AggregateKind.ORGANISATION: ("", "", "NULL", "NULL", "", ""),
        AggregateKind.UNIT: ("", f" JOIN {closure} ON t.analysis_id = {analysis_id:d} AND t.unit_id = {{alias}}.{{unit}}",
                             "t.ancestor_id", "NULL", "t.ancestor_id", ""),
        AggregateKind.ROLE: ("", "", "NULL", "{alias}.{role}", "{alias}.{role}", " AND {alias}.{role} IS NOT NULL"),
    }
    Aggregate.objects.filter(analysis_id=analysis_id).delete()  # a finish run again writes them afresh
    UnitTree.objects.filter(analysis_id=analysis_id).delete()
    with connection.cursor() as cursor:
        cursor.execute(f"{tree}INSERT INTO {_table(UnitTree)} (analysis_id, ancestor_id, unit_id) "
                       "SELECT %s, ancestor_id, unit_id FROM tree", [analysis_id])
        cursor.execute(f"DROP TABLE IF EXISTS {_PARTIALS}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {_PARTIALS} AS SELECT l.org_unit_id AS unit_id, l.role_profile_id AS role_id, "
            "r.competency_id, COUNT(*) AS n, COUNT(r.gap) AS assessed, SUM(r.gap) AS gap_sum, "
            f"SUM(CASE WHEN r.status IN ({below}) THEN 1 ELSE 0 END) AS below, "
            f"SUM(CASE WHEN r.status = '{critical}' THEN 1 ELSE 0 END) AS critical "
            f"FROM {_table(RequirementGap)} r JOIN {_table(LeaderGap)} l ON l.analysis_id = r.analysis_id "
            "AND l.participant_id = r.participant_id WHERE r.analysis_id = %s "
            "GROUP BY l.org_unit_id, l.role_profile_id, r.competency_id", [analysis_id])
        for kind, (prefix, join, unit_key, role_key, group, where) in kinds.items():
            on_partials = {"alias": "p", "unit": "unit_id", "role": "role_id"}
            group_by = ", ".join(filter(None, [group.format(**on_partials), "p.competency_id"]))
            cursor.execute(
                f"{prefix}INSERT INTO {table} ({columns}) SELECT %s, %s, {unit_key}, {role_key.format(**on_partials)}, "
                f"p.competency_id, {figures} FROM {_PARTIALS} p{join.format(**on_partials)} "
                f"WHERE 1 = 1{where.format(**on_partials)} GROUP BY {group_by}", [analysis_id, kind.value])
            on_leaders = {"alias": "l", "unit": "org_unit_id", "role": "role_profile_id"}
            assessed = "COUNT(CASE WHEN l.requirements > l.no_evidence THEN 1 END)"  # leaders with any evidence
            leader_group = group.format(**on_leaders)
            cursor.execute(
                f"{prefix}INSERT INTO {table} ({columns}) SELECT %s, %s, {unit_key}, {role_key.format(**on_leaders)}, "
                f"NULL, COUNT(*), {assessed}, NULL, NULL, NULL, CASE WHEN {assessed} >= {MIN_LEADERS} "
                f"THEN ROUND(AVG(l.readiness), 2) END FROM {_table(LeaderGap)} l{join.format(**on_leaders)} "
                f"WHERE l.analysis_id = %s{where.format(**on_leaders)}"
                + (f" GROUP BY {leader_group}" if leader_group else ""), [analysis_id, kind.value, analysis_id])
        cursor.execute(f"DROP TABLE {_PARTIALS}")


def _hold_release(cycle_id: int, release_number: int) -> None:
    """Inside a transaction: raises Superseded unless the cycle is still at the analysed release, and on
    PostgreSQL share-locks its row until the commit, so that a re-release cannot commit meanwhile. While
    a re-release runs its new cells are not committed: what is read is the release being analysed."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT status, release_number FROM {_table(Cycle)} WHERE id = %s"
                       + (" FOR SHARE" if connection.vendor == "postgresql" else ""), [cycle_id])
        status, current = cursor.fetchone()
    if status not in (CycleStatus.RELEASED, CycleStatus.RELEASING) or current != release_number:
        raise Superseded(status)


def _claim_batch(analysis_id: int, batch_size: int) -> list[int] | None:
    """Inside a batch's transaction: None when the analysis is no longer running; else the cycle is
    checked (and share-locked: a re-release cannot commit half-way through the batch) and the next
    leaders not written yet are claimed, locked until the commit. On PostgreSQL the claim skips the
    leaders another connection is writing (SKIP LOCKED), so several connections — threads of this
    run, or a second run of the same analysis — write different batches side by side."""
    status, cycle_id, release_number = Analysis.objects.values_list("status", "cycle_id", "release_number").get(
        pk=analysis_id)
    if status != AnalysisStatus.RUNNING:
        return None
    _hold_release(cycle_id, release_number)
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.id FROM {_table(Participant)} p WHERE p.cycle_id = %s AND NOT EXISTS (SELECT 1 FROM "
            f"{_table(LeaderGap)} l WHERE l.analysis_id = %s AND l.participant_id = p.id) ORDER BY p.id LIMIT %s"
            + (" FOR NO KEY UPDATE SKIP LOCKED" if postgresql else ""), [cycle_id, analysis_id, batch_size])
        ids = [row[0] for row in cursor.fetchall()]
        if ids and postgresql:
            # A leader another connection wrote and committed after this statement's snapshot was taken
            # is claimable again (its lock has gone): a fresh look, now that the claim holds the locks.
            cursor.execute(f"SELECT participant_id FROM {_table(LeaderGap)} WHERE analysis_id = %s AND "
                           f"participant_id IN ({_placeholders(ids)})", [analysis_id, *ids])
            written = {row[0] for row in cursor.fetchall()}
            ids = [pk for pk in ids if pk not in written]
    return ids


def _own_transaction() -> bool:
    """Whether this is PostgreSQL and the current atomic block is a transaction of its own: SET LOCAL lasts
    until the outermost transaction ends, so inside someone else's (a test's) it would outlive the block."""
    return connection.vendor == "postgresql" and connection.in_atomic_block and not connection.savepoint_ids


def _tune_batch() -> None:
    """PostgreSQL, for this batch's transaction only: memory enough to group a batch's cells without
    spilling to disk, and a commit that does not wait for its WAL to reach the disk. Both are safe
    here: a batch lost in a crash was never seen (the analysis is not current until it finishes, in
    a transaction that does wait) and is claimed again when the run continues."""
    if _own_transaction():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '64MB'; SET LOCAL synchronous_commit = off")


def _record_progress(analysis_id: int, total: int) -> int:
    done = LeaderGap.objects.filter(analysis_id=analysis_id).count()
    Analysis.objects.filter(pk=analysis_id, status=AnalysisStatus.RUNNING).update(
        progress={"done": done, "total": max(total, done)}, updated_at=timezone.now())
    return done


def _write_batches(analysis_id: int, batch_size: int, total: int, stop: threading.Event,
                   after_batch: Callable[[int], None] | None = None) -> None:
    """Claims and writes batches, each in its own transaction, until none is left (or `stop` is set)."""
    try:
        while not stop.is_set():
            with transaction.atomic():
                _tune_batch()
                ids = _claim_batch(analysis_id, batch_size)
                if ids:
                    _write_batch(analysis_id, ids)
            if ids is None:
                return
            if not ids:
                if connection.vendor != "postgresql" or not _unwritten(analysis_id):
                    return
                stop.wait(0.05)  # the rest is being written by another connection: wait for its commit
                continue
            done = _record_progress(analysis_id, total)
            if after_batch is not None:
                after_batch(done)
    except BaseException:
        stop.set()
        raise


def _unwritten(analysis_id: int) -> bool:
    cycle_id = Analysis.objects.values_list("cycle_id", flat=True).get(pk=analysis_id)
    return Participant.objects.filter(cycle_id=cycle_id).exclude(
        pk__in=LeaderGap.objects.filter(analysis_id=analysis_id).values("participant_id")).exists()


def _in_thread(work, *args) -> None:
    try:
        work(*args)
    finally:
        connection.close()  # each thread's own connection


def run(analysis_id: int, *, after_batch: Callable[[int], None] | None = None) -> Analysis:
    """Computes the analysis batch by batch (continuing a run that stopped), then finishes it. Safe to
    run twice at once and again after it stopped. On PostgreSQL, outside a transaction, `PARALLEL`
    connections write batches side by side; `after_batch(done)`, called after each batch's commit,
    makes the run write them one by one, in order."""
    with transaction.atomic():
        analysis = Analysis.objects.select_for_update().get(pk=analysis_id)
        if analysis.status in (AnalysisStatus.DONE, AnalysisStatus.SUPERSEDED):
            return analysis
        total = Participant.objects.filter(cycle_id=analysis.cycle_id).count()
        analysis.status = AnalysisStatus.RUNNING
        analysis.started_at = analysis.started_at or timezone.now()
        analysis.progress = {"done": LeaderGap.objects.filter(analysis_id=analysis_id).count(), "total": total}
        analysis.save(update_fields=["status", "started_at", "progress", "updated_at"])
    stop = threading.Event()
    parallel = (PARALLEL if connection.vendor == "postgresql" and not connection.in_atomic_block
                and after_batch is None else 1)
    try:
        if parallel > 1:
            with ThreadPoolExecutor(max_workers=parallel) as pool:
                futures = [pool.submit(_in_thread, _write_batches, analysis_id, analysis.batch_size, total, stop)
                           for _ in range(parallel)]
                for future in futures:
                    future.result()
        else:
            _write_batches(analysis_id, analysis.batch_size, total, stop, after_batch)
        return finish(analysis_id)
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
    UnitTree.objects.filter(analysis_id__in=ids).delete()


def _plan_for_bulk() -> None:
    """PostgreSQL, for the finish's transaction: no nested loops. The planner's statistics of the rows a
    run has just written are those from before it started (none, for a database's first analysis),
    and taking the new analysis's rows for a handful it joined them by nested loops: the aggregates of
    10,000 leaders ran for more than ten minutes instead of under half a second. Every join here reads
    a whole analysis, for which hash joins are right whatever the statistics say (an ANALYZE first
    would do too, at 0.2 s of the finish)."""
    if _own_transaction():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_nestloop = off; SET LOCAL work_mem = '64MB'")


def finish(analysis_id: int) -> Analysis:
    """Writes the aggregates and makes the newest complete analysis of the release current; the rows of
    every other finished analysis of the cycle (done or failed) go. One transaction, under a lock on
    the cycle's analyses and a share lock on the cycle, which must still be at the analysed release."""
    with transaction.atomic():
        _plan_for_bulk()
        cycle_id = Analysis.objects.values_list("cycle_id", flat=True).get(pk=analysis_id)
        siblings = list(Analysis.objects.select_for_update().filter(cycle_id=cycle_id).order_by("pk"))
        analysis = next(a for a in siblings if a.pk == analysis_id)
        if analysis.status != AnalysisStatus.RUNNING:
            return analysis
        _hold_release(cycle_id, analysis.release_number)  # released again after the last batch?
        _write_aggregates(analysis_id)
        analysis.leaders = LeaderGap.objects.filter(analysis_id=analysis_id).count()
        # The organisation's mean readiness as its heatmap row holds it: rounded by the database like every
        # other figure, and shown only over at least MIN_LEADERS leaders with evidence.
        analysis.readiness = Aggregate.objects.filter(
            analysis_id=analysis_id, kind=AggregateKind.ORGANISATION, competency__isnull=True,
        ).values_list("readiness", flat=True).first()
        analysis.status = AnalysisStatus.DONE
        analysis.finished_at = timezone.now()
        analysis.progress = {"done": analysis.leaders, "total": analysis.leaders}
        analysis.save()
        complete = [a for a in siblings if a.status == AnalysisStatus.DONE]
        newest = max(complete, key=lambda a: (a.release_number, a.pk))
        others = [a for a in siblings if a.pk != newest.pk and (
            a.status == AnalysisStatus.DONE or (a.status == AnalysisStatus.FAILED and a.pk < newest.pk))]
        for other in others:
            other.current = False
            if other.status == AnalysisStatus.DONE:
                other.status = AnalysisStatus.SUPERSEDED
        if others:
            Analysis.objects.bulk_update(others, ["status", "current"])
            _delete_rows([a.pk for a in others])
        if not newest.current:
            Analysis.objects.filter(pk=newest.pk).update(current=True)
        transaction.on_commit(lambda: analysis_finished.send(sender=Analysis, analysis_id=newest.pk))
        return Analysis.objects.get(pk=analysis_id)
