"""The benchmark organisation's ratings (`seed_demo --leaders 10000 --with-ratings`).

A framework of 40 competencies ("Benchmark 360", eight areas of five), a role profile over it for each
demo role, every leader given the one of their place, and a closed (not yet released) cycle, "Benchmark
360 — rated", in which every leader was rated by about eight people: themself, their manager, their
direct reports and peers (six peers when they have no reports, fewer when they have, at least three).
About one questionnaire in twenty was not answered (declined or left pending), so some anonymous
groups fall under their threshold and the release has pools to form. At 10,000 leaders that is about
84,000 questionnaires and 3.2 million answers.

Written for speed, in final state: the cycle through `create_cycle`, participants and questionnaires
with `bulk_create_with_history` (one history row each, equal to the record), answers (no history) with
PostgreSQL's COPY (bulk inserts elsewhere). The bench releases the cycle and times it.

Idempotent: an existing rated cycle is left as it is; the framework and profiles are made once.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.models import User
from assessments.models import Answer, Cycle, CycleStatus, Group, Participant, Questionnaire, QuestionnaireStatus
from competency.models import Competency, Framework, ProficiencyScale
from profiles.models import Person, RoleProfile

FRAMEWORK_CODE = "bench-360"
FRAMEWORK_NAME = "Benchmark 360"
AREAS = 8
PER_AREA = 5
RATED_CYCLE = "Benchmark 360 — rated"
BATCH_SIZE = 2000
#: Answers per COPY: each chunk is built in memory before it is sent.
COPY_CHUNK = 200_000
#: Peers per leader: this many less their direct reports, but never under PEERS_AT_LEAST.
RATERS_BESIDE_SELF_AND_MANAGER = 6
PEERS_AT_LEAST = 3
#: One questionnaire in UNANSWERED_EVERY is declined, the next one left pending.
UNANSWERED_EVERY = 40

DECLINE_REASON = "We have not worked together this year."
COMMENTS = [
    "Clear about priorities.", "Could share plans earlier.", "Listens well in reviews.",
    "Follows up on actions.", "Should delegate more.", "Good with customers.",
]


@dataclass
class RatingsReport:
    cycle: str = ""
    created: bool = False
    leaders: int = 0
    questionnaires: int = 0
    answers: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        if not self.created:
            return [f"Rated cycle kept as it was: {self.cycle}"]
        steps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.timings.items())
        return [f"Rated cycle created: {self.cycle}, {self.leaders:,} leaders, {self.questionnaires:,} "
                f"questionnaires, {self.answers:,} answers ({steps})"]


def _timed(report: RatingsReport, name: str, action: Callable):
    started = time.perf_counter()
    result = action()
    report.timings[name] = time.perf_counter() - started
    return result


def seed_bench_ratings(leaders: int) -> RatingsReport:
    from demo.seed import DEMO_DOMAIN

    report = RatingsReport(cycle=RATED_CYCLE)
    hr = User.objects.get(email=f"hr@{DEMO_DOMAIN}")
    quality = User.objects.get(email=f"quality@{DEMO_DOMAIN}")
    with transaction.atomic():
        version = _timed(report, "framework", lambda: bench_framework(owner=hr, approver=quality))
        profiles = _timed(report, "profiles", lambda: bench_profiles(version, owner=hr, approver=quality))
        _timed(report, "roles", lambda: _assign_bench_profiles(leaders, profiles))
        if Cycle.objects.filter(name=RATED_CYCLE).exists():
            return report
        report.created = True
        _build_rated_cycle(report, hr, version, leaders)
    return report


# --- the framework and its profiles --------------------------------------------------------------


def bench_framework(*, owner, approver):
    """The published 40-competency framework, created the first time."""
    from demo.seed import DEMO_PASSWORD
    from competency import services
    from competency.formats.plan import ImportPlan, NodeSpec

    existing = Framework.objects.filter(code=FRAMEWORK_CODE).first()
    if existing is not None:
        return existing.versions.order_by("-number").first()
    nodes = []
    for a in range(1, AREAS + 1):
        nodes.append(NodeSpec(code=f"B{a}", name=f"Benchmark area {a}", parent_code=None, line=None, order=a))
        for c in range(1, PER_AREA + 1):
            nodes.append(NodeSpec(
                code=f"B{a}-{c:02d}", name=f"Benchmark competency {a}.{c}", parent_code=f"B{a}", line=None, order=c,
                description=f"What leaders do for benchmark competency {a}.{c}.",
                indicators={level: [f"Shows competency {a}.{c} at level {level}."] for level in range(1, 6)}))
    plan = ImportPlan(source="proficio", name=FRAMEWORK_NAME, code=FRAMEWORK_CODE,
                      description="A framework for benchmarks: 40 competencies.", nodes=nodes)
    scale = ProficiencyScale.objects.get(name="Proficio 1-5")
    version = services.framework_import_apply(plan, actor=owner, name=FRAMEWORK_NAME, code=FRAMEWORK_CODE, scale=scale)
    services.version_submit_for_review(version=version, actor=owner)
    services.version_approve(version=version, actor=approver, password=DEMO_PASSWORD, change_note="For benchmarks.")
    return services.version_publish(version=version, actor=approver, effective_date=timezone.localdate())


def bench_code(role_code: str) -> str:
    return f"bench-{role_code}"


def bench_profiles(version, *, owner, approver) -> dict[str, RoleProfile]:
    """One approved profile per demo role, requiring every competency of the framework at level 2–4."""
    from demo.profiles import ROLE_PROFILES
    from demo.seed import DEMO_PASSWORD
    from profiles import services

    profiles = {p.code: p for p in RoleProfile.objects.filter(code__in=[bench_code(c) for c in ROLE_PROFILES])}
    competencies = list(Competency.objects.filter(version=version).order_by("code"))
    for number, (code, (name, description, *_rest)) in enumerate(ROLE_PROFILES.items()):
        if bench_code(code) in profiles:
            continue
        profile = services.profile_create(name=f"{name} (benchmark)", code=bench_code(code), description=description,
                                          framework_version=version, actor=owner)
        services.requirements_set(profile=profile, requirements=[
            services.RequirementInput(competency, 2 + (number + position) % 3, Decimal(1), position % 10 == 0)
            for position, competency in enumerate(competencies)
        ])
        profiles[bench_code(code)] = services.profile_approve(profile=profile, actor=approver, password=DEMO_PASSWORD,
                                                              change_note="For benchmarks.")
    return {code.removeprefix("bench-"): profile for code, profile in profiles.items()}


def _assign_bench_profiles(leaders: int, profiles: dict[str, RoleProfile]) -> None:
    """Every leader gets the benchmark profile of their place in the hierarchy (history recorded)."""
    from demo.seed import _role_code, _unit_code, _update_with_history, employee_id

    division_of: dict[int, str] = {}
    for index in range(leaders):
        _unit_code(index, division_of)
    current = dict(Person.objects.filter(employee_id__in=[employee_id(i) for i in range(leaders)])
                   .values_list("employee_id", "role_profile_id"))
    pks = dict(Person.objects.filter(employee_id__in=list(current)).values_list("employee_id", "pk"))
    wanted = {}
    for index in range(leaders):
        profile = profiles[_role_code(index, leaders, division_of)]
        if employee_id(index) in current and current[employee_id(index)] != profile.pk:
            wanted[pks[employee_id(index)]] = profile.pk
    _update_with_history(wanted, "role_profile_id")


# --- the rated cycle -----------------------------------------------------------------------------


def _build_rated_cycle(report: RatingsReport, hr, version, leaders: int) -> None:
    from assessments.services import cycles

    today = timezone.localdate()
    opened = timezone.now() - timedelta(days=30)
    cycle = cycles.create_cycle(actor=hr, name=RATED_CYCLE, framework_version=version,
                                opens_on=today - timedelta(days=30), closes_on=today - timedelta(days=9))
    # The profiles once each, not once per person: each holds its requirements as JSON.
    profiles = {p.pk: p for p in RoleProfile.objects.filter(framework_version=version)}
    people = list(Person.objects.filter(active=True, role_profile__in=list(profiles))
                  .select_related("user").only("pk", "manager_id", "role_profile_id", "user__email").order_by("pk"))
    for person in people:
        person.role_profile = profiles[person.role_profile_id]
    participants = _timed(report, "participants", lambda: _participants(cycle, people, hr, opened))
    questionnaires = _timed(report, "questionnaires", lambda: _questionnaires(participants, people, hr, opened))
    report.answers = _timed(report, "answers", lambda: _answers(questionnaires, participants, opened))
    report.leaders, report.questionnaires = len(participants), len(questionnaires)
    cycle.status = CycleStatus.CLOSED
    cycle.opened_at = opened
    cycle.closed_at = opened + timedelta(days=22)
    cycle.progress = {"done": len(participants), "total": len(participants)}
    cycle._history_user = hr
    cycle.save()


def _participants(cycle: Cycle, people: list[Person], hr, opened) -> list[Participant]:
    people_ids = {p.pk for p in people}
    requirements = {}  # one list per profile: its JSON is written once
    rows = []
    for person in people:
        profile = person.role_profile
        rows.append(Participant(
            cycle=cycle, person=person, role_profile=profile, profile_revision=profile.revision,
            requirements=requirements.setdefault(profile.pk, profile.approved_requirements),
            manager_id=person.manager_id if person.manager_id in people_ids else None,
            nominations_submitted_at=opened + timedelta(days=1),
            nominations_approved_at=opened + timedelta(days=2),
            nominations_approved_by=hr,
        ))
    return write_with_history(Participant, rows, users=[hr.pk] * len(rows), dates=[opened] * len(rows))


def peers_of(person_pk: int, ordered: list[int], position: dict[int, int], excluded: set[int], count: int) -> list[int]:
    """The `count` people nearest in the organisation's order (siblings under one manager sit side by
    side), skipping `excluded`."""
    found, here, step = [], position[person_pk], 1
    while len(found) < count and step < len(ordered):
        for other in (here + step, here - step):
            if 0 <= other < len(ordered) and ordered[other] not in excluded and len(found) < count:
                found.append(ordered[other])
        step += 1
    return found


def _questionnaires(participants: list[Participant], people: list[Person], hr, opened) -> list[Questionnaire]:
    """Self, manager, direct reports and peers of every leader; all submitted but one in twenty."""
    reports: dict[int, list[int]] = {}
    for person in people:
        if person.manager_id:
            reports.setdefault(person.manager_id, []).append(person.pk)
    users = {p.pk: p.user for p in people}
    ordered = [p.pk for p in people]
    position = {pk: i for i, pk in enumerate(ordered)}
    rows: list[Questionnaire] = []
    history_users, history_dates = [], []
    for participant in participants:
        person_pk = participant.person_id
        own_reports = reports.get(person_pk, [])
        raters = [(Group.SELF, person_pk)]
        if participant.manager_id:
            raters.append((Group.MANAGER, participant.manager_id))
        raters += [(Group.DIRECT, pk) for pk in own_reports]
        excluded = {person_pk, participant.manager_id, *own_reports}
        peers = max(PEERS_AT_LEAST, RATERS_BESIDE_SELF_AND_MANAGER - len(own_reports))
        raters += [(Group.PEER, pk) for pk in peers_of(person_pk, ordered, position, excluded, peers)]
        for group, rater in raters:
            number = len(rows)
            status = QuestionnaireStatus.SUBMITTED
            if group != Group.SELF and number % UNANSWERED_EVERY == 0:
                status = QuestionnaireStatus.DECLINED
            elif group != Group.SELF and number % UNANSWERED_EVERY == 1:
                status = QuestionnaireStatus.PENDING
            submitted = opened + timedelta(days=3 + number % 17, minutes=number % 600)
            answered = status == QuestionnaireStatus.SUBMITTED
            questionnaire = Questionnaire(
                participant=participant, group=group, rater_id=rater, status=status,
                nominated_by=users[person_pk] if group == Group.PEER else None,
                decided_by=hr if group == Group.PEER else None,
                decline_reason=DECLINE_REASON if status == QuestionnaireStatus.DECLINED else "",
                invited_at=opened, created_at=opened, started_at=submitted if answered else None,
                submitted_at=submitted if answered else None,
            )
            history_users.append(users[rater].pk if status != QuestionnaireStatus.PENDING else hr.pk)
            history_dates.append(submitted if status == QuestionnaireStatus.SUBMITTED else opened)
            rows.append(questionnaire)
    return write_with_history(Questionnaire, rows, users=history_users, dates=history_dates)


def _answers(questionnaires: list[Questionnaire], participants: list[Participant], opened) -> int:
    """A level for every required competency of every submitted questionnaire: around the required
    level, the leader's own tendency shared by all their raters, "not observed" now and then."""
    rng = random.Random("bench-ratings")
    by_profile: dict[int, list] = {}
    required = {p.pk: by_profile.setdefault(p.role_profile_id, [(row["competency_id"], row["required_level"])
                                                                for row in p.requirements])
                for p in participants}
    tendency = {p.pk: rng.choice((-1, 0, 0, 0, 1)) for p in participants}
    offsets = (-1, 0, 0, 0, 1)
    stamp = (opened + timedelta(days=10)).isoformat()
    total = 0

    def rows():
        for questionnaire in questionnaires:
            if questionnaire.status != QuestionnaireStatus.SUBMITTED:
                continue
            lean = tendency[questionnaire.participant_id] + (1 if questionnaire.group == Group.SELF else 0)
            for competency_id, level in required[questionnaire.participant_id]:
                draw = rng.random()
                if draw < 0.03 and questionnaire.group in (Group.PEER, Group.DIRECT):
                    yield questionnaire.pk, competency_id, None, ""
                    continue
                value = min(5, max(1, level + lean + offsets[int(draw * 5)]))
                comment = COMMENTS[int(draw * 997) % len(COMMENTS)] if draw > 0.995 else ""
                yield questionnaire.pk, competency_id, value, comment

    if connection.vendor == "postgresql":
        with foreign_keys_checked_once(Answer):
            total = _copy_answers(rows(), stamp)
    else:
        batch = []
        for questionnaire_id, competency_id, level, comment in rows():
            batch.append(Answer(questionnaire_id=questionnaire_id, competency_id=competency_id, level=level,
                                comment=comment))
            if len(batch) >= BATCH_SIZE:
                Answer.objects.bulk_create(batch)
                total += len(batch)
                batch = []
        Answer.objects.bulk_create(batch)
        total += len(batch)
    return total


# --- writing fast -------------------------------------------------------------------------------

NULL = "\\N"  # COPY's text format for NULL


def copy_text(value, json_texts: dict) -> str:
    """A value in COPY's text format. JSON of the same list or dict object is encoded once."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        known = json_texts.get(id(value))
        if known is None or known[0] is not value:
            known = json_texts[id(value)] = (value, _escaped(json.dumps(value)))
        return known[1]
    return _escaped(str(value))


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def write_with_history(model, objs: list, *, users: list[int], dates: list) -> list:
    """Inserts new records and a creation history row for each ("+", by `users[i]` at `dates[i]`), as
    `bulk_create_with_history` would; on PostgreSQL with COPY, ids taken from the table's sequence."""
    if connection.vendor != "postgresql":
        for obj, user, moment in zip(objs, users, dates, strict=True):
            obj._history_user, obj._history_date = User(pk=user), moment
        return bulk_create_with_history(objs, model, batch_size=BATCH_SIZE)
    if not objs:
        return objs
    fields = model._meta.concrete_fields
    history = model.history.model
    table, pk_column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [table, pk_column, len(objs)])
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
    json_texts: dict = {}
    now = timezone.now()
    stamped = [f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    lines = []
    for obj in objs:
        obj._state.adding, obj._state.db = False, "default"
        for attname in stamped:  # as auto_now(_add) would, unless the time was given
            if getattr(obj, attname) is None:
                setattr(obj, attname, now)
        lines.append("\t".join(copy_text(getattr(obj, field.attname), json_texts) for field in fields))
    by_attname = {field.attname: position for position, field in enumerate(fields)}
    special = {"history_date", "history_change_reason", "history_type", "history_user_id"}
    history_fields = [f for f in history._meta.concrete_fields if f.attname != "history_id"]
    unknown = [f.attname for f in history_fields if f.attname not in by_attname and f.attname not in special]
    if unknown:
        raise RuntimeError(f"{history.__name__} has fields this writer does not know: {unknown}")
    history_lines = []
    for line, user, moment in zip(lines, users, dates, strict=True):
        values = line.split("\t")
        extra = {"history_date": moment.isoformat(), "history_change_reason": NULL, "history_type": "+",
                 "history_user_id": str(user)}
        history_lines.append("\t".join(extra[f.attname] if f.attname in special else values[by_attname[f.attname]]
                                       for f in history_fields))
    _copy(table, [f.column for f in fields], lines)
    _copy(history._meta.db_table, [f.column for f in history_fields], history_lines)
    return objs


def _copy(table: str, columns: list[str], lines: list[str]) -> None:
    names = ", ".join(f'"{column}"' for column in columns)
    with connection.cursor() as cursor, cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        for start in range(0, len(lines), COPY_CHUNK):
            copy.write("".join(line + "\n" for line in lines[start:start + COPY_CHUNK]))


@contextmanager
def foreign_keys_checked_once(model):
    """Drops the table's foreign keys for a bulk load and adds them again after it, so that PostgreSQL
    checks them in one pass over the table instead of once per row at the commit. Needs the table's
    owner (the role that ran the migrations); the DDL is part of the transaction."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        # Checks still pending from earlier writes run now: a table with pending checks cannot be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conrelid = %s::regclass AND contype = 'f'", [table])
        keys = cursor.fetchall()
        for name, _definition in keys:
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    yield
    with connection.cursor() as cursor:
        for name, definition in keys:
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # back to Django's way: checked at the commit


def _copy_answers(rows, stamp: str) -> int:
    """COPY in chunks of text lines (the comments hold no tab, newline or backslash)."""
    table = Answer._meta.db_table
    total = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, which has copy()
        columns = "questionnaire_id, competency_id, level, comment, updated_at"
        with raw.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
            lines = []
            for questionnaire_id, competency_id, level, comment in rows:
                value = NULL if level is None else level
                lines.append(f"{questionnaire_id}\t{competency_id}\t{value}\t{comment}\t{stamp}\n")
                if len(lines) >= COPY_CHUNK:
                    copy.write("".join(lines))
                    total += len(lines)
                    lines = []
            copy.write("".join(lines))
            total += len(lines)
    return total
