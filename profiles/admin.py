"""Org units and people in the admin go through the same services as the pages; role profiles,
which are controlled records, are read-only here with their audit history."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from core.admin import ReadOnlyAdmin, ReadOnlyInline, ServiceAdmin

from . import services
from .models import ExpectedBehaviour, OrgUnit, PerformanceIndicator, Person, Requirement, RoleProfile


@admin.register(OrgUnit)
class OrgUnitAdmin(ServiceAdmin):
    list_display = ["name", "code", "parent", "head"]
    search_fields = ["name", "code"]
    list_select_related = ["parent", "head__user"]
    raw_id_fields = ["parent", "head"]

    def save_through_service(self, request, obj, form) -> None:
        services.orgunit_save(unit=obj, name=obj.name, code=obj.code, parent=obj.parent, head=obj.head,
                              actor=request.user)


class PersonAdminForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = "__all__"

    def clean(self):
        data = super().clean()
        if self.instance.pk and "active" in data:
            current = Person.objects.select_related("user").get(pk=self.instance.pk)
            try:
                services.check_active_change(current, data["active"])
            except ValidationError as error:
                self.add_error(None, error)
        return data


@admin.register(Person)
class PersonAdmin(ServiceAdmin):
    form = PersonAdminForm
    list_display = ["__str__", "employee_id", "org_unit", "role_profile", "manager", "active"]
    list_filter = ["active", "org_unit", "role_profile"]
    search_fields = ["employee_id", "user__email", "user__first_name", "user__last_name"]
    list_select_related = ["user", "org_unit", "role_profile", "manager__user"]
    raw_id_fields = ["org_unit", "manager", "role_profile"]
    readonly_fields = ["user", "employee_id"]

    def save_through_service(self, request, obj, form) -> None:
        services.person_update(person=obj, org_unit=obj.org_unit, role_profile=obj.role_profile, manager=obj.manager,
                               start_date_in_role=obj.start_date_in_role, active=obj.active, actor=request.user)


class RequirementInline(ReadOnlyInline):
    model = Requirement


class BehaviourInline(ReadOnlyInline):
    model = ExpectedBehaviour


class KpiInline(ReadOnlyInline):
    model = PerformanceIndicator


@admin.register(RoleProfile)
class RoleProfileAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "framework_version", "status", "revision", "approved_by", "approved_at"]
    list_filter = ["status"]
    list_select_related = ["framework_version__framework", "approved_by"]
    inlines = [RequirementInline, BehaviourInline, KpiInline]


@admin.register(Requirement)
class RequirementAdmin(ReadOnlyAdmin):
    list_display = ["profile", "competency", "required_level", "weight", "critical"]
    list_select_related = ["profile", "competency"]
