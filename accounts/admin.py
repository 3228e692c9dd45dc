from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import Invitation, User


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    """Accounts, read-only: roles, administration and emails change on HR's account pages only."""

    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "is_active", "is_staff", "access_valid_until"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name"]
    exclude = ["password", "user_permissions", "groups"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "sent_at", "created_by"]
    list_select_related = ["user", "created_by"]
    search_fields = ["user__email"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
