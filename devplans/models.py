"""Development plans (ISO 9001 7.2 c: actions to acquire the necessary competence, and their evaluation).

A plan belongs to one leader and is drafted from their latest gap analysis: one objective per
significant gap (a critical gap or a gap), each with the current and target level, the ISO 9001 clauses
its competency serves (copied when the plan is drafted, so a later framework edit does not rewrite a
signed plan), a due date, a success measure and the planned effectiveness check. Each objective has
actions (training, coaching, a stretch assignment, reading, other), each with an owner, resources (hours,
budget) and a due date, and progress notes.

Status: draft → submitted → approved (by an electronic signature; or returned to draft with a comment)
→ in progress (the first progress on an action) → completed (every objective met, or closed by the
manager, HR or quality with a note). The content (objectives and actions, not status or progress) is
what the approval signs; `version` counts its changes, so a change after signing shows the signature
as superseded.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for approval"
    APPROVED = "approved", "Approved"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"


#: Plans whose actions are being carried out (progress is recorded on them).
RUNNING = (PlanStatus.APPROVED, PlanStatus.IN_PROGRESS)


class Plan(models.Model):
    person = models.ForeignKey("profiles.Person", on_delete=models.PROTECT, related_name="development_plans")
    analysis = models.ForeignKey("gaps.Analysis", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 help_text="The gap analysis the plan was drafted from.")
    #: The released cycle of that analysis, kept when the analysis itself is replaced by a later run.
    source_cycle = models.ForeignKey("assessments.Cycle", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    status = models.CharField(max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    returned_comment = models.TextField(blank=True, help_text="Why the approver returned it (shown until resubmitted).")
    returned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    #: Counts changes of the signed content (objectives and actions); 1 when drafted.
    version = models.PositiveIntegerField(default=1)
    completed_at = models.DateTimeField(null=True, blank=True)
    completion_note = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Drafting again shows the open plan: a leader works on one plan at a time.
            models.UniqueConstraint(fields=["person"], condition=~models.Q(status="completed"),
                                    name="one_open_plan_per_person",
                                    violation_error_message="This person has an open development plan already."),
        ]

    def __str__(self) -> str:
        return f"Development plan of {self.person} ({self.created_at:%d %b %Y})" if self.created_at else (
            f"Development plan of {self.person}")

    @property
    def is_draft(self) -> bool:
        return self.status == PlanStatus.DRAFT

    @property
    def running(self) -> bool:
        return self.status in RUNNING

    @property
    def returned(self) -> bool:
        return self.status == PlanStatus.DRAFT and bool(self.returned_comment)


class CheckMethod(models.TextChoices):
    """How the effectiveness of the actions is checked (planned when the plan is drafted, 7.2 c)."""

    REASSESSMENT = "reassessment", "Re-assessment in the next 360° cycle"
    OBSERVATION = "observation", "Observation at work by the manager"
    REVIEW = "review", "Review of work results against the success measure"
    TEST = "test", "Test or examination"


class Objective(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="objectives")
    competency = models.ForeignKey("competency.Competency", on_delete=models.PROTECT, related_name="+")
    current_level = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True,
                                        help_text="The observed level when the plan was drafted (none: no evidence).")
    target_level = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(20)])
    critical = models.BooleanField(default=False, help_text="A critical requirement of the role.")
    #: The ISO 9001 clauses the competency serves, as they stood when drafted: [{"number", "title"}].
    iso_clauses = models.JSONField(default=list, blank=True)
    due_date = models.DateField(null=True, blank=True)
    success_measure = models.TextField(blank=True)
    check_method = models.CharField(max_length=14, choices=CheckMethod.choices, blank=True)
    check_due = models.DateField(null=True, blank=True, help_text="When the effectiveness check is done.")
    position = models.PositiveIntegerField(default=0)
    met_at = models.DateTimeField(null=True, blank=True)
    met_cycle = models.ForeignKey("assessments.Cycle", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", help_text="The released cycle that showed the target level.")
    met_level = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "competency"], name="one_objective_per_competency"),
        ]

    def __str__(self) -> str:
        return f"{self.competency.code} to level {self.target_level}"

    @property
    def met(self) -> bool:
        return self.met_at is not None

    @property
    def clause_numbers(self) -> str:
        return ", ".join(clause["number"] for clause in self.iso_clauses)


class ActionKind(models.TextChoices):
    TRAINING = "training", "Training"
    COACHING = "coaching", "Coaching"
    STRETCH = "stretch", "Stretch assignment"
    READING = "reading", "Reading"
    OTHER = "other", "Other"


class ActionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


#: Actions that are finished one way or the other.
CLOSED_ACTIONS = (ActionStatus.DONE, ActionStatus.CANCELLED)


class Action(models.Model):
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(max_length=10, choices=ActionKind.choices)
    title = models.CharField(max_length=200)
    detail = models.TextField(blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", help_text="Who makes it happen; empty: the leader.")
    hours = models.DecimalField(max_digits=6, decimal_places=1, default=Decimal(0),
                                validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(2000))])
    budget = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal(0),
                                 validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1_000_000))])
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=ActionStatus.choices, default=ActionStatus.PLANNED)
    programme = models.ForeignKey("training.Programme", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    enrolment = models.ForeignKey("training.Enrolment", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", help_text="The enrolment (request) the training action became.")
    done_on = models.DateField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["objective", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(hours__gte=0), name="action_hours_not_negative"),
            models.CheckConstraint(condition=models.Q(budget__gte=0), name="action_budget_not_negative"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def closed(self) -> bool:
        return self.status in CLOSED_ACTIONS


class ProgressNote(models.Model):
    """What happened on an action, in the words of who did it. Append-only: a note is never changed."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", help_text="Empty when Proficio wrote it (a training completion).")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["action", "created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]
