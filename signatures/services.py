"""The one signature service: every approval in Proficio that needs a signature goes through `sign`.

Signing asks for the signer's password again (a session alone never signs), checks segregation of
duties (the `SIGNATURE_SEGREGATION_OF_DUTIES` setting, on by default: the author of a record may not
approve it) and stores who, in which role, when (UTC), with what meaning, which record and version,
and a SHA-256 of the record's content. A signature whose record's content has changed since shows as
superseded: `state` and `signatures_for` compare the stored hash with a fresh one every time."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone

from .models import Meaning, Signature
from .registry import signable


def _plain(value):
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} cannot be signed as JSON")


def canonical(content) -> str:
    """The content as canonical JSON: sorted keys, no spaces, decimals and dates as text."""
    return json.dumps(content, default=_plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_of(record) -> tuple[object, str]:
    """What a signature of `record` covers now, as plain JSON data, and its SHA-256."""
    text = canonical(signable(record).content(record))
    return json.loads(text), hashlib.sha256(text.encode()).hexdigest()


def _name(user) -> str:
    return user.get_full_name() or user.email


def may_sign_instead(record, signer) -> list[str]:
    """The names of those who may sign `record` other than `signer` and its authors."""
    entry = signable(record)
    authors = entry.authors(record)
    return [_name(user) for user in entry.signers(record).exclude(pk=signer.pk).exclude(pk__in=authors)
            .filter(is_active=True).order_by("first_name", "last_name", "email")]


def check_segregation(record, signer) -> None:
    """Refuses, naming who else may sign, when segregation of duties keeps `signer` from signing."""
    if not settings.SIGNATURE_SEGREGATION_OF_DUTIES:
        return
    entry = signable(record)
    if signer.pk not in entry.authors(record):
        return
    others = may_sign_instead(record, signer)
    who = (f"{', '.join(others[:-1])} or {others[-1]}" if len(others) > 1 else others[0]) if others else None
    raise ValidationError(
        f"You wrote this {entry.label}, so someone else must approve it (segregation of duties). "
        + (f"{who} may sign it." if who else "Nobody else may sign it yet: ask HR to give a second person that role.")
    )


def sign(record, *, signer, password: str, meaning: str = Meaning.APPROVED) -> Signature:
    """Signs `record` as `signer`. Nothing is stored when the password is wrong, the meaning unknown or
    segregation of duties refuses; call it inside the approving service's transaction, so that the
    approval and its signature are saved together or not at all."""
    entry = signable(record)
    if not password or not signer.check_password(password):
        raise ValidationError({"password": "That is not your password. Nothing was signed."})
    if meaning not in Meaning.values:
        raise ValidationError({"meaning": "Choose what your signature means."})
    check_segregation(record, signer)
    content, digest = content_of(record)
    role = entry.role(record, signer) if entry.role else signer.get_role_display()
    return Signature.objects.create(
        content_type=ContentType.objects.get_for_model(record), object_id=record.pk, record_label=str(record)[:300],
        record_version=entry.version(record), meaning=meaning, signer=signer, signer_name=_name(signer),
        signer_email=signer.email, signer_role=role, signed_at=timezone.now(), content_sha256=digest,
        content=content,
    )


def signatures_for(record) -> list[Signature]:
    """The record's signatures, newest first, each with `superseded` set (its content has changed since)."""
    signatures = list(Signature.objects.filter(content_type=ContentType.objects.get_for_model(record),
                                               object_id=record.pk).select_related("signer"))
    if signatures:
        _, digest = content_of(record)
        for signature in signatures:
            signature.superseded = signature.content_sha256 != digest
    return signatures


def state(signature: Signature, record) -> str:
    """"valid" while the record's content is what was signed, else "superseded"."""
    _, digest = content_of(record)
    return "valid" if signature.content_sha256 == digest else "superseded"


def segregation_refusal(record, signer) -> str | None:
    """Why segregation of duties keeps `signer` from signing `record`, or None (for forms to warn early)."""
    try:
        check_segregation(record, signer)
    except ValidationError as error:
        return " ".join(error.messages)
    return None
