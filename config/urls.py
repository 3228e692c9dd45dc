from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path

from . import views

admin.site.site_header = "Proficio administration"
admin.site.site_title = "Proficio admin"
# One sign-in page for everything, so throttling and the email login apply to the admin too.
admin.site.login = login_required(admin.site.login)

urlpatterns = [
    path("", include("dashboard.urls")),
    path("accounts/", include("accounts.urls")),
    path("frameworks/", include("competency.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
