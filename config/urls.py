from django.contrib import admin
from django.urls import include, path

from accounts.views import admin_login

from . import views

admin.site.site_header = "Proficio administration"
admin.site.site_title = "Proficio admin"
admin.site.login = admin_login

urlpatterns = [
    path("", include("dashboard.urls")),
    path("accounts/", include("accounts.urls")),
    path("frameworks/", include("competency.urls")),
    path("", include("profiles.urls")),
    path("assessments/", include("assessments.urls")),
    path("gaps/", include("gaps.urls")),
    path("training/", include("training.urls")),
    path("plans/", include("devplans.urls")),
    path("awareness/", include("awareness.urls")),
    path("evidence/", include("evidence.urls")),
    path("documents/", include("documents.urls")),
    path("api/", include("api.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
