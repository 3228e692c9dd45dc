"""Releasing a cycle's results: the one place that reads other people's raw answers.

`release_cycle` runs once per release. It aggregates the submitted answers in the database and
stores, per leader and competency, only the figures that may be shown (`ResultCell`) and the
comments that may be shown (`ResultComment`). Everything after it — the results page, exports,
dashboards, PDFs, roll-ups, the admin — reads those rows and never an `Answer`.

The rules, per leader and competency
------------------------------------
- Self and manager are labelled, shown from one answer, and never merged with anyone.
- Each anonymous group (peers, direct reports, external raters) counts its submitted answers,
  "not observed" left out. A group with at least its threshold (`Cycle.threshold`) is shown under
  its own label. A thinner group goes into the pool, "other colleagues".
- While the pool holds some but fewer than `POOL_MINIMUM` (3) answers and an anonymous group is
  still shown on its own, the smallest shown group is absorbed into the pool (its label goes).
  If the pool is still under 3, it is stored suppressed: its count (so pages can say "2 responses —
  too few to show") and no mean; its comments are not stored at all.
- "All others" is the mean of the shown anonymous cells, weighted by the cycle's group weights (a
  pool weighs the mean of the weights of the groups in it, whether or not each rated the
  competency). It holds the answers of those cells and no other.
- A comment is stored verbatim under the label of the cell its writer's group is shown in (the
  group's own, or "other colleagues"), in a random position; comments of a suppressed pool are
  dropped.
- `responders` is how many submitted questionnaires stand behind a label ("rated by 4 of 5": four
  rated it, five submitted). Invitations that were not answered appear nowhere in the results.

Why no figure gives away one answer
-----------------------------------
Every stored figure is a mean over a set of answers to one competency, so what a reader can work
out is whatever linear combination of those sets' sums the figures span — sums, differences, means
across labels, areas, leaders and releases all are such combinations. Answers to different
competencies or about different leaders are different unknowns: no combination across them
isolates anything that one competency's figures do not. For one competency of one leader:

- Within one release the shown anonymous sets are disjoint (each group is in exactly one label)
  and each holds at least 3 answers, so any combination of them is constant on each set: it yields
  sums of at least 3 answers and never one answer — not even to a rater who knows their own answer
  and subtracts it (two unknowns remain). "All others" is a weighted mean of those same sets, so it
  adds nothing: it cannot be "others minus peers = one direct report", because a group too thin to
  show is never inside "all others" (the failure the issue warns of). Self and manager are shown as
  theirs by design. A suppressed pool contributes to no mean at all — not "all others", not an area
  mean, not an export or roll-up — so changing any of its answers to any other level changes no
  figure (tests/assessments/test_anonymity.py checks exactly this, page by page).
- Across releases, the danger is subtracting an earlier figure from a later one. Two rules close it:
  a re-release needs every anonymous group whose answers changed to have gained at least 3 answers
  in every competency that changed, and 0 or at least 3 more submitted questionnaires (else it is
  refused); and groups once shown together in a pool stay pooled in every later release of that
  competency ("sticky" pools, kept in `Participant.released_counts["pooled"]`). Then split every
  group's answers into "those counted by release k" slices: every later slice holds 0 or ≥ 3
  answers, and the first shown slices are either a group shown alone (≥ 3) or a pool that is never
  split again (≥ 3 together). Every figure of every release is a union of whole slices, so every
  combination of them is constant on each slice and again isolates at least 3 answers. Without the
  sticky pool, "2 peers + 3 direct reports" released first and "3 direct reports" released later
  would give the two peers' sum away.
- Comments: they carry only a shown label and a random position, so their order says nothing about
  who wrote them; a re-release keeps the stored ones (and whether HR withheld them) and adds the new
  ones at random positions, which the 3-answer rule makes at least 3 writers' worth.

Scale: participants are processed in batches; each batch costs one grouped query over the answers
(count and sum of the level per leader, group and competency; "not observed" is NULL, which COUNT
and SUM skip), one over the questionnaires and one for the comments. Cells and comments are written
with COPY on PostgreSQL (bulk_create elsewhere), the leaders' bookkeeping with one UPDATE per batch;
the cells' and comments' keys carry no database constraints (see `ResultCell`), which would
otherwise be checked row by row at the commit.

From the pages: `start_release` runs the checks at once (a refusal is a message on the page, and
nothing changes), marks the cycle "releasing" and queues `tasks.release_cycle`, which runs
`run_release`: the whole release in one transaction, its progress written beside it. While a cycle
is releasing nobody sees its results, no answer is taken and it cannot be extended; a failure
stores nothing and gives the cycle back as it was, with the reason in `Cycle.progress["error"]`.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from core.db import queue_after_commit

from .signals import results_released

from .models import (
    ANONYMOUS_GROUPS,
    Answer,
    CellLabel,
    Cycle,
    CycleStatus,
    Group,
    Participant,
    Questionnaire,
    QuestionnaireStatus,
    Release,
    ResultCell,
    ResultComment,
)

#: The fewest answers any anonymous figure is made of, whatever the group thresholds say.
POOL_MINIMUM = 3
#: The fewest new answers (and new questionnaires) an anonymous group needs for a re-release.
NEW_ANSWERS_MINIMUM = 3
BATCH_SIZE = 1000
logger = logging.getLogger(__name__)
LABELLED_GROUPS = (Group.SELF, Group.MANAGER)
ALL_GROUPS = LABELLED_GROUPS + ANONYMOUS_GROUPS
_ANONYMOUS_ORDER = {group: index for index, group in enumerate(ANONYMOUS_GROUPS)}


@dataclass
class GroupTally:
    """One group's submitted questionnaires about one leader, and per competency how many rated it
    (not observed left out) and the sum of their levels."""

    questionnaires: int = 0
    counts: dict[int, int] = field(default_factory=dict)
    totals: dict[int, int] = field(default_factory=dict)


Tallies = dict[int, dict[str, GroupTally]]  # participant id → group → tally


# --- reading the answers (the only reads of Answer) -------------------------------------------------


def _rows(queryset: QuerySet) -> list[tuple]:
    """A values_list queryset's rows, fetched without the ORM's per-row work (millions of rows)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _submitted_answers(participant_ids: list[int]) -> QuerySet:
    return Answer.objects.filter(
        questionnaire__participant_id__in=participant_ids, questionnaire__status=QuestionnaireStatus.SUBMITTED,
    ).order_by()


def _tallies(participant_ids: list[int], *, with_totals: bool = True) -> Tallies:
    """Per leader and group: submitted questionnaires; per competency the count (and sum) of the
    levels, "not observed" (NULL) left out by COUNT and SUM. Two grouped queries."""
    tallies: Tallies = defaultdict(dict)
    submitted = (Questionnaire.objects.filter(participant_id__in=participant_ids, status=QuestionnaireStatus.SUBMITTED)
                 .order_by().values_list("participant_id", "group").annotate(n=Count("pk")))
    for participant_id, group, n in submitted:
        tallies[participant_id][group] = GroupTally(questionnaires=n)
    aggregates = {"n": Count("level")}
    if with_totals:
        aggregates["total"] = Sum("level")
    grouped = (_submitted_answers(participant_ids)
               .values_list("questionnaire__participant_id", "questionnaire__group", "competency_id")
               .annotate(**aggregates))
    for row in _rows(grouped):
        participant_id, group, competency_id, n = row[0], row[1], row[2], row[3]
        groups = tallies[participant_id]
        tally = groups.get(group)
        if tally is None:
            tally = groups[group] = GroupTally()
        tally.counts[competency_id] = n
        if with_totals:
            tally.totals[competency_id] = row[4] or 0
    return tallies


def _comments(participant_ids: list[int]) -> dict[int, list[tuple[str, int, str]]]:
    """Per leader: (group, competency id, text) of every comment of a submitted questionnaire. One query."""
    found: dict[int, list[tuple[str, int, str]]] = defaultdict(list)
    rows = (_submitted_answers(participant_ids).exclude(comment="")
            .values_list("questionnaire__participant_id", "questionnaire__group", "competency_id", "comment"))
    for participant_id, group, competency_id, text in _rows(rows):
        if text.strip():
            found[participant_id].append((group, competency_id, text))
    return found


# --- the rules, on the counts ------------------------------------------------------------------------

#: A shown figure: (label, mean in hundredths rounded half up or None, count, responders, suppressed,
#: its weight in a gap analysis's observed level, see `ResultCell.weight`).
Cell = tuple[str, int | None, int, int, bool, Decimal]
_NO_WEIGHT = Decimal(0)


@dataclass
class CompetencyRelease:
    """What one competency of one leader shows: its cells, the label each group's comments carry
    (None: dropped), and the groups in a shown pool (which stay pooled in later releases)."""

    cells: list[Cell]
    comment_labels: dict[str, str | None]
    pooled: frozenset[str]


@dataclass(frozen=True)
class Rules:
    """A cycle's thresholds and weights (in hundredths), read once per release."""

    thresholds: dict[str, int]
    weights: dict[str, int]

    @classmethod
    def of(cls, cycle: Cycle) -> Rules:
        return cls(thresholds={g: cycle.threshold(g) for g in ANONYMOUS_GROUPS},
                   weights={g: int(cycle.weight(g) * 100) for g in (Group.MANAGER, *ANONYMOUS_GROUPS)})

    def weight(self, group: str) -> Decimal:
        """A group's weight as the cells store it."""
        return Decimal(self.weights.get(group, 0)).scaleb(-2)


def _cents(numerator: int, denominator: int) -> int:
    """numerator / denominator in hundredths, rounded half up, in integers (exact)."""
    return (200 * numerator + denominator) // (2 * denominator)


def cents_as_decimal(cents: int | None) -> Decimal | None:
    return None if cents is None else Decimal(cents).scaleb(-2)


def release_competency(rules: Rules | Cycle, tally: dict[str, GroupTally], competency_id: int,
                       pooled_before=()) -> CompetencyRelease:
    """The shown figures of one competency of one leader, by the rules in the module docstring."""
    if isinstance(rules, Cycle):
        rules = Rules.of(rules)
    cells: list[Cell] = []
    comment_labels: dict[str, str | None] = {}
    for group in LABELLED_GROUPS:
        found = tally.get(group)
        if found is None or competency_id not in found.counts:
            continue
        n = found.counts[competency_id]
        mean = _cents(found.totals.get(competency_id, 0), n) if n else None
        weight = rules.weight(group) if group == Group.MANAGER else _NO_WEIGHT
        cells.append((group, mean, n, found.questionnaires, False, weight))
        comment_labels[group] = group

    present = [g for g in ANONYMOUS_GROUPS if g in tally and tally[g].questionnaires]
    if not present:
        return CompetencyRelease(cells, comment_labels, frozenset(pooled_before))
    n_of = {g: tally[g].counts.get(competency_id, 0) for g in present}
    shown = [g for g in present if g not in pooled_before and n_of[g] >= rules.thresholds[g]]
    pool = [g for g in present if g not in shown]
    pool_n = sum(n_of[g] for g in pool)
    while 0 < pool_n < POOL_MINIMUM and shown:
        smallest = min(shown, key=lambda g: (n_of[g], -_ANONYMOUS_ORDER[g]))
        shown.remove(smallest)
        pool.append(smallest)
        pool_n += n_of[smallest]
    pool_shown = pool_n >= POOL_MINIMUM

    # All others = Σ weight·mean / Σ weight over the shown cells, each weight a fraction wn/wd and
    # each mean t/n: kept in integers up to the one rounding at the end.
    parts: list[tuple[int, int, int, int]] = []  # (weight numerator, weight denominator, total, n)
    count = responders_all = 0
    for group in shown:
        found = tally[group]
        n, total = n_of[group], found.totals.get(competency_id, 0)
        cells.append((group, _cents(total, n), n, found.questionnaires, False, rules.weight(group)))
        comment_labels[group] = group
        if rules.weights[group] > 0:
            parts.append((rules.weights[group], 1, total, n))
            count += n
            responders_all += found.questionnaires
    if pool:
        responders = sum(tally[g].questionnaires for g in pool)
        if pool_shown:
            total = sum(tally[g].totals.get(competency_id, 0) for g in pool)
            # The pool weighs the mean of its groups' weights: of every group in it, whether or not it rated
            # this competency — a weight that moved with who rated it would tell, to anyone who solves for
            # it, whether a group of one in the pool rated this competency.
            weight = sum(rules.weights[g] for g in pool)
            cells.append((CellLabel.OTHER, _cents(total, pool_n), pool_n, responders, False,
                          (Decimal(weight).scaleb(-2) / len(pool)).quantize(Decimal("0.0001"))))
            if weight > 0:
                parts.append((weight, len(pool), total, pool_n))
                count += pool_n
                responders_all += responders
        else:
            cells.append((CellLabel.OTHER, None, pool_n, responders, True, _NO_WEIGHT))
        label = CellLabel.OTHER if pool_shown else None
        for group in pool:
            comment_labels[group] = label
    if parts and count >= POOL_MINIMUM:
        if len(parts) == 1:
            cents = _cents(parts[0][2], parts[0][3])
        else:
            # Σ (wn/wd)(t/n) / Σ (wn/wd), over the common denominators B = Π wd·n and D = Π wd.
            b = d = 1
            for _wn, wd, _t, n in parts:
                b *= wd * n
                d *= wd
            numerator = sum(wn * t * (b // (wd * n)) for wn, wd, t, n in parts)
            weights = sum(wn * (d // wd) for wn, wd, _t, _n in parts)
            cents = _cents(numerator * d, b * weights)
        cells.append((CellLabel.OTHERS, cents, count, responders_all, False, _NO_WEIGHT))
    pooled = frozenset(pool).union(pooled_before) if pool_shown else frozenset(pooled_before)
    return CompetencyRelease(cells=cells, comment_labels=comment_labels, pooled=pooled)


def _competency_ids(tally: dict[str, GroupTally]) -> list[int]:
    return sorted({competency_id for found in tally.values() for competency_id in found.counts})


def released_counts(tally: dict[str, GroupTally], pooled: dict[int, frozenset[str]]) -> dict:
    """What a leader's release keeps for the next one: questionnaires and counted answers per group
    and competency, and the groups pooled per competency."""
    counts: dict = {}
    for group, found in sorted(tally.items()):
        if found.questionnaires or found.counts:
            counts[group] = {"q": found.questionnaires,
                             "c": {str(cid): n for cid, n in sorted(found.counts.items()) if n}}
    counts["pooled"] = {str(cid): sorted(groups) for cid, groups in sorted(pooled.items()) if groups}
    return counts


def _pooled_before(counts: dict | None) -> dict[int, list[str]]:
    return {int(cid): groups for cid, groups in (counts or {}).get("pooled", {}).items()}


# --- what changed since the last release ----------------------------------------------------------


@dataclass
class Change:
    participant_id: int
    added: int = 0  # counted answers added, every group
    short: list[tuple[str, int]] = field(default_factory=list)  # (group, fewest new answers) under the minimum


def _change(participant_id: int, before: dict, tally: dict[str, GroupTally]) -> Change | None:
    """How the leader's submitted answers differ from those at the last release; None when they do not."""
    change = Change(participant_id)
    differs = False
    for group in ALL_GROUPS:
        old = (before or {}).get(group, {})
        new = tally.get(group, GroupTally())
        old_counts = {int(cid): n for cid, n in old.get("c", {}).items()}
        new_counts = {cid: n for cid, n in new.counts.items() if n}
        deltas = [new_counts.get(cid, 0) - old_counts.get(cid, 0) for cid in set(old_counts) | set(new_counts)]
        deltas = [delta for delta in deltas if delta]
        q_delta = new.questionnaires - old.get("q", 0)
        if not deltas and not q_delta:
            continue
        differs = True
        change.added += sum(deltas)
        if group in ANONYMOUS_GROUPS:
            too_few = [abs(d) for d in [*deltas, q_delta] if d and abs(d) < NEW_ANSWERS_MINIMUM]
            if too_few:
                change.short.append((group, min(too_few)))
    return change if differs else None


def _changes(participants: list[tuple[int, dict]]) -> list[Change]:
    changes = []
    for start in range(0, len(participants), BATCH_SIZE):
        batch = participants[start:start + BATCH_SIZE]
        tallies = _tallies([pk for pk, _counts in batch], with_totals=False)
        for pk, counts in batch:
            change = _change(pk, counts, tallies.get(pk, {}))
            if change is not None:
                changes.append(change)
    return changes


def _shortfall_message(short: list[Change]) -> str:
    people = {p.pk: str(p.person) for p in Participant.objects.filter(pk__in=[c.participant_id for c in short[:10]])
              .select_related("person__user")}
    listed = []
    for change in short[:10]:
        groups = ", ".join(f"{Group(group).label.lower()}: {n} new" for group, n in change.short)
        listed.append(f"{people.get(change.participant_id, '?')} ({groups})")
    more = f" and {len(short) - 10} more" if len(short) > 10 else ""
    leaders = "1 leader has" if len(short) == 1 else f"{len(short)} leaders have"
    return (f"Not released: {leaders} fewer than {NEW_ANSWERS_MINIMUM} new answers in a group whose answers "
            f"changed since the last release: {'; '.join(listed)}{more}. A new release needs at least "
            f"{NEW_ANSWERS_MINIMUM} new answers in each such group, so that nobody can work out a late answer "
            f"by comparing the releases.")


# --- writing -----------------------------------------------------------------------------------------

CELL_COLUMNS = ("participant_id", "competency_id", "label", "mean", "count", "responders", "suppressed", "weight",
                "release_number")
COMMENT_COLUMNS = ("participant_id", "competency_id", "label", "text", "position", "withheld", "withheld_reason")
_MEAN_TEXT: dict[int | None, str] = {None: "\\N"}


def _mean_text(cents: int | None) -> str:
    """A mean as COPY's text format reads it (\\N: NULL), from a small cache of the values seen."""
    text = _MEAN_TEXT.get(cents)
    if text is None:
        text = _MEAN_TEXT[cents] = f"{cents // 100}.{cents % 100:02d}"
    return text


def _copy_text(model, columns: tuple[str, ...], text: str) -> None:
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor, cursor.copy(f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN") as copy:
        copy.write(text)


def _insert_cells(rows: list[tuple[int, int, Cell]], number: int) -> None:
    """rows: (participant id, competency id, cell). PostgreSQL: one COPY (a fraction of the time of
    INSERTs for millions of cells; labels and numbers need no escaping); elsewhere bulk_create."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        tail = f"\t{number}\n"
        _copy_text(ResultCell, CELL_COLUMNS, "".join(
            f"{pid}\t{cid}\t{label}\t{_mean_text(cents)}\t{n}\t{q}\t{'t' if hidden else 'f'}\t{weight}{tail}"
            for pid, cid, (label, cents, n, q, hidden, weight) in rows))
        return
    ResultCell.objects.bulk_create([
        ResultCell(participant_id=pid, competency_id=cid, label=label, mean=cents_as_decimal(cents), count=n,
                   responders=q, suppressed=hidden, weight=weight, release_number=number)
        for pid, cid, (label, cents, n, q, hidden, weight) in rows], batch_size=2000)


def _insert_comments(rows: list[tuple[int, int, str, str, int]]) -> None:
    """rows: (participant id, competency id, label, text, position), written in the order given."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        names = ", ".join(quote(c) for c in COMMENT_COLUMNS)
        with connection.cursor() as cursor, cursor.copy(
                f"COPY {quote(ResultComment._meta.db_table)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row, False, ""))  # write_row escapes the text
        return
    ResultComment.objects.bulk_create([ResultComment(participant_id=pid, competency_id=cid, label=label, text=text,
                                                     position=position) for pid, cid, label, text, position in rows],
                                      batch_size=1000)


def _record_history(model, where: str, params: list, *, actor, now, history_type: str = "~") -> None:
    """History rows copied inside the database from the records as they now stand (what
    simple-history's bulk helpers would write, without sending every field back and forth)."""
    history = model.history.model
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in history.tracked_fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(history._meta.db_table)} ({columns}, history_date, history_change_reason, "
            f"history_type, history_user_id) SELECT {columns}, %s, NULL, %s, %s FROM {quote(model._meta.db_table)} "
            f"WHERE {where}", [now, history_type, actor.pk, *params])


def _update_participants(updated: list[tuple[int, dict]], now) -> None:
    """Stores each leader's release bookkeeping. PostgreSQL: one UPDATE from one JSON object of them
    all, {id: counts} (bulk_update's CASE over a thousand ids costs more to build than to run);
    elsewhere bulk_update."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Participant._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS p SET released_counts = v.value, released_at = %s "
                "FROM jsonb_each(%s::jsonb) AS v WHERE p.id = v.key::bigint",
                [now, json.dumps({str(pk): counts for pk, counts in updated})])
        return
    Participant.objects.bulk_update([Participant(pk=pk, released_counts=counts, released_at=now)
                                     for pk, counts in updated], ["released_counts", "released_at"],
                                    batch_size=BATCH_SIZE)


def _in(column: str, values: list) -> str:
    return f"{connection.ops.quote_name(column)} IN ({', '.join(['%s'] * len(values))})"


def _position(taken: set[int]) -> int:
    while True:
        position = secrets.randbelow(2**31 - 1)
        if position not in taken:
            taken.add(position)
            return position


def _release_batch(rules: Rules, participant_ids: list[int], number: int, actor, now, first: bool) -> int:
    """Stores the cells and comments of a batch of leaders. Returns the counted answers it holds."""
    counts_before = {} if first else dict(Participant.objects.filter(pk__in=participant_ids)
                                          .values_list("pk", "released_counts"))
    tallies = _tallies(participant_ids)
    comments = _comments(participant_ids)
    existing: dict[int, list[ResultComment]] = defaultdict(list)
    if not first:
        ResultCell.objects.filter(participant_id__in=participant_ids).delete()
        for comment in ResultComment.objects.filter(participant_id__in=participant_ids).order_by("pk"):
            existing[comment.participant_id].append(comment)
    cell_rows: list[tuple[int, int, Cell]] = []
    new_comments: list[tuple[int, int, str, str, int]] = []
    relabelled: list[ResultComment] = []
    dropped: list[ResultComment] = []
    updated: list[tuple[int, dict]] = []
    answers = 0
    for participant_id in participant_ids:
        tally = tallies.get(participant_id, {})
        before = _pooled_before(counts_before.get(participant_id))
        labels: dict[int, dict[str, str | None]] = {}
        pooled: dict[int, frozenset[str]] = {}
        for competency_id in _competency_ids(tally):
            result = release_competency(rules, tally, competency_id, before.get(competency_id, ()))
            labels[competency_id] = result.comment_labels
            pooled[competency_id] = result.pooled
            cell_rows.extend((participant_id, competency_id, cell) for cell in result.cells)
        answers += sum(n for found in tally.values() for n in found.counts.values())
        for competency_id, groups in before.items():  # a pool stays pooled even where nobody rated it now
            pooled.setdefault(competency_id, frozenset(groups))
        kept: dict[tuple[int, str], list[ResultComment]] = defaultdict(list)
        taken: dict[int, set[int]] = defaultdict(set)
        for comment in existing.get(participant_id, []):
            kept[(comment.competency_id, comment.text)].append(comment)
            taken[comment.competency_id].add(comment.position)
        for group, competency_id, text in comments.get(participant_id, []):
            label = labels.get(competency_id, {}).get(group)
            if label is None:
                continue  # a suppressed pool's comment, or one on nothing that is shown
            old = kept.get((competency_id, text))
            if old:  # released before: kept as it is (withheld or not), under the label it now has
                comment = old.pop(0)
                if comment.label != label:
                    comment.label = label
                    relabelled.append(comment)
                continue
            new_comments.append((participant_id, competency_id, label, text, _position(taken[competency_id])))
        dropped.extend(comment for rest in kept.values() for comment in rest)
        updated.append((participant_id, released_counts(tally, pooled)))
    _insert_cells(cell_rows, number)
    secrets.SystemRandom().shuffle(new_comments)  # nor do the ids say in which order they were written
    _insert_comments(new_comments)
    if new_comments:
        old_ids = [comment.pk for rest in existing.values() for comment in rest]
        where = _in("participant_id", participant_ids) + (f" AND NOT {_in('id', old_ids)}" if old_ids else "")
        _record_history(ResultComment, where, [*participant_ids, *old_ids], actor=actor, now=now, history_type="+")
    if relabelled:
        bulk_update_with_history(relabelled, ResultComment, ["label"], batch_size=1000, default_user=actor)
    for comment in dropped:
        comment._history_user = actor
        comment.delete()
    _update_participants(updated, now)
    _record_history(Participant, _in("id", participant_ids), participant_ids, actor=actor, now=now)
    return answers


def _batches(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), BATCH_SIZE):
        yield ids[start:start + BATCH_SIZE]


# --- releasing: checks, the work, and the task around it ----------------------------------------------


@dataclass
class Plan:
    """What a release will do: the leaders whose results it (re)writes and the answers it adds (None on
    the first release: every counted answer)."""

    todo: list[int]
    added: int | None


def _refuse_unless_closed(cycle: Cycle) -> None:
    if cycle.status not in (CycleStatus.CLOSED, CycleStatus.RELEASED):
        if cycle.status == CycleStatus.RELEASING:
            raise ValidationError(f"The results of {cycle} are being released now: wait for the release to finish.")
        when = f" (it closes on {cycle.closes_on:%d %b %Y})" if cycle.status == CycleStatus.OPEN else ""
        raise ValidationError(
            f"{cycle} is {cycle.get_status_display().lower()}{when}: results are released once the cycle "
            "is closed. Close it first.")


def release_plan(cycle: Cycle) -> Plan:
    """The leaders a release of the cycle would write, or the refusal of a re-release (ValidationError)
    when nothing changed or a changed group gained fewer than 3 answers. Changes nothing."""
    if cycle.release_number == 0:
        return Plan(list(Participant.objects.filter(cycle=cycle).order_by("pk").values_list("pk", flat=True)), None)
    changes = _changes(list(Participant.objects.filter(cycle=cycle).order_by("pk")
                            .values_list("pk", "released_counts")))
    short = [change for change in changes if change.short]
    if short:
        raise ValidationError(_shortfall_message(short))
    if not changes:
        raise ValidationError(f"No answers have arrived since release {cycle.release_number}: "
                              "the results stand as released.")
    return Plan([change.participant_id for change in changes], sum(change.added for change in changes))


def _release(cycle: Cycle, plan: Plan, *, actor, report=None) -> Release:
    """Writes the plan's leaders batch by batch, then records the release and marks the cycle released.
    Runs inside the caller's transaction; `report(done, total)` follows each batch."""
    first = cycle.release_number == 0
    number = cycle.release_number + 1
    now = timezone.now()
    rules = Rules.of(cycle)
    counted = done = 0
    for batch in _batches(plan.todo):
        counted += _release_batch(rules, batch, number, actor, now, first)
        done += len(batch)
        if report is not None:
            report(done, len(plan.todo))
    release = Release(cycle=cycle, number=number, released_by=actor, released_at=now, leaders=len(plan.todo),
                      answers_added=counted if plan.added is None else max(plan.added, 0))
    release._history_user = actor
    release.save()
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    cycle.status = CycleStatus.RELEASED
    cycle.release_number = number
    cycle.released_at = now
    cycle.released_by = actor
    cycle.progress = {"done": len(plan.todo), "total": len(plan.todo)}
    cycle._history_user = actor
    cycle.save()
    queue_after_commit("assessments.tasks.notify_results", cycle.pk)
    # robust: a listener that fails (logged) does not turn a release that has committed into an error
    transaction.on_commit(lambda: results_released.send(sender=Cycle, cycle_id=cycle.pk, release_number=number),
                          robust=True)
    return release


def release_cycle(cycle: Cycle, *, actor) -> Release:
    """Releases a closed cycle's results (or releases a released one again, for late answers), in one
    transaction, here and now. Pages use `start_release`, which hands this work to a task.

    Refuses, changing nothing, before the close; and on a re-release when nothing changed or when a
    group whose answers changed gained fewer than 3 answers. Emails the leaders after the commit."""
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
        _refuse_unless_closed(cycle)
        return _release(cycle, release_plan(cycle), actor=actor)


def start_release(cycle: Cycle, *, actor) -> Cycle:
    """Checks the release as `release_cycle` would (refusing with the same messages, changing nothing),
    then marks the cycle "releasing" with progress {"done": 0, "total": leaders} and queues the task
    `assessments.tasks.release_cycle`. Nothing is shown while it runs (the rules want "released")."""
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
        _refuse_unless_closed(cycle)
        plan = release_plan(cycle)
        cycle.status = CycleStatus.RELEASING
        cycle.progress = {"done": 0, "total": len(plan.todo)}
        cycle._history_user = actor
        cycle.save()
        queue_after_commit("assessments.tasks.release_cycle", cycle.pk, actor.pk)
    return cycle


def run_release(cycle_id: int, *, actor) -> Cycle:
    """The release task's work: the whole release in one transaction, so that it is stored entirely or
    not at all; progress is written after each batch over a connection of its own (the pages could not
    see it inside the transaction). On a failure nothing is stored, the cycle goes back to what it was
    (closed, or released with the results of the last release) and its progress holds the error.
    A second run (a redelivered task) does nothing once the cycle is no longer releasing."""
    cycle = Cycle.objects.get(pk=cycle_id)
    if cycle.status != CycleStatus.RELEASING:
        return cycle
    progress = _ProgressWriter(cycle.pk)
    try:
        with transaction.atomic():
            _release(cycle, release_plan(cycle), actor=actor, report=progress)
    except Exception as error:  # noqa: BLE001 - every failure must give the cycle back, with the reason
        if isinstance(error, ValidationError):
            reason = " ".join(error.messages)
        else:
            logger.exception("Release of cycle %s failed", cycle_id)
            reason = (f"an unexpected error ({type(error).__name__}) stopped it. Nothing was released; "
                      "try again, and if it fails again tell your administrator.")
        with transaction.atomic():
            cycle = Cycle.objects.select_for_update().get(pk=cycle_id)
            if cycle.status == CycleStatus.RELEASING:
                cycle.status = CycleStatus.RELEASED if cycle.release_number else CycleStatus.CLOSED
                cycle.progress = {"error": reason}
                cycle._history_user = actor
                cycle.save()
        return cycle
    finally:
        progress.close()
    return Cycle.objects.get(pk=cycle_id)


class _ProgressWriter:
    """Writes a releasing cycle's progress from outside the release's transaction, on a second
    connection that commits each write at once. It never waits for a lock (SKIP LOCKED: a progress
    figure may be skipped, the release never held up) and a failure to write is only logged."""

    def __init__(self, cycle_id: int):
        self.cycle_id = cycle_id
        self.connection = None

    def __call__(self, done: int, total: int) -> None:
        table = connection.ops.quote_name(Cycle._meta.db_table)
        try:
            if self.connection is None:
                self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
            with self.connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET progress = %s::jsonb WHERE id = (SELECT id FROM {table} WHERE id = %s AND "
                    "status = %s FOR NO KEY UPDATE SKIP LOCKED)",
                    [json.dumps({"done": done, "total": total}), self.cycle_id, CycleStatus.RELEASING.value])
        except DatabaseError:
            logger.warning("Could not record the progress of the release of cycle %s", self.cycle_id, exc_info=True)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
