from django.contrib import admin
from django.contrib.auth.models import Group

from core.admin import ReadOnlyAdmin, ViewOnly

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
class InvitationAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["user", "created_at", "sent_at", "created_by"]
    list_select_related = ["user", "created_by"]
    search_fields = ["user__email"]


# The sign-in records of django-axes are the audit trail of access: read in the admin, never deleted
# there. (A lockout is lifted by a new password from the reset link, or when it expires.)
def _sign_in_records_read_only() -> None:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        if admin.site.is_registered(model):
            current = type(admin.site.get_model_admin(model))
            admin.site.unregister(model)
            admin.site.register(model, type(f"ReadOnly{current.__name__}", (ViewOnly, current), {}))


_sign_in_records_read_only()
# Permission groups do nothing in Proficio (roles decide); offering them would only confuse.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


# The TOTP devices' admin shows each secret and its QR code: anyone reading it could sign in as that person.
# HR turns a lost phone's two-factor sign-in off from the account's page instead.
def _two_factor_devices_hidden() -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if admin.site.is_registered(TOTPDevice):
        admin.site.unregister(TOTPDevice)


_two_factor_devices_hidden()
