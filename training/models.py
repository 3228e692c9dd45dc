"""Training and the other evidence of competence (ISO 9001 7.2 b and c).

A catalogue of programmes, each aimed at competencies at a level, with prerequisites and a planned
effectiveness check; sessions with a capacity and a waiting list; enrolments (by HR, by a manager for
a report, or requested by the leader and approved by their manager) with attendance, completion and
result. Beside training, a person's competence record holds certificates, qualifications, experience
and named assessors' sign-offs, each linked to the competencies it supports. Attending a course is
never evidence of competence by itself: evidence is a verified certificate, a qualification, a
sign-off, or an effectiveness review that found the action effective.

Programmes name competencies of a framework version; a competency is the same competency in another
version of its framework when it has the same code (as gap trends match them).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class ProgrammeKind(models.TextChoices):
    WORKSHOP = "workshop", "Workshop"
    COACHING = "coaching", "Coaching"
    ELEARNING = "elearning", "E-learning"
    ON_THE_JOB = "on_the_job", "On-the-job training"
    MENTORING = "mentoring", "Mentoring"
    EXTERNAL = "external", "External course"


class ReviewMethod(models.TextChoices):
    REASSESSMENT = "reassessment", "Re-assessment in the next 360° cycle"
    OBSERVATION = "observation", "Observation at work"
    TEST = "test", "Test"


class Programme(models.Model):
    title = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=12, choices=ProgrammeKind.choices)
    provider = models.CharField(max_length=200, blank=True)
    duration_hours = models.DecimalField(max_digits=6, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))])
    cost = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal(0), validators=[MinValueValidator(0)],
                               help_text="Per participant, in the organisation's currency.")
    description = models.TextField(blank=True)
    review_after_days = models.PositiveSmallIntegerField(
        default=90, validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text="Days after completion when the effectiveness review falls due.")
    review_method = models.CharField(max_length=12, choices=ReviewMethod.choices, default=ReviewMethod.REASSESSMENT,
                                     help_text="How the effectiveness of the training is judged, decided in advance.")
    active = models.BooleanField(default=True, help_text="Inactive programmes keep their records but take no enrolments.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class ProgrammeTarget(models.Model):
    """A competency the programme develops, and the level it aims at."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="targets")
    competency = models.ForeignKey("competency.Competency", on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])

    history = HistoricalRecords()

    class Meta:
        ordering = ["programme_id", "competency__code"]
        constraints = [models.UniqueConstraint(fields=["programme", "competency"], name="one_target_per_competency")]


class Prerequisite(models.Model):
    """A level in a competency a participant should have before the programme."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="prerequisites")
    competency = models.ForeignKey("competency.Competency", on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])

    history = HistoricalRecords()

    class Meta:
        ordering = ["programme_id", "competency__code"]
        constraints = [models.UniqueConstraint(fields=["programme", "competency"], name="one_prerequisite_per_competency")]


class Session(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    place = models.CharField(max_length=200, blank=True)
    link = models.URLField(blank=True, help_text="For online sessions.")
    trainer = models.CharField(max_length=200, blank=True)
    capacity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(1000)])
    cancelled = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                              name="session_ends_after_it_starts")]

    def __str__(self) -> str:
        return f"{self.programme} · {timezone.localtime(self.starts_at):%d %b %Y}"


class EnrolmentStatus(models.TextChoices):
    REQUESTED = "requested", "Requested, awaiting the manager"
    DECLINED = "declined", "Request declined"
    WAITING = "waiting", "On the waiting list"
    ENROLLED = "enrolled", "Enrolled"
    WITHDRAWN = "withdrawn", "Withdrawn"
    CANCELLED = "cancelled", "Session cancelled"
    COMPLETED = "completed", "Completed"
    NOT_COMPLETED = "not_completed", "Did not complete"


#: Enrolments that hold (or wait for) a place in their session.
ACTIVE_ENROLMENT = (EnrolmentStatus.REQUESTED, EnrolmentStatus.WAITING, EnrolmentStatus.ENROLLED)


class EnrolmentResult(models.TextChoices):
    NONE = "", "—"
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"


class Enrolment(models.Model):
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="enrolments")
    person = models.ForeignKey("profiles.Person", on_delete=models.PROTECT, related_name="enrolments")
    status = models.CharField(max_length=14, choices=EnrolmentStatus.choices)
    #: The place on the waiting list (1 first), while waiting.
    waiting_position = models.PositiveIntegerField(null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", help_text="Who approved or declined the leader's request.")
    attended = models.BooleanField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    result = models.CharField(max_length=8, choices=EnrolmentResult.choices, blank=True, default="")
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    #: When the person was told they moved up from the waiting list (the email is sent once). Delivery
    #: bookkeeping, not part of the record: left out of the history.
    moved_up_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    #: When the person was told their session was cancelled (once; bookkeeping, as above).
    cancellation_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["moved_up_notified_at", "cancellation_notified_at"])

    class Meta:
        ordering = ["session_id", "status", "waiting_position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], condition=models.Q(status__in=ACTIVE_ENROLMENT),
                                    name="one_active_enrolment_per_session"),
        ]
        indexes = [models.Index(fields=["person", "status"], name="enrolment_person_status")]

    def __str__(self) -> str:
        when = f", completed {self.completed_on:%d %b %Y}" if self.completed_on else ""
        return f"{self.session}{when} ({self.get_status_display().lower()})"


def private_storage():
    from django.core.files.storage import storages

    return storages["private"]


def _evidence_path(instance, filename: str) -> str:
    # The name the person gave is kept in `filename`; the stored one says nothing about them.
    return f"evidence/{timezone.now():%Y/%m}/{instance.sha256[:2]}/{instance.sha256}"


class EvidenceFile(models.Model):
    """An uploaded PDF, PNG or JPEG (its type read from its content), kept outside the web root in
    PRIVATE_MEDIA_ROOT and served only through the permission layer."""

    file = models.FileField(upload_to=_evidence_path, storage=private_storage, max_length=200)
    filename = models.CharField(max_length=200, help_text="The name it was uploaded under.")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()


class Certificate(models.Model):
    person = models.ForeignKey("profiles.Person", on_delete=models.PROTECT, related_name="certificates")
    enrolment = models.ForeignKey(Enrolment, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="certificates")
    title = models.CharField(max_length=200)
    issuer = models.CharField(max_length=200)
    issued_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    file = models.OneToOneField(EvidenceFile, on_delete=models.PROTECT, related_name="certificate")
    competencies = models.ManyToManyField("competency.Competency", blank=True, related_name="+",
                                          help_text="The requirements it supports.")
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    verified_at = models.DateTimeField(null=True, blank=True)
    expiry_reminded_on = models.DateField(null=True, blank=True, editable=False)

    history = HistoricalRecords(m2m_fields=[competencies])

    class Meta:
        ordering = ["person_id", "-issued_on", "pk"]
        indexes = [models.Index(fields=["expires_on"], name="certificate_expiry")]

    def expired(self, on=None) -> bool:
        return self.expires_on is not None and self.expires_on < (on or timezone.localdate())


class QualificationKind(models.TextChoices):
    DEGREE = "degree", "Degree"
    CERTIFICATION = "certification", "Professional certification"
    LICENCE = "licence", "Licence"


class Qualification(models.Model):
    person = models.ForeignKey("profiles.Person", on_delete=models.PROTECT, related_name="qualifications")
    kind = models.CharField(max_length=14, choices=QualificationKind.choices)
    title = models.CharField(max_length=200)
    issuer = models.CharField(max_length=200)
    awarded_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    file = models.OneToOneField(EvidenceFile, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="qualification")
    competencies = models.ManyToManyField("competency.Competency", blank=True, related_name="+")
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    verified_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(m2m_fields=[competencies])

    class Meta:
        ordering = ["person_id", "-awarded_on", "pk"]


class Experience(models.Model):
    person = models.ForeignKey("profiles.Person", on_delete=models.PROTECT, related_name="experience")
    role = models.CharField(max_length=200)
    organisation = models.CharField(max_length=200)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    competencies = models.ManyToManyField("competency.Competency", blank=True, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords(m2m_fields=[competencies])

    class Meta:
        ordering = ["person_id", "-started_on", "pk"]
        constraints = [models.CheckConstraint(
            condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("started_on")),
            name="experience_ends_after_it_starts")]


class SignOff(models.Model):
    """A named assessor's judgement that the person meets a requirement."""

    person = models.ForeignKey("profiles.Person", on_delete=models.PROTECT, related_name="sign_offs")
    competency = models.ForeignKey("competency.Competency", on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    statement = models.CharField(max_length=200, default="Competent to work unsupervised")
    method = models.CharField(max_length=12, choices=ReviewMethod.choices)
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_on = models.DateField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["person_id", "-signed_on", "pk"]


class EffectivenessReview(models.Model):
    """Whether a completed training worked (7.2 c), for one competency the programme aimed at: due on the
    programme's date with its planned method, recorded by the manager (or HR) with the level before and
    after, the method used and the evidence."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="reviews")
    competency = models.ForeignKey("competency.Competency", on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    planned_method = models.CharField(max_length=12, choices=ReviewMethod.choices)
    level_before = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    level_after = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    method_used = models.CharField(max_length=12, choices=ReviewMethod.choices, blank=True)
    evidence = models.TextField(blank=True)
    effective = models.BooleanField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    reviewed_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["enrolment", "competency"], name="one_review_per_competency")]
        indexes = [models.Index(fields=["reviewed_on", "due_on"], name="review_due")]

    @property
    def done(self) -> bool:
        return self.reviewed_on is not None

    def overdue(self, on=None) -> bool:
        return not self.done and self.due_on < (on or timezone.localdate())
