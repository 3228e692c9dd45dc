"""The manifest of an evidence pack: every record it shows, with its id, version and SHA-256, and the
pack's own hash. It is embedded in the PDF as `manifest.json` (and kept on the `EvidencePack`).

`pack_sha256` is the SHA-256 of the canonical JSON (sorted keys, no spaces, UTF-8; see
`signatures.services.canonical`) of the list `records`, sorted by model and id: anyone can recompute it
from the manifest alone.
"""

from __future__ import annotations

import hashlib
import io
import json

from django.utils import timezone

from signatures.services import canonical

from .records import RecordRef

FORMAT = "proficio-evidence-pack/1"
FILENAME = "manifest.json"
PACK_HASH_RULE = ("SHA-256 of the canonical JSON (sorted keys, no spaces, UTF-8) of the list 'records', "
                  "sorted by 'model' then 'id'.")
#: A manifest bigger than this is no manifest of ours (verify reads it before trusting anything).
MAX_MANIFEST_BYTES = 64 * 1024 * 1024


def unique_records(refs: list[RecordRef]) -> list[RecordRef]:
    """Each record once (a role profile is shared by everyone in the role), sorted by model and id."""
    seen: dict[tuple[str, int], RecordRef] = {}
    for ref in refs:
        seen.setdefault((ref.model, ref.pk), ref)
    return [seen[key] for key in sorted(seen)]


def record_entries(refs: list[RecordRef]) -> list[dict]:
    return [ref.as_manifest() for ref in unique_records(refs)]


def pack_sha256(records: list[dict]) -> str:
    ordered = sorted(records, key=lambda record: (record["model"], record["id"]))
    return hashlib.sha256(canonical(ordered).encode()).hexdigest()


def build_manifest(pack, refs: list[RecordRef], *, people: list, versions: dict, generated_by: str,
                   application_version: str, compare_as_of: str | None) -> dict:
    records = record_entries(refs)
    return {
        "format": FORMAT,
        "pack": pack.pk,
        "scope": pack.scope,
        "scope_label": pack.scope_label,
        "as_at": pack.as_at.isoformat(),
        #: The moment verify compares records at: None = as they are now (a pack "as at" its own day).
        "records_as_of": compare_as_of,
        "generated_at": timezone.now().isoformat(),
        "generated_by": generated_by,
        "application_version": application_version,
        "people": [{"id": person.pk, "name": str(person), "employee_id": person.employee_id} for person in people],
        "versions_in_force": versions,
        "records": records,
        "pack_sha256": pack_sha256(records),
        "pack_sha256_rule": PACK_HASH_RULE,
    }


def manifest_bytes(manifest: dict) -> bytes:
    return json.dumps(manifest, indent=1, ensure_ascii=False, sort_keys=True, default=str).encode()


class NoManifest(ValueError):
    """The file is no evidence pack of Proficio: it carries no readable manifest."""


def embedded_files(data: bytes) -> dict[str, bytes]:
    """The files embedded in a PDF (name -> bytes), read with pyHanko's reader."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        names_tree = reader.root.get("/Names")
        embedded = names_tree.get("/EmbeddedFiles") if names_tree is not None else None
    except (PdfError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise NoManifest(f"The file cannot be read as a PDF ({error}).") from None
    if embedded is None:
        return {}
    found: dict[str, bytes] = {}

    def walk(node, depth: int = 0) -> None:
        if depth > 16:
            return
        node = node.get_object()
        pairs = node.get("/Names")
        if pairs is not None:
            for index in range(0, len(pairs) - 1, 2):
                spec = pairs[index + 1].get_object()
                stream = spec.get("/EF", {}).get("/F")
                if stream is None:
                    continue
                name = str(spec.get("/UF") or spec.get("/F") or pairs[index])
                found[name] = stream.get_object().data
        for kid in node.get("/Kids", []):
            walk(kid, depth + 1)

    try:
        walk(embedded)
    except (PdfError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise NoManifest(f"The file's attachments cannot be read ({error}).") from None
    return found


def read_manifest(data: bytes) -> dict:
    raw = embedded_files(data).get(FILENAME)
    if raw is None:
        raise NoManifest("The file carries no manifest.json: it is not an evidence pack made by Proficio.")
    if len(raw) > MAX_MANIFEST_BYTES:
        raise NoManifest("The file's manifest is too large to be one of Proficio's.")
    try:
        manifest = json.loads(raw.decode())
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise NoManifest("The file's manifest.json is not valid JSON.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(
            manifest.get("records"), list):
        raise NoManifest("The file's manifest.json is not an evidence pack manifest.")
    return manifest
