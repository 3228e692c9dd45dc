"""The audit trail (django-simple-history) kept true: bulk writes get their history rows, and a check
that the newest history row of every tracked record equals the record.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.db.models import Model
from django.utils import timezone
from simple_history.utils import get_m2m_field_name


def end_of(day: date) -> datetime:
    """The first instant after `day` in the site's time zone: records "as at" a day include all of it."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def tracked_models() -> list[type[Model]]:
    """Every model with an audit history."""
    return [model for model in apps.get_models() if getattr(model._meta, "simple_history_manager_attribute", None)]


def _m2m_history_model(model: type[Model], field_name: str):
    """The model simple-history keeps a many-to-many field's history in (its descriptor gives a manager)."""
    return getattr(model.history.model, field_name).model


def record_m2m_history(model: type[Model], history_rows: list, field_name: str) -> None:
    """For history rows written in bulk, the rows of many-to-many field `field_name` as the links
    now stand (simple-history writes them only when a single record is saved)."""
    if not history_rows:
        return
    field = model._meta.get_field(field_name)
    through = field.remote_field.through
    source = get_m2m_field_name(field)
    target = field.m2m_reverse_field_name()
    m2m_history = _m2m_history_model(model, field_name)
    by_record = {row.id: row for row in history_rows}
    links = through.objects.filter(**{f"{source}_id__in": list(by_record)}).values_list("pk", f"{source}_id", f"{target}_id")
    m2m_history.objects.bulk_create([
        m2m_history(**{"history": by_record[source_id], "id": pk, f"{source}_id": source_id, f"{target}_id": target_id})
        for pk, source_id, target_id in links
    ], batch_size=1000)


@dataclass(frozen=True)
class Mismatch:
    model: str
    pk: object
    problem: str

    def __str__(self) -> str:
        return f"{self.model} {self.pk}: {self.problem}"


def history_mismatches(models: list[type[Model]] | None = None) -> list[Mismatch]:
    """Records whose newest history row is missing or differs from the record (field by field, and
    for many-to-many fields link by link), and deleted records whose history does not say so."""
    found: list[Mismatch] = []
    for model in models or tracked_models():
        history = model.history.model
        fields = [f.attname for f in history.tracked_fields]
        pk_name = model._meta.pk.attname
        newest: dict = {}
        for row in history.objects.order_by("history_date", "history_id").iterator():
            newest[getattr(row, pk_name)] = row
        label = model._meta.label
        current = {obj.pk: obj for obj in model._default_manager.all()}
        m2m_fields = getattr(history, "_history_m2m_fields", []) or []
        links: dict[str, dict] = {}
        for field in m2m_fields:
            through = field.remote_field.through
            source, target = get_m2m_field_name(field), field.m2m_reverse_field_name()
            now: dict = defaultdict(set)
            for source_id, target_id in through.objects.values_list(f"{source}_id", f"{target}_id"):
                now[source_id].add(target_id)
            recorded: dict = defaultdict(set)
            m2m_history = _m2m_history_model(model, field.name)
            for history_id, target_id in m2m_history.objects.values_list("history_id", f"{target}_id"):
                recorded[history_id].add(target_id)
            links[field.name] = {"now": now, "recorded": recorded}
        for pk, obj in current.items():
            row = newest.get(pk)
            if row is None:
                found.append(Mismatch(label, pk, "has no history row"))
                continue
            if row.history_type == "-":
                found.append(Mismatch(label, pk, "exists, but its newest history row records its deletion"))
                continue
            differing = [name for name in fields if getattr(row, name) != getattr(obj, name)]
            for field in m2m_fields:
                if links[field.name]["now"].get(pk, set()) != links[field.name]["recorded"].get(row.history_id, set()):
                    differing.append(field.name)
            if differing:
                found.append(Mismatch(label, pk, "newest history row differs in " + ", ".join(
                    f"{name} ({getattr(row, name, '…')!r} ≠ {getattr(obj, name, '…')!r})" for name in differing)))
        for pk, row in newest.items():
            if pk not in current and row.history_type != "-":
                found.append(Mismatch(label, pk, "was deleted without a history row saying so"))
    return found
