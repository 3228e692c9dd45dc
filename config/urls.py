from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.urls import include, path

from . import views

admin.site.site_header = "Proficio administration"
admin.site.site_title = "Proficio admin"


def _admin_login(request, extra_context=None):
    """One sign-in page for everything (so throttling and the email login apply to the admin too);
    signed-in people without admin rights are told so instead of being asked to sign in again."""
    if request.user.is_authenticated and not request.user.is_staff:
        raise PermissionDenied("The administration is for HR administrators only.")
    return login_required(admin.AdminSite.login)(admin.site, request, extra_context)


admin.site.login = _admin_login

urlpatterns = [
    path("", include("dashboard.urls")),
    path("accounts/", include("accounts.urls")),
    path("frameworks/", include("competency.urls")),
    path("", include("profiles.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
