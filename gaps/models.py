"""Gap analyses: for each leader of a released cycle, each requirement of the role profile revision
frozen with the cycle against the level the 360° observed, and the organisation's aggregates.

Everything here is computed by `gaps.compute` from the cells the release stored
(`assessments.ResultCell`); nothing reads an answer. An analysis is one run over one release of one
cycle. Its rows are written under its own id while it runs, so the cycle's current analysis stays
what pages show until the new one is complete; then, in one transaction, the newest complete
analysis of the release becomes current and the others' rows are deleted.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone


class AnalysisStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    SUPERSEDED = "superseded", "Superseded by a later run"


#: An analysis still working (or waiting for a worker).
ACTIVE_STATUSES = (AnalysisStatus.QUEUED, AnalysisStatus.RUNNING)


class GapStatus(models.TextChoices):
    """How a requirement stands. The values sort as pages list them: critical gaps first."""

    CRITICAL = "1critical", "Critical gap"
    GAP = "2gap", "Gap"
    NONE = "3none", "No evidence"
    MET = "4met", "Met"


#: The statuses that are below the requirement.
BELOW = (GapStatus.CRITICAL, GapStatus.GAP)
#: How long an analysis may stay silent before the page offers to run it again.
STALLED_AFTER = timedelta(minutes=10)
#: Aggregate cells with fewer assessed leaders than this show the count and no figures.
MIN_LEADERS = 3


class Analysis(models.Model):
    cycle = models.ForeignKey("assessments.Cycle", on_delete=models.CASCADE, related_name="gap_analyses")
    release_number = models.PositiveSmallIntegerField(help_text="The release whose stored cells it reads.")
    framework_version = models.ForeignKey("competency.FrameworkVersion", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=AnalysisStatus.choices, default=AnalysisStatus.QUEUED)
    #: The one analysis pages read for its cycle (at most one per cycle).
    current = models.BooleanField(default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Who asked for it; empty when the release started it.")
    batch_size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    #: {"done": leaders, "total": leaders, "error": "..."}, written after each batch.
    progress = models.JSONField(default=dict, blank=True)
    leaders = models.PositiveIntegerField(default=0)
    readiness = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True,
                                    help_text="The mean readiness index of the leaders with requirements, in %.")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "analyses"
        constraints = [
            models.UniqueConstraint(fields=["cycle"], condition=models.Q(current=True), name="one_current_analysis"),
        ]

    def __str__(self) -> str:
        return f"Gap analysis of {self.cycle} (release {self.release_number}), {self.get_status_display().lower()}"

    @property
    def percent(self) -> int:
        total = self.progress.get("total") or 0
        return round(100 * min(self.progress.get("done", 0), total) / total) if total else (
            100 if self.status == AnalysisStatus.DONE else 0)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def stalled(self) -> bool:
        """Running, but silent for longer than a batch can take: its worker has most likely stopped. (A
        queued one is waiting for a worker, perhaps behind a long task: it is not stalled.)"""
        return (self.status == AnalysisStatus.RUNNING and self.updated_at is not None
                and timezone.now() - self.updated_at > STALLED_AFTER)

    @property
    def error(self) -> str:
        return self.progress.get("error", "")


class LeaderGap(models.Model):
    """One leader's standing in one analysis, with where they stood when it ran."""

    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="leaders_set")
    participant = models.ForeignKey("assessments.Participant", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("profiles.Person", on_delete=models.CASCADE, related_name="+")
    org_unit = models.ForeignKey("profiles.OrgUnit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 help_text="The leader's org unit when the analysis ran.")
    role_profile = models.ForeignKey("profiles.RoleProfile", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    profile_revision = models.PositiveIntegerField(null=True, blank=True)
    requirements = models.PositiveIntegerField(default=0)
    met = models.PositiveIntegerField(default=0)
    gaps = models.PositiveIntegerField(default=0)
    critical_gaps = models.PositiveIntegerField(default=0)
    no_evidence = models.PositiveIntegerField(default=0)
    #: The weighted share of requirements met, in % (no evidence counts as not met); None without requirements.
    readiness = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    mean_gap = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True,
                                   help_text="The mean gap of the requirements with evidence.")

    class Meta:
        ordering = ["analysis_id", "participant_id"]
        constraints = [models.UniqueConstraint(fields=["analysis", "participant"], name="one_leader_gap_per_analysis")]
        indexes = [models.Index(fields=["person", "analysis"], name="leader_gap_person")]


class RequirementGap(models.Model):
    """One requirement of one leader in one analysis. `observed` is the weighted mean of the shown
    cells (the manager's and the anonymous groups', each at its stored weight); self never counts.
    `gap` is how far the observed level falls short of the required one (0 when it is met or
    exceeded) and None when there is no evidence: no evidence is never a zero gap."""

    # No database constraints (as for the release's cells): an analysis writes a row per leader and
    # requirement in bulk, under an analysis it has just locked; they go with it through the cascade.
    # The key is the three columns that name a row, so each row costs one index (which also serves
    # every read: by analysis, by analysis and leader) and no id: 400,000 rows at 10,000 leaders.
    pk = models.CompositePrimaryKey("analysis", "participant", "competency")
    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="+", db_constraint=False,
                                 db_index=False)
    # DO_NOTHING: the rows go with their analysis (deleting a participant or a competency would otherwise
    # scan this table, which has no index starting with either; analysed participants belong to
    # released cycles and their competencies to published versions, neither of which is deleted).
    participant = models.ForeignKey("assessments.Participant", on_delete=models.DO_NOTHING, related_name="+",
                                    db_constraint=False, db_index=False)
    competency = models.ForeignKey("competency.Competency", on_delete=models.DO_NOTHING, related_name="+",
                                   db_constraint=False, db_index=False)
    required_level = models.PositiveSmallIntegerField()
    weight = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(1))
    critical = models.BooleanField(default=False)
    observed = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    self_level = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True,
                                     help_text="The leader's own rating, shown beside and never counted.")
    gap = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    weighted_gap = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    status = models.CharField(max_length=10, choices=GapStatus.choices)

    class Meta:
        ordering = ["analysis_id", "participant_id", "status", "competency_id"]


class UnitTree(models.Model):
    """The org-unit tree as it stood when an analysis finished: each unit with every unit at or below it,
    so that a heatmap cell's leaders are found in the same units its figures were summed over, whatever
    has been reorganised since."""

    pk = models.CompositePrimaryKey("analysis", "ancestor", "unit")
    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="+")
    ancestor = models.ForeignKey("profiles.OrgUnit", on_delete=models.DO_NOTHING, related_name="+",
                                 db_constraint=False, db_index=False)
    unit = models.ForeignKey("profiles.OrgUnit", on_delete=models.DO_NOTHING, related_name="+",
                             db_constraint=False, db_index=False)


class AggregateKind(models.TextChoices):
    ORGANISATION = "org", "Organisation"
    UNIT = "unit", "Org unit with its sub-units"
    ROLE = "role", "Role profile"


class Aggregate(models.Model):
    """One cell of a heatmap: a competency (None: all requirements) in an org unit with its sub-units, a
    role profile or the whole organisation. Figures are stored only for at least `MIN_LEADERS`
    assessed leaders, so a small team's scores cannot be read off a heatmap or its export."""

    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="aggregates")
    kind = models.CharField(max_length=4, choices=AggregateKind.choices)
    org_unit = models.ForeignKey("profiles.OrgUnit", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    role_profile = models.ForeignKey("profiles.RoleProfile", null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="+")
    competency = models.ForeignKey("competency.Competency", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="+")
    leaders = models.PositiveIntegerField(help_text="Leaders whose role requires it.")
    assessed = models.PositiveIntegerField(help_text="Those of them with evidence.")
    mean_gap = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    share_below = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True,
                                      help_text="% of the assessed leaders below the requirement.")
    share_critical = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True,
                                         help_text="% of the assessed leaders with a critical gap.")
    readiness = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True,
                                    help_text="The leaders' mean readiness, in % (on the all-requirements row).")

    class Meta:
        ordering = ["analysis_id", "kind", "org_unit_id", "role_profile_id", "competency_id"]
        indexes = [models.Index(fields=["analysis", "kind"], name="aggregate_analysis_kind")]

    @property
    def shown(self) -> bool:
        return self.assessed >= MIN_LEADERS
