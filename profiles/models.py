from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower, Upper
from simple_history.models import HistoricalRecords

from core.trees import closes_loop, parent_in_db


class OrgUnit(models.Model):
    """A unit of the organisation; units form a tree through `parent`."""

    name = models.CharField(max_length=200)
    code = models.CharField(max_length=40, unique=True, help_text="Short stable code used by imports, e.g. OPS-PLANT1.")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    head = models.ForeignKey(
        "profiles.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="headed_units"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = "org unit"
        constraints = [
            # Imports match unit codes whatever their case, so "ops" and "OPS" must not both exist.
            models.UniqueConstraint(Lower("code"), name="orgunit_code_ci_unique",
                                    violation_error_message="An org unit with this code (in any case) exists already."),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if closes_loop(self.pk, self.parent_id, parent_in_db(OrgUnit.objects.all())):
            raise ValidationError({"parent": "A unit cannot sit below itself."})


class Person(models.Model):
    """A leader: the person behind a user account, their place in the organisation and their manager."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="person")
    employee_id = models.CharField("employee id", max_length=40, unique=True)
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="people")
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    role_profile = models.ForeignKey(
        "profiles.RoleProfile", null=True, blank=True, on_delete=models.PROTECT, related_name="people"
    )
    start_date_in_role = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True, help_text="Inactive people keep their records but leave lists and cycles.")
    #: Copies of the account's names, kept by `save()` and by every bulk write that changes names, so
    #: that the people list sorts on an index of this table: page 200 reads the index, it sorts nothing.
    sort_last_name = models.CharField(max_length=150, blank=True, editable=False)
    sort_first_name = models.CharField(max_length=150, blank=True, editable=False)

    # The copies are derived, not controlled: the account's own history records the names.
    history = HistoricalRecords(excluded_fields=["sort_last_name", "sort_first_name"])

    #: The order of every list of people.
    LIST_ORDER = ("sort_last_name", "sort_first_name", "id")

    class Meta:
        ordering = ["sort_last_name", "sort_first_name", "id"]
        verbose_name_plural = "people"
        indexes = [
            models.Index(fields=["active", "sort_last_name", "sort_first_name", "id"], name="person_list_order"),
            # The people search matches employee ids whatever their case.
            models.Index(Upper("employee_id"), name="person_employee_id_upper"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(manager=models.F("pk")), name="person_not_own_manager"),
        ]

    def __str__(self) -> str:
        return str(self.user)

    def save(self, *args, **kwargs) -> None:
        self.sort_last_name, self.sort_first_name = self.user.last_name, self.user.first_name
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "sort_last_name", "sort_first_name"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if closes_loop(self.pk, self.manager_id, parent_in_db(Person.objects.all(), "manager_id")):
            raise ValidationError({"manager": f"{self.manager} is managed, directly or not, by {self}: "
                                              "that would make a loop of managers."})


class ProfileStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"


class RoleProfile(models.Model):
    """What a leadership role requires, written against one published framework version.

    A controlled record: approval records who, when and why; any later change makes it a draft again
    until it is re-approved, and the audit history keeps every earlier state.
    """

    name = models.CharField(max_length=200)
    code = models.SlugField(max_length=60, unique=True, help_text="Short identifier used by imports, e.g. quality-manager.")
    description = models.TextField(blank=True)
    framework_version = models.ForeignKey(
        "competency.FrameworkVersion", on_delete=models.PROTECT, related_name="role_profiles",
        help_text="The published framework version the requirements are written against.",
    )
    status = models.CharField(max_length=10, choices=ProfileStatus.choices, default=ProfileStatus.DRAFT)
    revision = models.PositiveIntegerField(default=0, help_text="Counts approvals: revision 1 is the first approved one.")
    change_note = models.TextField(blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    #: The requirements as approved in the latest revision. People's pages (and later gap analyses) read
    #: these, so edits in progress do not apply to anyone before they are approved.
    approved_requirements = models.JSONField(default=list, blank=True, editable=False)
    #: The expected behaviours and KPIs as approved: {"behaviours": [{"code", "text"}], "kpis": [{...}]}.
    approved_expectations = models.JSONField(default=dict, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Requirement(models.Model):
    profile = models.ForeignKey(RoleProfile, on_delete=models.CASCADE, related_name="requirements")
    competency = models.ForeignKey("competency.Competency", on_delete=models.PROTECT, related_name="requirements")
    required_level = models.PositiveSmallIntegerField()
    weight = models.DecimalField(max_digits=5, decimal_places=2, default=1)
    critical = models.BooleanField(default=False, help_text="Critical requirements are shown first in gap analyses.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["profile", "competency__area__position", "competency__position"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "competency"], name="one_requirement_per_competency"),
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="requirement_weight_positive"),
            models.CheckConstraint(condition=models.Q(required_level__gte=1), name="requirement_level_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.profile}: {self.competency.code} ≥ {self.required_level}"


class ExpectedBehaviour(models.Model):
    """A behaviour that shows proficiency in the role, tied to one of the profile's competencies."""

    profile = models.ForeignKey(RoleProfile, on_delete=models.CASCADE, related_name="behaviours")
    competency = models.ForeignKey("competency.Competency", on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    position = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["profile", "position", "pk"]


class Comparator(models.TextChoices):
    AT_LEAST = ">=", "at least (≥)"
    AT_MOST = "<=", "at most (≤)"
    EXACTLY = "=", "exactly (=)"


class PerformanceIndicator(models.Model):
    """A KPI with a target that shows proficiency in the role, e.g. audit findings closed on time ≥ 95 %."""

    profile = models.ForeignKey(RoleProfile, on_delete=models.CASCADE, related_name="kpis")
    name = models.CharField(max_length=200)
    comparator = models.CharField(max_length=2, choices=Comparator.choices, default=Comparator.AT_LEAST)
    target = models.DecimalField(max_digits=12, decimal_places=2)
    unit = models.CharField(max_length=30, blank=True, help_text="e.g. %, days, per month")
    how_measured = models.TextField(blank=True, help_text="Source and method, e.g. monthly report from the audit log.")
    position = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["profile", "position", "pk"]
        verbose_name = "performance indicator"

    SYMBOLS = {">=": "≥", "<=": "≤", "=": "="}

    def __str__(self) -> str:
        return f"{self.name} {self.target_text}"

    @property
    def target_text(self) -> str:
        return f"{self.SYMBOLS[self.comparator]} {self.target.normalize():f} {self.unit}".strip()


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Waiting for confirmation"
    QUEUED = "queued", "Confirmed, importing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class PeopleImport(models.Model):
    """An uploaded people file: previewed, confirmed, then applied by a background task."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=255)
    encoding = models.CharField(max_length=20, default="utf-8")
    content = models.BinaryField()
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    summary = models.JSONField(default=dict, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"People import {self.filename}"


def names_follow_account(sender, instance, **kwargs) -> None:
    """An account renamed anywhere (HR's pages, a script) renames the copies the people list sorts by."""
    Person.objects.filter(user_id=instance.pk).exclude(
        sort_last_name=instance.last_name, sort_first_name=instance.first_name
    ).update(sort_last_name=instance.last_name, sort_first_name=instance.first_name)
