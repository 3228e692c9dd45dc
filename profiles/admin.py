from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ExpectedBehaviour, OrgUnit, PerformanceIndicator, Person, Requirement, RoleProfile


@admin.register(OrgUnit)
class OrgUnitAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "parent", "head"]
    search_fields = ["name", "code"]
    list_select_related = ["parent", "head__user"]
    raw_id_fields = ["parent", "head"]


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "employee_id", "org_unit", "role_profile", "manager", "active"]
    list_filter = ["active", "org_unit", "role_profile"]
    search_fields = ["employee_id", "user__email", "user__first_name", "user__last_name"]
    list_select_related = ["user", "org_unit", "role_profile", "manager__user"]
    raw_id_fields = ["user", "org_unit", "manager", "role_profile"]


class RequirementInline(admin.TabularInline):
    model = Requirement
    raw_id_fields = ["competency"]
    extra = 0


class BehaviourInline(admin.TabularInline):
    model = ExpectedBehaviour
    raw_id_fields = ["competency"]
    extra = 0


class KpiInline(admin.TabularInline):
    model = PerformanceIndicator
    extra = 0


@admin.register(RoleProfile)
class RoleProfileAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "framework_version", "status", "revision", "approved_by", "approved_at"]
    list_filter = ["status"]
    list_select_related = ["framework_version__framework", "approved_by"]
    raw_id_fields = ["framework_version"]
    inlines = [RequirementInline, BehaviourInline, KpiInline]
    readonly_fields = ["status", "revision", "approved_by", "approved_at"]
