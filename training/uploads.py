"""Evidence files (certificates, qualifications): read within a size limit, their type told by their
content alone, and stored outside the web root.

The browser's name and content type say nothing trustworthy: a renamed executable called cert.pdf is
still an executable. The first bytes decide, and the stored content type is the sniffed one. The size
is checked on the upload's declared size before anything is read, and at most limit + 1 bytes are
read, so an oversized file is refused without being held in memory.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

#: The default size limit of one evidence file (MAX_EVIDENCE_FILE_BYTES overrides it).
DEFAULT_MAX_BYTES = 5 * 1024 * 1024

PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
SIGNATURES = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
)
ACCEPTED = "PDF, PNG or JPEG"


def max_bytes() -> int:
    return int(getattr(settings, "MAX_EVIDENCE_FILE_BYTES", DEFAULT_MAX_BYTES))


def _megabytes(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def sniff(head: bytes) -> str | None:
    """The content type the file's first bytes show, or None when it is none of the accepted ones."""
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def _what_it_is(head: bytes) -> str:
    stripped = head.lstrip().lower()
    if head.startswith(b"MZ") or head.startswith(b"\x7fELF"):
        return "a program (executable)"
    if stripped.startswith((b"<!doctype html", b"<html", b"<?xml", b"<svg", b"<")):
        return "an HTML or XML document"
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive (or an Office document)"
    return "not a PDF, PNG or JPEG file"


def read_evidence(upload) -> tuple[bytes, str]:
    """(content, sniffed content type) of an uploaded evidence file, or a ValidationError naming what
    is accepted. The declared size is checked first; then at most limit + 1 bytes are read."""
    limit = max_bytes()
    size = getattr(upload, "size", None)
    if size is not None:
        if size == 0:
            raise ValidationError("The file is empty. Upload the certificate as a PDF, PNG or JPEG file.")
        if size > limit:
            raise ValidationError(f"The file is {_megabytes(size)}; Proficio accepts evidence files of up to "
                                  f"{_megabytes(limit)}. Scan it at a lower resolution or save it as a smaller PDF.")
    upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise ValidationError(f"The file is larger than {_megabytes(limit)}, the most Proficio accepts for evidence.")
    if not content:
        raise ValidationError("The file is empty. Upload the certificate as a PDF, PNG or JPEG file.")
    content_type = sniff(content[:16])
    if content_type is None:
        raise ValidationError(f"This file is {_what_it_is(content[:64])}, whatever its name says. "
                              f"Proficio accepts {ACCEPTED} files only, told by their content.")
    return content, content_type


def store_evidence(upload, *, actor):
    """Reads the upload (as `read_evidence`) and saves it as an EvidenceFile in the private storage."""
    from .models import EvidenceFile

    content, content_type = read_evidence(upload)
    digest = hashlib.sha256(content).hexdigest()
    name = (getattr(upload, "name", "") or "evidence").replace("\\", "/").rsplit("/", 1)[-1][:200]
    evidence = EvidenceFile(filename=name, content_type=content_type, size=len(content), sha256=digest,
                            uploaded_by=actor)
    evidence.file.save(digest, ContentFile(content), save=False)
    evidence._history_user = actor
    evidence.save()
    return evidence
