"""Reference data every installation needs: the ISO 9001:2015 clauses and the default 1-5 scale.

Loaded by migration 0002 and again after every `flush` (through `post_migrate`, as Django does for
content types), so that a flushed database, such as the one a transactional test leaves, still has it.
Idempotent: it only adds what is missing.
"""

from __future__ import annotations

from .iso_clauses import ISO_9001_CLAUSES, clause_sort_key

DEFAULT_SCALE = "Proficio 1-5"
DEFAULT_LEVELS = [
    (1, "Awareness", "Knows the competency exists and why it matters; needs guidance to apply it."),
    (2, "Basic", "Applies it in routine situations with support; understands the main procedures."),
    (3, "Proficient", "Applies it independently and reliably in the role; the level most roles require."),
    (4, "Advanced", "Applies it in complex or new situations and coaches others in it."),
    (5, "Expert", "Shapes how the organisation practises it; recognised as a reference inside and outside."),
]


def load_reference_data(apps) -> None:
    """`apps`: a migration's historical app registry, or django.apps.apps."""
    IsoClause = apps.get_model("competency", "IsoClause")
    present = set(IsoClause.objects.values_list("number", flat=True))
    IsoClause.objects.bulk_create(
        IsoClause(number=number, title=title, sort_key=clause_sort_key(number))
        for number, title in ISO_9001_CLAUSES
        if number not in present
    )
    Scale = apps.get_model("competency", "ProficiencyScale")
    Level = apps.get_model("competency", "ProficiencyLevel")
    if Scale.objects.filter(name=DEFAULT_SCALE).exists():
        return
    scale = Scale.objects.create(
        name=DEFAULT_SCALE,
        description="Five levels from awareness to expertise. Raters may always answer “not observed”.",
        proficient_value=3,
    )
    levels = Level.objects.bulk_create(
        Level(scale=scale, value=value, name=name, description=description)
        for value, name, description in DEFAULT_LEVELS
    )
    # The scale is a controlled record from the start: its history begins with it.
    _record_created(apps, "ProficiencyScale", [scale])
    _record_created(apps, "ProficiencyLevel", levels)


def _record_created(apps, model_name: str, objects: list) -> None:
    from django.utils import timezone

    try:
        History = apps.get_model("competency", f"Historical{model_name}")
    except LookupError:
        return
    meta = {"history_id", "history_date", "history_change_reason", "history_type", "history_user_id"}
    fields = [f.attname for f in History._meta.fields if f.attname not in meta]
    now = timezone.now()
    History.objects.bulk_create(
        History(history_date=now, history_type="+", **{name: getattr(obj, name) for name in fields})
        for obj in objects
    )
