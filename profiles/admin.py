from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import OrgUnit, Person


@admin.register(OrgUnit)
class OrgUnitAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "parent", "head"]
    search_fields = ["name", "code"]
    list_select_related = ["parent", "head__user"]
    raw_id_fields = ["parent", "head"]


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "employee_id", "org_unit", "manager", "active"]
    list_filter = ["active", "org_unit"]
    search_fields = ["employee_id", "user__email", "user__first_name", "user__last_name"]
    list_select_related = ["user", "org_unit", "manager__user"]
    raw_id_fields = ["user", "org_unit", "manager"]
