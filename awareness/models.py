"""Controlled statements, acknowledgements, and management review reports."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

# --- A1: controlled statements and acknowledgements ------------------------------------------------


class StatementKind(models.TextChoices):
    POLICY = "policy", "Quality policy"
    OBJECTIVE = "objective", "Quality objective"
    OTHER = "other", "Other statement"


class Statement(models.Model):
    """A statement leaders must know (ISO 9001 5.2, 6.2, 7.3): its words live in its revisions; the one
    published last is the current one, which people acknowledge."""

    kind = models.CharField(max_length=12, choices=StatementKind.choices, default=StatementKind.POLICY)
    title = models.CharField(max_length=200)
    measure = models.CharField(max_length=300, blank=True, help_text="Quality objectives: how it is measured.")
    target = models.CharField(max_length=200, blank=True, help_text="Quality objectives: the target, e.g. ≥ 95 %.")
    current_revision = models.ForeignKey("StatementRevision", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="current_for", editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "title", "pk"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.kind == StatementKind.OBJECTIVE and not (self.measure.strip() and self.target.strip()):
            raise ValidationError({"measure": "A quality objective needs its measure and its target.",
                                   "target": "A quality objective needs its measure and its target."})


class RevisionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved, not published"
    PUBLISHED = "published", "Current"
    SUPERSEDED = "superseded", "Superseded"


class StatementRevision(models.Model):
    """One wording of a statement. HR or quality write it; another of them approves it by signature; publishing
    makes it the statement's current revision and asks everyone it applies to for an acknowledgement."""

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    text = models.TextField(help_text="Plain text, or HTML (only structure is kept).")
    effective_date = models.DateField()
    applies_to_everyone = models.BooleanField(default=True)
    org_units = models.ManyToManyField("profiles.OrgUnit", blank=True, related_name="+",
                                       help_text="People whose unit is one of these (when not everyone).")
    role_profiles = models.ManyToManyField("profiles.RoleProfile", blank=True, related_name="+",
                                           help_text="People holding one of these role profiles (when not everyone).")
    status = models.CharField(max_length=12, choices=RevisionStatus.choices, default=RevisionStatus.DRAFT)
    change_note = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(m2m_fields=[org_units, role_profiles])

    class Meta:
        ordering = ["statement", "-number"]
        constraints = [models.UniqueConstraint(fields=["statement", "number"], name="statement_revision_number")]

    def __str__(self) -> str:
        return f"{self.statement.title}, revision {self.number}"


class Acknowledgement(models.Model):
    """A person's signed "I have read and understood" of one revision: of a statement, or of their role profile
    (`role_profile` with its `profile_revision`). It stays on record for that revision when a new one comes."""

    person = models.ForeignKey("profiles.Person", on_delete=models.PROTECT, related_name="acknowledgements")
    revision = models.ForeignKey(StatementRevision, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="acknowledgements")
    role_profile = models.ForeignKey("profiles.RoleProfile", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="acknowledgements")
    profile_revision = models.PositiveIntegerField(null=True, blank=True)
    acknowledged_at = models.DateTimeField()
    signature = models.OneToOneField("signatures.Signature", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-acknowledged_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(revision__isnull=False, role_profile__isnull=True, profile_revision__isnull=True)
                           | models.Q(revision__isnull=True, role_profile__isnull=False,
                                      profile_revision__isnull=False)),
                name="acknowledgement_of_one_thing"),
            models.UniqueConstraint(fields=["person", "revision"], condition=models.Q(revision__isnull=False),
                                    name="one_acknowledgement_per_revision"),
            models.UniqueConstraint(fields=["person", "role_profile", "profile_revision"],
                                    condition=models.Q(role_profile__isnull=False),
                                    name="one_acknowledgement_per_profile_revision"),
        ]

    def __str__(self) -> str:
        what = self.revision if self.revision_id else f"{self.role_profile}, revision {self.profile_revision}"
        return f"{self.person} acknowledged {what}"


class AckReminder(models.Model):
    """A reminder owed to a person for one revision they have not acknowledged: written before the email goes
    and marked once it went, so a task run twice reminds nobody twice."""

    person = models.ForeignKey("profiles.Person", on_delete=models.CASCADE, related_name="+")
    revision = models.ForeignKey(StatementRevision, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    role_profile = models.ForeignKey("profiles.RoleProfile", null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="+")
    profile_revision = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "revision"], condition=models.Q(revision__isnull=False),
                                    name="one_reminder_per_revision"),
            models.UniqueConstraint(fields=["person", "role_profile", "profile_revision"],
                                    condition=models.Q(role_profile__isnull=False),
                                    name="one_reminder_per_profile_revision"),
        ]


# --- A2: management review (below this line) ---------------------------------------------------------

from django.utils import timezone  # noqa: E402  (A2's part only needs it)


class ReviewFrequency(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"


class ManagementReview(models.Model):
    """One management review report (ISO 9001 9.3) for a period: the object its PDF is rendered about.
    One row per period, so the documents pipeline reuses the PDF while the figures are unchanged."""

    period_start = models.DateField()
    period_end = models.DateField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "-period_end"]
        constraints = [
            models.UniqueConstraint(fields=["period_start", "period_end"], name="one_review_per_period"),
            models.CheckConstraint(condition=models.Q(period_end__gte=models.F("period_start")),
                                   name="review_period_ordered"),
        ]

    def __str__(self) -> str:
        return f"Management review {self.period_start:%Y-%m-%d} – {self.period_end:%Y-%m-%d}"


class ReportSubscription(models.Model):
    """A quality manager's choice to receive the management review by email, each period of `frequency`."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_subscription")
    frequency = models.CharField(max_length=10, choices=ReviewFrequency.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user} ({self.get_frequency_display().lower()})"


class ReportSend(models.Model):
    """One period's report to one subscriber. The row is claimed (inserted) before the email goes, and
    the unique constraint makes a second run of the task for the same period find it and send nothing."""

    subscription = models.ForeignKey(ReportSubscription, on_delete=models.CASCADE, related_name="sends")
    frequency = models.CharField(max_length=10, choices=ReviewFrequency.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    review = models.ForeignKey(ManagementReview, on_delete=models.PROTECT, related_name="+")
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period_start", "pk"]
        constraints = [models.UniqueConstraint(fields=["subscription", "frequency", "period_start"],
                                               name="one_send_per_period")]
