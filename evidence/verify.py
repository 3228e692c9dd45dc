"""Checking an evidence pack file: `verify_pack(data) -> VerifyReport`.

Three questions, each answered on its own so that a report names everything wrong at once:
- is the file's signature ours and unbroken over the whole file (`evidence.signing_pdf.check_signature`)?
- did Proficio generate this very file (its SHA-256 is in the pack log)?
- is every record the manifest lists unchanged: its content still hashes to the manifest's SHA-256? For a
  pack "as at" a past day the record is read as the audit history keeps it at that day's end (what the
  pack showed), for a pack as at its own day as it is now. A record that no longer hashes the same is
  named (kind, label, id, version then and now); one that no longer exists is named as gone.
Nothing is written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.dateparse import parse_datetime

from . import records
from .manifest import NoManifest, pack_sha256, read_manifest
from .signing_pdf import SignatureCheck, check_signature

CHANGED, GONE, SAME = "changed", "gone", "unchanged"


@dataclass
class RecordCheck:
    kind: str
    model: str
    pk: int
    label: str
    version: str
    state: str
    version_now: str = ""

    @property
    def name(self) -> str:
        return f"{self.kind.replace('_', ' ')} “{self.label}” ({self.model} #{self.pk}, version {self.version})"


@dataclass
class VerifyReport:
    file_sha256: str
    signature: SignatureCheck
    known: bool = False  # the file's SHA-256 is in the generation log
    generated_at: datetime | None = None
    generated_by: str = ""
    manifest: dict | None = None
    manifest_problem: str = ""
    pack_hash_ok: bool = False
    records: list[RecordCheck] = field(default_factory=list)

    @property
    def changed(self) -> list[RecordCheck]:
        return [check for check in self.records if check.state != SAME]

    @property
    def ok(self) -> bool:
        return (self.signature.valid and self.known and self.manifest is not None and self.pack_hash_ok
                and not self.changed)

    def problems(self) -> list[str]:
        found = []
        if not self.signature.valid:
            found.append(self.signature.problem or "The signature is not valid.")
        if not self.known:
            found.append("Proficio has no record of generating this file (its SHA-256 is not in the pack log).")
        if self.manifest is None:
            found.append(self.manifest_problem)
        elif not self.pack_hash_ok:
            found.append("The manifest's pack hash does not match its list of records.")
        for check in self.changed:
            if check.state == GONE:
                found.append(f"Gone since generation: {check.name}.")
            else:
                newer = check.version_now and check.version_now != check.version
                now = f" (now version {check.version_now})" if newer else ""
                found.append(f"Changed since generation: {check.name}{now}.")
        return found


def _check_record(entry: dict, moment: datetime | None) -> RecordCheck:
    model, pk = str(entry.get("model", "")), entry.get("id")
    check = RecordCheck(kind=str(entry.get("kind", "record")), model=model, pk=pk if isinstance(pk, int) else -1,
                        label=str(entry.get("label", "")), version=str(entry.get("version", "")), state=GONE)
    if not isinstance(pk, int):
        return check
    current = records.as_at(model, pk, moment) if moment is not None else records.resolve(model, pk)
    if current is None:
        return check
    check.state = SAME if records.sha256_of(current) == entry.get("sha256") else CHANGED
    if check.state == CHANGED:
        check.version_now = records.version_of(current)
    return check


def verify_pack(data: bytes) -> VerifyReport:
    from .packs import known_file

    report = VerifyReport(file_sha256=hashlib.sha256(data).hexdigest(), signature=check_signature(data))
    generation = known_file(report.file_sha256)
    if generation is not None:
        report.known = True
        report.generated_at = generation.at
        report.generated_by = generation.user.get_full_name() or generation.user.email
    try:
        manifest = read_manifest(data)
    except NoManifest as error:
        report.manifest_problem = str(error)
        return report
    report.manifest = manifest
    entries = [entry for entry in manifest["records"] if isinstance(entry, dict)]
    report.pack_hash_ok = (len(entries) == len(manifest["records"])
                           and _safe_hash(entries) == manifest.get("pack_sha256"))
    as_of = manifest.get("records_as_of")
    moment = parse_datetime(as_of) if isinstance(as_of, str) else None
    report.records = [_check_record(entry, moment) for entry in entries]
    return report


def _safe_hash(entries: list[dict]) -> str | None:
    try:
        return pack_sha256(entries)
    except (KeyError, TypeError):
        return None
