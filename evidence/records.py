"""The controlled records an evidence pack lists, each named by a `RecordRef`: its kind, model, id,
version, date, label, the SHA-256 of its canonical content and its signatures.

`content_of(obj)` is what a record says, as plain JSON data. It accepts the record itself, one of its
history rows (`Model.history...` rows) or an instance from `record.history.as_of(moment)`; for a
history row it gives the very dict the live record gave at that moment (related rows, such as a role
profile's requirements, are read as they stood then), so a pack made "as at" a date, or a pack whose
records changed since, is verified against the audit history.

Released results are named by their participant and hashed over the stored shown cells read through
`assessments.results` (never an answer); their version is the cycle's release number.

Acknowledgements (awareness) keep no audit history: one is never changed after it is made. Its content
is its own fields, what was acknowledged (a statement revision's number and the SHA-256 of its words, or
a role profile's id and revision) and the SHA-256 of the content its signature covers; "as at" a moment
it is the row itself when it was made by then. Its version is the revision acknowledged.

Versions: the record's own version or revision where it has one (framework version number, role
profile revision, plan version, release number); otherwise "h<id>" of the history row that holds it,
so two states of a record never share a version.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.db import models

from signatures.services import canonical


@dataclass
class RecordRef:
    kind: str
    model: str  # "app_label.modelname"
    pk: int
    version: str
    date: date | datetime | None
    label: str
    sha256: str
    signatures: list = field(default_factory=list)  # Signature objects, each with .superseded

    @property
    def key(self) -> str:
        return f"{self.model}:{self.pk}"

    def as_manifest(self) -> dict:
        """What a manifest lists about the record (JSON-able)."""
        return {
            "kind": self.kind, "model": self.model, "id": self.pk, "version": self.version,
            "date": self.date.isoformat() if self.date else None, "label": self.label, "sha256": self.sha256,
            "signatures": [{"id": s.pk, "signer": s.signer_name, "role": s.signer_role, "meaning": s.meaning,
                            "signed_at": s.signed_at.isoformat(), "version": s.record_version,
                            "sha256": s.content_sha256, "superseded": bool(getattr(s, "superseded", False))}
                           for s in self.signatures],
        }


# --- what a record is: live, a history row, or an instance "as of" ---------------------------------------


@dataclass(frozen=True)
class _Row:
    model: type[models.Model]
    data: Any  # has the model's field attributes (the record or its history row)
    at: datetime | None  # the moment it stood (None: now)
    history_id: int | None

    @property
    def pk(self) -> int:
        return self.data.pk if self.at is None else getattr(self.data, self.model._meta.pk.attname)


def _row(obj) -> _Row:
    instance_type = getattr(type(obj), "instance_type", None)
    if instance_type is not None and hasattr(obj, "history_date"):  # a history row
        return _Row(instance_type._meta.concrete_model, obj, getattr(obj, "_as_of", None) or obj.history_date,
                    obj.history_id)
    historic = obj.__dict__.get("_history")
    if historic is not None:  # from record.history.as_of(moment)
        return _Row(type(obj)._meta.concrete_model, historic,
                    getattr(historic, "_as_of", None) or historic.history_date, historic.history_id)
    return _Row(type(obj)._meta.concrete_model, obj, None, None)


def model_label(model) -> str:
    return model._meta.label_lower


def rows_as_at(model, at: datetime | None, **filters):
    """The model's rows matching `filters` as they stood at `at` (history rows, deletions left out), or
    the live rows when `at` is None."""
    if at is None:
        return model.objects.filter(**filters)
    return model.history.filter(history_date__lte=at, **filters).latest_of_each().exclude(history_type="-")


# --- content per kind ------------------------------------------------------------------------------------

#: Bookkeeping fields that are no part of what a record says.
_SKIPPED = {"expiry_reminded_on", "moved_up_notified_at", "cancellation_notified_at", "progress", "updated_at"}


def _fields(row: _Row, skip: set[str] = frozenset()) -> dict:
    history_model = row.model.history.model
    names = {f.attname for f in history_model._meta.concrete_fields}
    return {f.attname: getattr(row.data, f.attname) for f in row.model._meta.concrete_fields
            if f.attname in names and f.attname not in _SKIPPED and f.attname not in skip}


def _profile_content(row: _Row) -> dict:
    from competency.models import Competency

    data = row.data
    if row.at is None:
        from profiles.signing import profile_content

        return profile_content(data)
    from profiles.models import ExpectedBehaviour, PerformanceIndicator, Requirement

    pk = row.pk
    requirements = list(rows_as_at(Requirement, row.at, profile_id=pk))
    behaviours = list(rows_as_at(ExpectedBehaviour, row.at, profile_id=pk))
    codes = dict(Competency.objects.filter(pk__in={r.competency_id for r in requirements}
                                           | {b.competency_id for b in behaviours}).values_list("pk", "code"))
    kpis = sorted(rows_as_at(PerformanceIndicator, row.at, profile_id=pk), key=lambda k: (k.position, k.id))
    symbols = {">=": "≥", "<=": "≤", "=": "="}
    return {
        "name": data.name, "code": data.code, "description": data.description,
        "framework_version": data.framework_version_id,
        "requirements": sorted([codes[r.competency_id], r.required_level, r.weight, r.critical] for r in requirements),
        "behaviours": [[codes[b.competency_id], b.text]
                       for b in sorted(behaviours, key=lambda b: (b.position, b.id))],
        "kpis": [[k.name, f"{symbols[k.comparator]} {k.target.normalize():f} {k.unit}".strip(), k.how_measured]
                 for k in kpis],
    }


def _version_content(row: _Row) -> dict:
    # A version's content is frozen once it is approved, so its signed content is read from the version.
    from competency.models import FrameworkVersion
    from competency.signing import version_content

    live = row.data if row.at is None else FrameworkVersion.objects.get(pk=row.pk)
    return {**version_content(live), "effective_date": row.data.effective_date}


def _result_content(row: _Row) -> dict:
    from assessments.models import Participant
    from assessments.results import participant_results

    participant = row.data if row.at is None else Participant.objects.get(pk=row.pk)
    results = participant_results(participant)
    cells = sorted([line.code, figure.label, figure.mean, figure.count, figure.responders, figure.suppressed]
                   for line in results.lines for figure in line.figures.values())
    return {"cycle": participant.cycle_id, "person": participant.person_id, "release": participant.cycle.release_number,
            "profile_revision": participant.profile_revision, "cells": cells, "comments": results.comment_count}


def _m2m_history_model(model):
    history = model.history.model
    return next(r.related_model for r in history._meta.related_objects
                if r.related_model.__name__ == f"{history.__name__}_competencies")


def prepare(rows: list) -> list:
    """Loads, for many history rows of one model at once, what their content needs beyond their own
    fields (the linked competencies' codes, a certificate's file hash): two or three queries for any
    number of rows, where `content_of` would otherwise ask per row. Returns `rows`."""
    from competency.models import Competency
    from training.models import EvidenceFile

    rows = [row for row in rows]
    if not rows:
        return rows
    model = _row(rows[0]).model
    label = model_label(model)
    if label in ("training.certificate", "training.qualification", "training.experience"):
        links = _m2m_history_model(model).objects.filter(history_id__in=[r.history_id for r in rows])
        by_row: dict[int, set[int]] = {}
        for history_id, competency_id in links.values_list("history_id", "competency_id"):
            by_row.setdefault(history_id, set()).add(competency_id)
        codes = dict(Competency.objects.filter(pk__in=set().union(*by_row.values()) if by_row else [])
                     .values_list("pk", "code"))
        for row in rows:
            row._competency_codes = sorted(codes[pk] for pk in by_row.get(row.history_id, ()) if pk in codes)
    if label == "training.certificate":
        hashes = dict(EvidenceFile.objects.filter(pk__in={r.file_id for r in rows}).values_list("pk", "sha256"))
        for row in rows:
            row._file_sha256 = hashes.get(row.file_id)
    return rows


def _m2m_codes(row: _Row, name: str = "competencies") -> list[str]:
    from competency.models import Competency

    cached = row.data.__dict__.get("_competency_codes")
    if cached is not None:
        return list(cached)
    if row.at is None:
        return sorted(getattr(row.data, name).values_list("code", flat=True))
    ids = _m2m_history_model(row.model).objects.filter(history_id=row.history_id).values_list("competency_id", flat=True)
    return sorted(Competency.objects.filter(pk__in=list(ids)).values_list("code", flat=True))


def _certificate_content(row: _Row) -> dict:
    from training.models import EvidenceFile

    content = _fields(row)
    content["competencies"] = _m2m_codes(row)
    cached = row.data.__dict__.get("_file_sha256")
    content["file_sha256"] = cached if cached is not None else (
        EvidenceFile.objects.filter(pk=row.data.file_id).values_list("sha256", flat=True).first())
    return content


def _with_competencies(row: _Row) -> dict:
    return {**_fields(row), "competencies": _m2m_codes(row)}


def _acknowledgement_content(row: _Row) -> dict:
    # Reads the revision, its statement and the signature: select_related them when listing many.
    ack = row.data
    content = {"person": ack.person_id, "acknowledged_at": ack.acknowledged_at, "signature": ack.signature_id,
               "signature_sha256": ack.signature.content_sha256}
    if ack.revision_id:
        revision = ack.revision
        content.update(statement=revision.statement_id, statement_revision=revision.pk, revision=revision.number,
                       text_sha256=hashlib.sha256(revision.text.encode()).hexdigest())
    else:
        content.update(role_profile=ack.role_profile_id, profile_revision=ack.profile_revision)
    return content


_CONTENT = {
    "competency.frameworkversion": _version_content,
    "profiles.roleprofile": _profile_content,
    "assessments.participant": _result_content,
    "training.certificate": _certificate_content,
    "training.qualification": _with_competencies,
    "training.experience": _with_competencies,
    "awareness.acknowledgement": _acknowledgement_content,
}


def content_of(obj) -> dict:
    """The record's canonical content (JSON-able), as it is now or as the history row stood."""
    row = _row(obj)
    build = _CONTENT.get(model_label(row.model))
    return _plain(build(row) if build else _fields(row))


def _plain(content) -> dict:
    import json

    return json.loads(canonical(content))


def sha256_of(obj) -> str:
    return hashlib.sha256(canonical(content_of(obj)).encode()).hexdigest()


# --- versions, dates, labels ---------------------------------------------------------------------------------

_VERSION_FIELD = {
    "competency.frameworkversion": "number", "profiles.roleprofile": "revision", "devplans.plan": "version",
}


def version_of(obj) -> str:
    row = _row(obj)
    label = model_label(row.model)
    if label in _VERSION_FIELD:
        return str(getattr(row.data, _VERSION_FIELD[label]))
    if label == "awareness.acknowledgement":
        number = row.data.revision.number if row.data.revision_id else row.data.profile_revision
        return f"revision {number}"
    if label == "assessments.participant":
        from assessments.models import Cycle

        release = (Cycle.objects.filter(pk=row.data.cycle_id).values_list("release_number", flat=True).first())
        return f"release {release}"
    history_id = row.history_id
    if history_id is None:
        history_id = row.model.history.filter(**{row.model._meta.pk.attname: row.pk}).order_by(
            "-history_date", "-history_id").values_list("history_id", flat=True).first()
    return f"h{history_id}" if history_id else "h0"


_DATE_FIELDS = {
    "competency.frameworkversion": ("effective_date", "published_at"),
    "profiles.roleprofile": ("approved_at",),
    "assessments.participant": ("released_at",),
    "training.certificate": ("issued_on",),
    "training.qualification": ("awarded_on",),
    "training.experience": ("started_on",),
    "training.signoff": ("signed_on",),
    "training.enrolment": ("completed_on",),
    "training.effectivenessreview": ("reviewed_on", "due_on"),
    "devplans.plan": ("approved_at", "created_at"),
    "devplans.objective": ("check_due", "due_date"),
    "devplans.action": ("done_on", "due_date"),
    "awareness.acknowledgement": ("acknowledged_at",),
}


def date_of(obj) -> date | datetime | None:
    row = _row(obj)
    for name in _DATE_FIELDS.get(model_label(row.model), ()):
        value = getattr(row.data, name, None)
        if value is not None:
            return value
    return None


def label_of(obj) -> str:
    row = _row(obj)
    data = row.data
    label = model_label(row.model)
    if label == "awareness.acknowledgement":
        what = (f"{data.revision.statement.title}, revision {data.revision.number}" if data.revision_id
                else f"role profile {data.role_profile.name}, revision {data.profile_revision}")
        return f"{data.person}: {what}"
    if row.at is None:
        return str(data)
    if label == "profiles.roleprofile":
        return data.name
    if label in ("training.certificate", "training.qualification"):
        return data.title
    if label == "devplans.action":
        return data.title
    if label == "training.experience":
        return f"{data.role}, {data.organisation}"
    return str(data.instance)


# --- references ---------------------------------------------------------------------------------------------


def _signatures(row: _Row, sha256: str) -> list:
    """The record's signatures (as at its moment). A leader's acknowledgement signs what they read (a
    role profile, a statement revision) but approves nothing: it is listed with its acknowledgement,
    whose signature it is, not among the record's approvals. An acknowledgement's signature is never
    superseded: it says which revision was read, which stays true when a new one comes."""
    from signatures.models import Meaning
    from signatures.registry import _SIGNABLE
    from signatures.services import signatures_for

    if model_label(row.model) == "awareness.acknowledgement":
        return [row.data.signature]
    if row.model not in _SIGNABLE:
        return []
    if row.at is None:
        return [s for s in signatures_for(row.data) if s.meaning != Meaning.ACKNOWLEDGED]
    live = resolve(model_label(row.model), row.pk)
    if live is None:
        return []
    signed = [s for s in signatures_for(live) if s.signed_at <= row.at and s.meaning != Meaning.ACKNOWLEDGED]
    if model_label(row.model) == "profiles.roleprofile":
        # A profile's content is its signed content: superseded as at the moment, not today.
        for signature in signed:
            signature.superseded = signature.content_sha256 != sha256
    return signed


def ref(obj, kind: str) -> RecordRef:
    row = _row(obj)
    sha256 = sha256_of(obj)
    return RecordRef(kind=kind, model=model_label(row.model), pk=row.pk, version=version_of(obj), date=date_of(obj),
                     label=label_of(obj), sha256=sha256, signatures=_signatures(row, sha256))


def resolve(model: str, pk: int):
    """The record now, or None when it has been deleted (or the model is unknown)."""
    try:
        model_class = apps.get_model(model)
    except (LookupError, ValueError):
        return None
    return model_class.objects.filter(pk=pk).first()


#: Records without an audit history, never changed once made: the field saying when each was made.
_MADE_AT = {"awareness.acknowledgement": "acknowledged_at"}


def as_at(model: str, pk: int, moment: datetime):
    """The record's history row as it stood at `moment`, or None (not yet created, or deleted)."""
    try:
        model_class = apps.get_model(model)
    except (LookupError, ValueError):
        return None
    if model in _MADE_AT:
        return model_class.objects.filter(pk=pk, **{f"{_MADE_AT[model]}__lte": moment}).first()
    row = (model_class.history.filter(**{model_class._meta.pk.attname: pk}, history_date__lte=moment)
           .order_by("-history_date", "-history_id").first())
    if row is None or row.history_type == "-":
        return None
    row._as_of = moment
    return row
