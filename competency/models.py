"""Competency frameworks as controlled documents.

A framework has numbered versions; each version holds a tree of areas → competencies (which may
nest) → behavioural indicators per proficiency level. Only a draft can change: from the moment a
version goes to review its content is locked (reviewers comment on a stable text), and the models
refuse any write to it, so neither a form, the admin nor a script can alter what was reviewed or
approved. A scale is frozen as soon as a version that uses it leaves draft.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from simple_history.models import HistoricalRecords

from .iso_clauses import clause_sort_key
from core.trees import closes_loop, parent_in_db


class FrozenVersionError(ValidationError):
    """Raised when something tries to change the content of a version that is no longer editable."""


class IsoClause(models.Model):
    number = models.CharField(max_length=12, unique=True)
    title = models.CharField(max_length=200)
    sort_key = models.CharField(max_length=24, editable=False)

    class Meta:
        ordering = ["sort_key"]
        verbose_name = "ISO 9001 clause"

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def save(self, *args, **kwargs) -> None:
        self.sort_key = clause_sort_key(self.number)
        super().save(*args, **kwargs)


class LoadedValuesMixin:
    """Remembers the values a row was loaded with, so `save()` can tell what a change touches."""

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_values = dict(zip(field_names, values, strict=True))
        return instance

    def changed_fields(self) -> set[str]:
        loaded = getattr(self, "_loaded_values", None) or {}
        return {
            field.attname
            for field in self._meta.concrete_fields
            if field.attname in loaded and getattr(self, field.attname) != loaded[field.attname]
        }

    def remember_values(self) -> None:
        self._loaded_values = {f.attname: getattr(self, f.attname) for f in self._meta.concrete_fields}


class ProficiencyScale(LoadedValuesMixin, models.Model):
    """Ordered levels; levels at or above `proficient_value` count as proficient.

    "Not observed" is not a level: raters can always choose it and it never counts as a score.
    Under document control with the versions that use it: once one of them leaves draft, the scale
    and its levels are frozen (a copy of the scale can be edited instead).
    """

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    proficient_value = models.PositiveSmallIntegerField(
        help_text="The lowest level that counts as proficient (e.g. 3, Proficient)."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def frozen_by(self) -> FrameworkVersion | None:
        """The version (beyond draft) that freezes this scale, or None while every user is a draft."""
        if self.pk is None:
            return None
        return (
            FrameworkVersion.objects.filter(framework__scale_id=self.pk)
            .exclude(status=VersionStatus.DRAFT).select_related("framework").order_by("-number").first()
        )

    def frozen_message(self, version: FrameworkVersion | None = None) -> str:
        version = version or self.frozen_by()
        return (f"The scale {self.name} is used by {version}, which is {version.get_status_display().lower()}: "
                "the scale is frozen with it. Copy the scale to make a changed one.")

    def check_editable(self) -> None:
        version = self.frozen_by()
        if version is not None:
            raise FrozenVersionError(self.frozen_message(version))

    def deletion_refusal(self) -> str | None:
        """Why the scale cannot be deleted (a framework uses it), or None when it can."""
        used_by = self.frameworks.order_by("name").first()
        if used_by is None:
            return None
        return f"{used_by} uses the scale {self.name}: a scale in use cannot be deleted."

    def clean(self) -> None:
        super().clean()
        if self.pk and not self.levels.filter(value=self.proficient_value).exists():
            raise ValidationError({"proficient_value": "The proficient level must be one of the scale's levels."})

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and self.changed_fields():
            self.check_editable()
        super().save(*args, **kwargs)
        self.remember_values()

    def delete(self, *args, **kwargs):
        self.check_editable()
        return super().delete(*args, **kwargs)


class ProficiencyLevel(LoadedValuesMixin, models.Model):
    scale = models.ForeignKey(ProficiencyScale, on_delete=models.CASCADE, related_name="levels")
    value = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=80)
    description = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["scale", "value"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "value"], name="level_value_unique_in_scale"),
            models.UniqueConstraint(fields=["scale", "name"], name="level_name_unique_in_scale"),
            models.CheckConstraint(condition=models.Q(value__gte=1), name="level_value_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.value} {self.name}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is None or self.changed_fields():
            self.scale.check_editable()
        super().save(*args, **kwargs)
        self.remember_values()

    def delete(self, *args, **kwargs):
        self.scale.check_editable()
        return super().delete(*args, **kwargs)


class Framework(models.Model):
    name = models.CharField(max_length=200)
    code = models.SlugField(max_length=100, unique=True, help_text="Short identifier, e.g. iso9001-leadership.")
    description = models.TextField(blank=True)
    scale = models.ForeignKey(ProficiencyScale, on_delete=models.PROTECT, related_name="frameworks")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_frameworks")
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(max_length=20, default="proficio", help_text="Where the framework came from.")
    #: Properties kept from an imported file (Moodle taxonomy and scale configuration, CASE document fields)
    #: so that an export gives back what came in.
    extra = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def deletion_refusal(self) -> str | None:
        """Why the framework cannot be deleted (a version left draft), or None when it can."""
        kept = self.versions.exclude(status=VersionStatus.DRAFT).first()
        if kept is None:
            return None
        return (f"{kept} is {kept.get_status_display().lower()}: only a framework whose versions are all drafts "
                "can be deleted. Frameworks that were reviewed or approved stay on record.")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


#: Only a draft's content changes; in review it is locked so that reviewers comment on a stable text.
EDITABLE_STATUSES = frozenset({VersionStatus.DRAFT})


class FrameworkVersion(LoadedValuesMixin, models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="revisions"
    )
    change_note = models.TextField(blank=True, help_text="What changed in this version and why.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    effective_date = models.DateField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    #: What may still change once the content is locked, by the status the version had: in review,
    #: the approval; after approval, the later steps of the life cycle.
    CHANGEABLE_FIELDS = {
        VersionStatus.IN_REVIEW: frozenset({"status", "change_note", "approved_by_id", "approved_at"}),
        VersionStatus.APPROVED: frozenset({"status", "published_at", "effective_date", "retired_at"}),
        VersionStatus.PUBLISHED: frozenset({"status", "retired_at"}),
        VersionStatus.RETIRED: frozenset(),
    }

    class Meta:
        ordering = ["framework", "-number"]
        constraints = [
            # "Last number + 1" races; the database refuses the loser instead of keeping two v3s.
            models.UniqueConstraint(fields=["framework", "number"], name="version_number_unique"),
            models.UniqueConstraint(
                fields=["framework"],
                condition=models.Q(status=VersionStatus.PUBLISHED),
                name="one_published_version_per_framework",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.framework.name} v{self.number}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def label(self) -> str:
        return f"v{self.number}"

    def frozen_message(self) -> str:
        if self.status == VersionStatus.IN_REVIEW:
            return (f"{self} is in review: its content is locked so that reviewers comment on a stable text. "
                    "Return it to draft to change it.")
        return f"{self} is {self.get_status_display().lower()}: it is frozen. Revise it to make changes."

    def save(self, *args, **kwargs) -> None:
        loaded = getattr(self, "_loaded_values", None)
        if loaded and loaded.get("status") not in EDITABLE_STATUSES:
            allowed = self.CHANGEABLE_FIELDS.get(loaded.get("status"), frozenset())
            if self.changed_fields() - allowed:
                raise FrozenVersionError(
                    f"{self} is {VersionStatus(loaded['status']).label.lower()}: its content can no longer change."
                )
        super().save(*args, **kwargs)
        self.remember_values()

    def delete(self, *args, **kwargs):
        if not self.is_editable:
            raise FrozenVersionError(f"{self} is {self.get_status_display().lower()}: it cannot be deleted.")
        return super().delete(*args, **kwargs)


class VersionContent(models.Model):
    """Base for everything inside a version: it may only change while the version is editable."""

    class Meta:
        abstract = True

    # Each concrete model defines `owning_version()`, the version whose status decides.

    def check_editable(self) -> None:
        version = self.owning_version()
        if not version.is_editable:
            raise FrozenVersionError(version.frozen_message())

    def clean(self) -> None:
        super().clean()
        try:
            self.check_editable()  # forms (the admin's too) show this as an error instead of failing on save
        except (FrameworkVersion.DoesNotExist, AttributeError, ObjectDoesNotExist):
            pass  # no version chosen yet: the form reports that field as missing

    def save(self, *args, **kwargs) -> None:
        self.check_editable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self.check_editable()
        return super().delete(*args, **kwargs)


class CompetencyArea(VersionContent):
    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="areas")
    uuid = models.UUIDField(default=uuid.uuid4, editable=False)
    code = models.CharField(max_length=100)
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    extra = models.JSONField(default=dict, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["version", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="area_code_unique_in_version")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def owning_version(self) -> FrameworkVersion:
        return self.version


class Competency(VersionContent):
    """A competency with a stable code. `parent` nests competencies below others (kept from deep imports)."""

    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="competencies")
    area = models.ForeignKey(CompetencyArea, on_delete=models.CASCADE, related_name="competencies")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    uuid = models.UUIDField(default=uuid.uuid4, editable=False)
    code = models.CharField(max_length=100, help_text="Stable code, e.g. SV-01.")
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    clauses = models.ManyToManyField(IsoClause, blank=True, related_name="competencies", verbose_name="ISO 9001 clauses")
    related = models.ManyToManyField("self", blank=True, symmetrical=True, verbose_name="related competencies")
    extra = models.JSONField(default=dict, blank=True)

    history = HistoricalRecords(m2m_fields=[clauses])

    class Meta:
        ordering = ["version", "position", "pk"]
        verbose_name_plural = "competencies"
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="competency_code_unique_in_version"),
            models.CheckConstraint(condition=~models.Q(parent=models.F("pk")), name="competency_not_own_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def owning_version(self) -> FrameworkVersion:
        return self.version

    def clean(self) -> None:
        super().clean()
        if self.area_id and self.version_id and self.area.version_id != self.version_id:
            raise ValidationError({"area": "The area belongs to another version."})
        if self.parent_id:
            if self.parent.version_id != self.version_id:
                raise ValidationError({"parent": "The parent belongs to another version."})
            if self.parent.area_id != self.area_id:
                raise ValidationError({"parent": "A competency sits in the same area as its parent."})
            if closes_loop(self.pk, self.parent_id, parent_in_db(Competency.objects.all())):
                raise ValidationError({"parent": "A competency cannot sit below itself."})


class BehaviouralIndicator(VersionContent):
    """Observable behaviour that shows a competency at one proficiency level."""

    competency = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="indicators")
    level = models.PositiveSmallIntegerField(help_text="The value of the proficiency level on the framework's scale.")
    text = models.TextField()
    position = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["competency", "level", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.competency.code} L{self.level}: {self.text[:60]}"

    def owning_version(self) -> FrameworkVersion:
        return self.competency.version


@receiver(m2m_changed, sender=Competency.clauses.through)
@receiver(m2m_changed, sender=Competency.related.through)
def _refuse_link_changes_in_frozen_versions(sender, instance, action, model=None, pk_set=None, **kwargs) -> None:
    """Links of a frozen competency never change, from either end (clause.competencies.add() or a
    related link added from a draft's competency to a published one)."""
    if action not in {"pre_add", "pre_remove", "pre_clear"}:
        return
    if isinstance(instance, Competency):
        instance.check_editable()
    if model is Competency and pk_set:
        frozen = (Competency.objects.filter(pk__in=pk_set).exclude(version__status__in=EDITABLE_STATUSES)
                  .select_related("version__framework").first())
        if frozen is not None:
            raise FrozenVersionError(frozen.version.frozen_message())
    elif action == "pre_clear" and isinstance(instance, IsoClause):
        frozen = instance.competencies.exclude(version__status__in=EDITABLE_STATUSES).select_related(
            "version__framework").first()
        if frozen is not None:
            raise FrozenVersionError(frozen.version.frozen_message())


class ReviewInvitation(models.Model):
    """A stakeholder invited to comment on a version while it is in review."""

    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_invitations")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    invited_at = models.DateTimeField(auto_now_add=True)
    #: Set when the invitation email went out, so a task that runs again sends only what is still unsent.
    email_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["invited_at"]
        constraints = [models.UniqueConstraint(fields=["version", "user"], name="one_invitation_per_stakeholder")]


class CommentStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class ReviewComment(models.Model):
    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="comments")
    competency = models.ForeignKey(
        Competency, null=True, blank=True, on_delete=models.PROTECT, related_name="review_comments",
        help_text="Empty for a comment on the version as a whole. A competency with comments cannot be deleted.",
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=CommentStatus.choices, default=CommentStatus.OPEN)
    reply = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status=CommentStatus.OPEN) | ~models.Q(reply=""),
                name="resolved_comment_has_reply",
            )
        ]


class ImportFormat(models.TextChoices):
    PROFICIO_CSV = "proficio_csv", "Proficio CSV"
    MOODLE_CSV = "moodle_csv", "Moodle competency framework CSV"
    CASE_JSON = "case_json", "CASE CFPackage JSON (1.0 or 1.1)"


class FrameworkImport(models.Model):
    """An uploaded file waiting for the user to check the preview and confirm. Nothing is created before."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    format = models.CharField(max_length=20, choices=ImportFormat.choices)
    filename = models.CharField(max_length=255)
    content = models.TextField(help_text="The decoded text of the file.")
    options = models.JSONField(default=dict, blank=True)
    framework = models.ForeignKey(Framework, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_format_display()} import of {self.filename}"
