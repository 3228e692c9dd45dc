"""The evidence app's records: each part keeps its models below its own comment line."""

from __future__ import annotations

from django.db import models  # noqa: F401


# --- sampling and access log (E3)


class SamplingLog(models.Model):
    """One sample an auditor (or HR, quality) drew: who, when, the seed, how many, the filters and the
    people chosen. The seed makes it reproducible: the same seed over the same population chooses the
    same people (`evidence.sampling`). Written once, never changed."""

    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    seed = models.CharField(max_length=64)
    size = models.PositiveSmallIntegerField(help_text="How many people were asked for.")
    #: {"role_profile": {"id", "name"}, "org_unit": {"id", "name"}} — the names as they were then.
    filters = models.JSONField(default=dict, blank=True)
    population = models.PositiveIntegerField(help_text="How many active people the sample was drawn from.")
    person_ids = models.JSONField(default=list, help_text="The people chosen, in the order drawn.")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["-created_at", "-id"], name="sampling_log_newest")]

    def __str__(self) -> str:
        return f"Sample of {len(self.person_ids)} (seed {self.seed})"


class AccessEvent(models.Model):
    """A page an auditor opened (any method), with its status: written by `evidence.middleware`, one
    insert per request, so what the auditor banner says ("what you open is logged") holds.

    A request made with an auditor's API token has no account behind it: its row names the token instead,
    by its name and key prefix as they were then. These are copied text, not a key to the api app's
    tokens: evidence sits above api and must not depend on it, and the log keeps naming the token
    whatever becomes of it."""

    user = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    token_name = models.CharField(max_length=120, blank=True, help_text="The API token's name, for a token's request.")
    token_prefix = models.CharField(max_length=16, blank=True, help_text="The API token key's first characters.")
    at = models.DateTimeField()
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=2000, help_text="The path with its query string (cut at 2,000 characters).")
    status = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["-at", "-id"], name="access_event_newest"),
            models.Index(fields=["user", "-at", "-id"], name="access_event_user_newest"),
        ]
        constraints = [
            # Each row names exactly one asker: an auditor's account, or an API token.
            models.CheckConstraint(name="access_event_user_or_token", condition=(
                models.Q(user__isnull=False, token_prefix="") | models.Q(user__isnull=True) & ~models.Q(token_prefix=""))),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.status})"

    @property
    def asker(self) -> str:
        """Who asked, as the logs show it: the auditor, or “API token “HRIS sync” (pf_ab12…)”."""
        if self.user_id is None:
            return f"API token “{self.token_name}” ({self.token_prefix}…)"
        return str(self.user)


# --- packs (E2)


class PackScope(models.TextChoices):
    LEADER = "leader", "One leader"
    ROLE = "role", "A role"
    UNIT = "unit", "An org unit (and the units below it)"
    ORGANISATION = "organisation", "The whole organisation"


class EvidencePack(models.Model):
    """An evidence pack asked for: its scope and "as at" day. One row per scope and day, so an unchanged
    scope reuses the stored PDF (documents kind "pack"); the renderer fills the progress, the manifest (every
    record with its id, version and SHA-256) and the pack's own hash."""

    scope = models.CharField(max_length=12, choices=PackScope.choices)
    person = models.ForeignKey("profiles.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    role_profile = models.ForeignKey("profiles.RoleProfile", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    org_unit = models.ForeignKey("profiles.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    as_at = models.DateField()
    #: The scope as it read when asked for ("Role: Plant manager"), kept for the log whatever is renamed.
    scope_label = models.CharField(max_length=250)
    #: Who asked for the render the stored file comes from (shown on the cover as its generator).
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    manifest = models.JSONField(default=dict, blank=True)
    pack_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(name="pack_scope_target", condition=(
                models.Q(scope="leader", person__isnull=False, role_profile__isnull=True, org_unit__isnull=True)
                | models.Q(scope="role", person__isnull=True, role_profile__isnull=False, org_unit__isnull=True)
                | models.Q(scope="unit", person__isnull=True, role_profile__isnull=True, org_unit__isnull=False)
                | models.Q(scope="organisation", person__isnull=True, role_profile__isnull=True,
                           org_unit__isnull=True))),
            # One pack per scope and day (a double submit finds the first).
            models.UniqueConstraint(fields=["person", "as_at"], condition=models.Q(scope="leader"),
                                    name="pack_one_per_leader_day"),
            models.UniqueConstraint(fields=["role_profile", "as_at"], condition=models.Q(scope="role"),
                                    name="pack_one_per_role_day"),
            models.UniqueConstraint(fields=["org_unit", "as_at"], condition=models.Q(scope="unit"),
                                    name="pack_one_per_unit_day"),
            models.UniqueConstraint(fields=["as_at"], condition=models.Q(scope="organisation"),
                                    name="pack_one_per_organisation_day"),
        ]

    def __str__(self) -> str:
        return f"Evidence pack: {self.scope_label}, as at {self.as_at:%d %b %Y}"

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))


class PackEventKind(models.TextChoices):
    GENERATED = "generated", "Generated"
    DOWNLOADED = "downloaded", "Downloaded"


class PackEvent(models.Model):
    """Every generation and download of a pack: who, when, the scope, the file's SHA-256. Written once."""

    pack = models.ForeignKey(EvidencePack, null=True, on_delete=models.SET_NULL, related_name="events")
    kind = models.CharField(max_length=10, choices=PackEventKind.choices)
    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    scope_label = models.CharField(max_length=250)
    as_at = models.DateField()
    #: The SHA-256 of the signed PDF file (what verify looks up).
    sha256 = models.CharField(max_length=64)
    pack_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["-at", "-id"], name="pack_event_newest"),
            models.Index(fields=["sha256"], name="pack_event_file"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.scope_label} ({self.at:%Y-%m-%d %H:%M})"
