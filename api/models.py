"""API tokens: one per integration (an HRIS, a reporting tool), created by HR with a role and a scope."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from accounts.models import Role

#: The roles a token may act as: never a leader, because a token has no person of its own.
TOKEN_ROLES = [(Role.HR.value, Role.HR.label), (Role.QUALITY.value, Role.QUALITY.label),
               (Role.AUDITOR.value, Role.AUDITOR.label)]
PREFIX_LENGTH = 8


class Scope(models.TextChoices):
    READ = "read", "Read"
    READ_WRITE = "read-write", "Read and write"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    name = models.CharField(max_length=120, help_text="Which integration uses it, e.g. “Workday nightly sync”.")
    role = models.CharField(max_length=16, choices=TOKEN_ROLES,
                            help_text="The token may do what an account of this role may do.")
    scope = models.CharField(max_length=12, choices=Scope.choices, default=Scope.READ)
    #: The key itself is shown once, when the token is created; only its SHA-256 is kept.
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    #: The key's first characters, so that HR can recognise a key found in a configuration file.
    prefix = models.CharField(max_length=PREFIX_LENGTH, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    #: Written at most once a minute (see authentication.py), and kept out of the history for that reason.
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["last_used_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(role=Role.AUDITOR) | models.Q(scope=Scope.READ),
                                   name="auditor_token_reads_only",
                                   violation_error_message="An auditor token can only read."),
            models.CheckConstraint(condition=models.Q(role__in=[Role.HR, Role.QUALITY, Role.AUDITOR]),
                                   name="token_role_not_leader",
                                   violation_error_message="A token acts as HR, quality or an auditor."),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def clean(self) -> None:
        super().clean()
        if self.role == Role.AUDITOR and self.scope != Scope.READ:
            raise ValidationError({"scope": "An auditor token can only read."})

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def writes(self) -> bool:
        return self.scope == Scope.READ_WRITE
