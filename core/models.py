"""The one model of `core`: the transactional outbox of Celery tasks (core/outbox.py)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxMessage(models.Model):
    """A task a service queued, written in the service's own transaction: once that commits, the task is
    owed to the broker until `sent_at` is set, whatever happened to Redis in between."""

    task = models.CharField(max_length=200,
                            help_text='Dotted path of the Celery task, e.g. "gaps.tasks.compute_analysis".')
    args = models.JSONField(default=list, help_text="Its positional arguments (ids), as JSON.")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When the broker took it; empty while it waits.")
    attempts = models.PositiveIntegerField(default=0, help_text="Failed attempts to hand it to the broker.")
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["created_at"], condition=Q(sent_at__isnull=True), name="core_outbox_unsent")]
        verbose_name = "outbox message"

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)} ({'sent' if self.sent_at else 'waiting'})"
