"""Evidence packs: asking for one, who is in its scope, the organisation's figures, and the pack's log.

A pack is one `EvidencePack` row per scope and "as at" day. Asking again for the same scope and day
finds that row and asks the documents pipeline for its PDF (kind "pack"): the stored file is reused
while nothing it reads has changed, else a task renders it again (`evidence.pack_pdf`).

Whether anything changed is decided by the kind's `source` *without* building the pack, because the
request runs in a web request and an organisation's pack reads every person's records: the source is
the scope, the day and a fingerprint of the records packs are made of (the newest audit-history row of
every controlled model, the signatures and the gap analyses: one query whatever the organisation's
size). It changes whenever any controlled record changes, so a stored file is never reused after a
change; the manifest inside the file then names every record with its version and SHA-256.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from .models import EvidencePack, PackEvent, PackEventKind, PackScope

log = logging.getLogger(__name__)

KIND = "pack"
#: The apps whose records a pack shows; their audit-history tables make the source's fingerprint.
SOURCE_APPS = ("accounts", "competency", "profiles", "assessments", "training", "devplans", "awareness")
#: Records without an audit history that packs show: (model label, columns whose maximum is taken).
UNTRACKED = (("signatures.signature", ("id", "signed_at")),
             ("gaps.analysis", ("id", "finished_at", "updated_at")),
             ("awareness.acknowledgement", ("id", "acknowledged_at")))


# --- scope ---------------------------------------------------------------------------------------------


def scope_label(scope: str, target) -> str:
    if scope == PackScope.LEADER:
        return f"Leader: {target} ({target.employee_id})"
    if scope == PackScope.ROLE:
        return f"Role: {target.name}"
    if scope == PackScope.UNIT:
        return f"Org unit: {target.name} ({target.code}) and below"
    return "The whole organisation"


def _moment(as_at: dt.date) -> dt.datetime | None:
    """The moment a pack's records are read at: None (now) for today, else the end of that day."""
    from .dossier import moment_of

    _day, moment, is_today = moment_of(as_at)
    return None if is_today else moment


def people_in_scope(pack: EvidencePack) -> QuerySet:
    """The people the pack has a section for, in name order: those who held the role or belonged to the
    unit (or below it) on the pack's day, as the audit history says; active that day."""
    from profiles.models import Person
    from profiles.selectors import unit_and_below

    from .records import rows_as_at

    if pack.scope == PackScope.LEADER:
        people = Person.objects.filter(pk=pack.person_id)
    else:
        filters: dict = {"active": True}
        if pack.scope == PackScope.ROLE:
            filters["role_profile_id"] = pack.role_profile_id
        elif pack.scope == PackScope.UNIT:
            filters["org_unit_id__in"] = unit_and_below(pack.org_unit_id)
        moment = _moment(pack.as_at)
        if moment is None:
            people = Person.objects.filter(**filters)
        else:
            people = Person.objects.filter(pk__in=rows_as_at(Person, moment, **filters).values("id"))
    return people.select_related("user", "org_unit", "role_profile").order_by(
        "sort_last_name", "sort_first_name", "pk")


# --- asking for a pack --------------------------------------------------------------------------------


class PackRefused(ValidationError):
    """A request that cannot be served (a day in the future, say); nothing was written."""


def pack_request(*, user, scope: str, target=None, as_at: dt.date | None = None):
    """The pack of `scope` (and its `target`) as at `as_at` (default today), and its document: reused
    when nothing changed, else queued for rendering (once, however often it is asked for)."""
    from documents import services as documents
    from documents.models import DocumentStatus

    today = timezone.localdate()
    as_at = as_at or today
    if as_at > today:
        raise PackRefused("A pack shows records as they stood: choose today or a past day.")
    lookup = {"scope": scope, "as_at": as_at, "person": None, "role_profile": None, "org_unit": None}
    if scope == PackScope.LEADER:
        lookup["person"] = target
    elif scope == PackScope.ROLE:
        lookup["role_profile"] = target
    elif scope == PackScope.UNIT:
        lookup["org_unit"] = target
    elif scope != PackScope.ORGANISATION:
        raise PackRefused(f"Unknown scope {scope!r}.")
    if scope != PackScope.ORGANISATION and target is None:
        raise PackRefused("Choose whom the pack is about.")
    label = scope_label(scope, target)[:250]
    with transaction.atomic():
        pack = EvidencePack.objects.select_for_update().filter(**lookup).first()
        if pack is None:
            try:
                with transaction.atomic():
                    pack = EvidencePack.objects.create(**lookup, scope_label=label, requested_by=user)
            except IntegrityError:  # a double submit created it between our look and the insert
                pack = EvidencePack.objects.select_for_update().get(**lookup)
        reusable = documents.latest_document(KIND, pack)
        fresh = (reusable is not None and reusable.status == DocumentStatus.DONE
                 and reusable.source_sha256 == _source_sha256(pack))
        if not fresh and not (reusable is not None and reusable.active and not reusable.stalled):
            # A new render: its cover names the one who asked for it.
            EvidencePack.objects.filter(pk=pack.pk).update(requested_by=user, scope_label=label,
                                                           progress_done=0, progress_total=0)
            pack.requested_by, pack.scope_label, pack.progress_done, pack.progress_total = user, label, 0, 0
        document = documents.request_document(KIND, pack, user=user)
    return pack, document


def _source_sha256(pack: EvidencePack) -> str:
    from documents.registry import source_sha256

    return source_sha256(pack_source(pack))


# --- the documents kind ------------------------------------------------------------------------------


def _table(label: str) -> str:
    return connection.ops.quote_name(apps.get_model(label)._meta.db_table)


def records_fingerprint() -> list:
    """The newest change of every record a pack reads: one query (a scalar subquery per table)."""
    parts, names = [], []
    for app in SOURCE_APPS:
        for model in apps.get_app_config(app).get_models():
            history = getattr(model, "history", None)
            if history is None or model.__name__.startswith("Historical"):
                continue
            table = connection.ops.quote_name(history.model._meta.db_table)
            parts.append(f"(SELECT MAX(history_id) FROM {table})")
            names.append(model._meta.label_lower)
    for label, columns in UNTRACKED:
        table = _table(label)
        for column in columns:
            parts.append(f"(SELECT MAX({connection.ops.quote_name(column)}) FROM {table})")
            names.append(f"{label}.{column}")
        parts.append(f"(SELECT COUNT(*) FROM {table})")
        names.append(f"{label}.count")
    if "gaps.analysis" in dict(UNTRACKED):
        parts.append(f"(SELECT SUM(id) FROM {_table('gaps.analysis')} WHERE {connection.ops.quote_name('current')})")
        names.append("gaps.analysis.current")
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        values = cursor.fetchone()
    return [[name, None if value is None else str(value)] for name, value in zip(names, values, strict=True)]


def pack_source(pack: EvidencePack) -> dict:
    return {
        "scope": pack.scope, "person": pack.person_id, "role_profile": pack.role_profile_id,
        "org_unit": pack.org_unit_id, "as_at": pack.as_at.isoformat(), "records": records_fingerprint(),
    }


def pack_filename(pack: EvidencePack) -> str:
    return f"evidence-pack-{slugify(pack.scope_label)[:80] or pack.scope}-{pack.as_at:%Y-%m-%d}.pdf"


def pack_queryset() -> QuerySet:
    return EvidencePack.objects.select_related("person", "role_profile", "org_unit", "requested_by")


def pack_page(pack: EvidencePack) -> str:
    return reverse("evidence:pack_detail", args=[pack.pk])


# --- the organisation's figures -----------------------------------------------------------------------


@dataclass
class Kpis:
    people: int
    roles: int
    roles_defined: int
    assessed: int
    open_gaps: int
    critical_gaps: int
    overdue_actions: int
    reviews_recorded: int
    reviews_effective: int

    @staticmethod
    def _share(part: int, whole: int) -> int | None:
        return round(100 * part / whole) if whole else None

    @property
    def coverage(self) -> int | None:
        return self._share(self.roles_defined, self.roles)

    @property
    def assessed_share(self) -> int | None:
        return self._share(self.assessed, self.people)

    @property
    def pass_rate(self) -> int | None:
        return self._share(self.reviews_effective, self.reviews_recorded)


def organisation_kpis(people: QuerySet, as_at: dt.date) -> Kpis:
    """Competence figures over `people` (a queryset of Person) as at the day, counted in the database:
    coverage of their roles with defined competence (an approved revision with requirements), people with
    a released 360° result, open gaps of their newest current analysis, overdue plan actions, and the
    pass rate of the effectiveness reviews recorded. Eight queries."""
    from django.db.models import OuterRef, Subquery

    from assessments.models import CycleStatus, Participant
    from devplans.models import CLOSED_ACTIONS, Action, PlanStatus
    from gaps.models import LeaderGap
    from profiles.models import Person, RoleProfile
    from training.models import EffectivenessReview

    from .records import rows_as_at

    moment = _moment(as_at)
    at = moment or timezone.now()
    ids = people.order_by().values("pk")
    person_rows = rows_as_at(Person, moment, id__in=ids)
    count = person_rows.count()
    role_ids = set(person_rows.exclude(role_profile_id=None).values_list("role_profile_id", flat=True).distinct())
    profiles = rows_as_at(RoleProfile, moment, id__in=role_ids)
    defined = sum(1 for revision, requirements in profiles.values_list("revision", "approved_requirements")
                  if revision and requirements)
    assessed = (Participant.objects.filter(person_id__in=ids, cycle__status=CycleStatus.RELEASED,
                                           cycle__released_at__lte=at)
                .values("person_id").distinct().count())
    newest = (LeaderGap.objects.filter(person_id=OuterRef("person_id"), analysis__current=True,
                                       analysis__finished_at__lte=at)
              .order_by("-analysis__cycle__released_at", "-pk").values("pk")[:1])
    gaps = (LeaderGap.objects.filter(person_id__in=ids, analysis__current=True, analysis__finished_at__lte=at)
            .filter(pk=Subquery(newest)).aggregate(gaps=Sum("gaps"), critical=Sum("critical_gaps")))
    overdue = (rows_as_at(Action, moment, objective__plan__person_id__in=ids)
               .exclude(status__in=CLOSED_ACTIONS).filter(due_date__lt=as_at)
               .exclude(objective__plan__status__in=[PlanStatus.DRAFT]).count())
    reviews = rows_as_at(EffectivenessReview, moment, enrolment__person_id__in=ids).filter(
        effective__isnull=False, reviewed_on__lte=as_at)
    recorded = reviews.count()
    effective = reviews.filter(effective=True).count()
    return Kpis(people=count, roles=len(role_ids), roles_defined=defined, assessed=assessed,
                open_gaps=(gaps["gaps"] or 0) + (gaps["critical"] or 0), critical_gaps=gaps["critical"] or 0,
                overdue_actions=overdue, reviews_recorded=recorded, reviews_effective=effective)


# --- the log ------------------------------------------------------------------------------------------


def log_event(pack: EvidencePack | None, *, kind: str, user, sha256: str, scope_label: str = "",
              as_at: dt.date | None = None, pack_sha256: str = "") -> PackEvent:
    return PackEvent.objects.create(
        pack=pack, kind=kind, user=user, sha256=sha256, scope_label=(scope_label or pack.scope_label)[:250],
        as_at=as_at or pack.as_at, pack_sha256=pack_sha256 or (pack.pack_sha256 if pack else ""))


def on_document_downloaded(sender, *, document, user, **kwargs) -> None:
    """documents.signals.document_downloaded: a pack's download goes in the log."""
    if document.kind != KIND:
        return
    pack = EvidencePack.objects.filter(pk=document.object_id).first()
    if pack is None:
        return
    log_event(pack, kind=PackEventKind.DOWNLOADED, user=user, sha256=document.sha256)


def events_for_log() -> QuerySet:
    return PackEvent.objects.select_related("user", "pack")


def known_file(sha256: str) -> PackEvent | None:
    """The generation that produced a file with this SHA-256, if Proficio made it."""
    return (PackEvent.objects.filter(sha256=sha256, kind=PackEventKind.GENERATED)
            .select_related("user", "pack").order_by("at", "pk").first())



def connect() -> None:
    """Called once from EvidenceConfig.ready(): the pack rules, the documents kind, the download log."""
    from documents import registry, signals

    from . import rules_packs  # noqa: F401  (registers the rules)
    from .pack_pdf import render_pack_pdf

    registry.register(KIND, model=EvidencePack, render=render_pack_pdf, source=pack_source, filename=pack_filename,
                      rule="pack.view", label="evidence pack", queryset=pack_queryset, page=pack_page)
    signals.document_downloaded.connect(on_document_downloaded, dispatch_uid="evidence.pack_downloaded")
