from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords


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

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        ancestor, seen = self.parent, set()
        while ancestor is not None and ancestor.pk not in seen:
            if ancestor.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": "A unit cannot sit below itself."})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent


class Person(models.Model):
    """A leader: the person behind a user account, their place in the organisation and their manager."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="person")
    employee_id = models.CharField("employee id", max_length=40, unique=True)
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="people")
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    start_date_in_role = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        verbose_name_plural = "people"
        constraints = [
            models.CheckConstraint(condition=~models.Q(manager=models.F("pk")), name="person_not_own_manager"),
        ]

    def __str__(self) -> str:
        return str(self.user)

    def clean(self) -> None:
        super().clean()
        manager = self.manager
        seen: set[int] = set()
        while manager is not None and manager.pk not in seen:
            if self.pk is not None and manager.pk == self.pk:
                raise ValidationError({"manager": "This would make a loop of managers: a person would manage themself."})
            seen.add(manager.pk)
            manager = manager.manager
