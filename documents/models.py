"""Rendered documents (PDFs): one row per render, the file kept in the private storage by its SHA-256."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

#: A render that has not finished after this long lost its worker: asking again starts a new one.
STALLED_AFTER = timedelta(minutes=15)


def private_storage():
    from django.core.files.storage import storages

    return storages["private"]


class DocumentStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RENDERING = "rendering", "Rendering"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


ACTIVE_STATUSES = (DocumentStatus.QUEUED, DocumentStatus.RENDERING)


class Document(models.Model):
    """A document of a registered kind (documents.registry) about one object, rendered by a task."""

    kind = models.CharField(max_length=40)
    object_id = models.PositiveBigIntegerField()
    status = models.CharField(max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.QUEUED)
    #: SHA-256 of the canonical JSON of what the PDF shows (the kind's `source`), as rendered.
    source_sha256 = models.CharField(max_length=64)
    #: SHA-256 of the file's bytes; the file is stored under it.
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    file = models.FileField(storage=private_storage, max_length=200, blank=True)
    filename = models.CharField(max_length=200, blank=True, help_text="The name the download is offered under.")
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    #: When someone last asked for it (its creation, or a request that reused it): the newest is shown.
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    #: Renders started: more than one only when a worker died mid-render and the task came back.
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(fields=["kind", "object_id", "-requested_at"], name="document_latest"),
            models.Index(fields=["kind", "object_id", "source_sha256"], name="document_source"),
        ]
        constraints = [
            # One render at a time per object: a double click cannot queue two.
            models.UniqueConstraint(fields=["kind", "object_id"], condition=Q(status__in=ACTIVE_STATUSES),
                                    name="document_one_active_render"),
            models.CheckConstraint(condition=~Q(status=DocumentStatus.DONE) | ~Q(sha256=""),
                                   name="document_done_has_file"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.object_id} ({self.get_status_display().lower()})"

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def stalled(self) -> bool:
        """Queued or rendering for longer than a render can take: its worker has most likely stopped."""
        since = self.started_at or self.created_at
        return self.active and since is not None and timezone.now() - since > STALLED_AFTER
