"""Electronic signatures: who approved which content of a record, in which capacity, and when.

A signature is written once and never changed. It keeps the signer as they were at the time (name,
email, role), the meaning they confirmed, the record's id and version, and the SHA-256 of the
record's signed content together with that content, so anyone can later tell whether the record
still says what was signed (`signatures.services.state`)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models


class Meaning(models.TextChoices):
    APPROVED = "approved", "Approved"
    REVIEWED = "reviewed", "Reviewed"
    ACKNOWLEDGED = "acknowledged", "I have read and understood"


class Signature(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    record_label = models.CharField(max_length=300, help_text="What was signed, as it was named then.")
    record_version = models.PositiveIntegerField(help_text="The record's version or revision that was signed.")
    meaning = models.CharField(max_length=20, choices=Meaning.choices)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signatures")
    signer_name = models.CharField(max_length=300)
    signer_email = models.EmailField()
    signer_role = models.CharField(max_length=300, help_text="The signer's role when they signed.")
    signed_at = models.DateTimeField(help_text="When it was signed (stored in UTC).")
    content_sha256 = models.CharField(max_length=64)
    content = models.JSONField(help_text="The signed content, as canonical JSON hashed into content_sha256.")

    class Meta:
        ordering = ["-signed_at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="signature_record")]

    def __str__(self) -> str:
        return f"{self.get_meaning_display()} by {self.signer_name} at {self.signed_at:%Y-%m-%d %H:%M} UTC"

    #: Set by `signatures.services.signatures_for`: whether the record's content has changed since.
    superseded: bool | None = None
