from django.contrib.auth.decorators import login_not_required, login_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated

from . import views, views_api, views_docs, views_read
from .authentication import BearerTokenAuthentication

app_name = "api"


def endpoint(view_class, **kwargs):
    """API endpoints authenticate by token, not by the sign-in session: the site's login redirect does not
    apply to them (they answer 401 instead)."""
    return login_not_required(view_class.as_view(**kwargs))


#: The schema is read by integrators with their token and by signed-in people through the docs page.
schema_access = {"authentication_classes": [BearerTokenAuthentication, SessionAuthentication],
                 "permission_classes": [IsAuthenticated]}

# Ids in API paths are read as text and checked by the view, so that a malformed one gets the API's JSON 404
# rather than the site's HTML page.
urlpatterns = [
    # HR's token pages
    path("tokens/", views.token_list, name="token_list"),
    path("tokens/new/", views.token_create, name="token_create"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    # the API
    path("v1/schema/", endpoint(SpectacularAPIView, **schema_access), name="schema"),
    # The reference is Proficio's own page, read from the schema, for signed-in people.
    path("v1/docs/", views_docs.api_docs, name="docs"),
    # Swagger UI, the interactive explorer beside it (its script is a file of its own: no inline script under
    # the CSP). DRF exempts its views from the site's login redirect; the explorer takes it back.
    path("v1/docs/try/", login_required(SpectacularSwaggerSplitView.as_view(
        url_name="api:schema", authentication_classes=[SessionAuthentication], permission_classes=[IsAuthenticated],
    )), name="explorer"),
    path("v1/frameworks/", endpoint(views_api.FrameworkList), name="framework-list"),
    path("v1/versions/<str:pk>/", endpoint(views_api.VersionDetail), name="version-detail"),
    path("v1/versions/<str:pk>/export/<str:fmt>/", endpoint(views_api.VersionExport), name="version-export"),
    path("v1/org-units/", endpoint(views_api.OrgUnitList), name="orgunit-list"),
    path("v1/role-profiles/", endpoint(views_api.RoleProfileList), name="roleprofile-list"),
    path("v1/people/", endpoint(views_api.PersonList), name="person-list"),
    path("v1/people/bulk/", endpoint(views_api.PeopleBulk), name="people-bulk"),
    path("v1/people/<str:employee_id>/", endpoint(views_api.PersonDetail), name="person-detail"),
    path("v1/people/<str:employee_id>/training/", endpoint(views_read.PersonTraining), name="person-training"),
    path("v1/cycles/", endpoint(views_read.CycleList), name="cycle-list"),
    path("v1/cycles/<str:pk>/", endpoint(views_read.CycleDetail), name="cycle-detail"),
    path("v1/cycles/<str:pk>/results/", endpoint(views_read.CycleResults), name="cycle-results"),
    path("v1/analyses/", endpoint(views_read.AnalysisList), name="analysis-list"),
    path("v1/analyses/<str:pk>/leaders/", endpoint(views_read.AnalysisLeaders), name="analysis-leaders"),
    path("v1/plans/", endpoint(views_read.PlanList), name="plan-list"),
    path("v1/plans/<str:pk>/", endpoint(views_read.PlanDetail), name="plan-detail"),
    path("v1/packs/", endpoint(views_read.PackList), name="pack-list"),
    path("v1/packs/<str:pk>/", endpoint(views_read.PackDetail), name="pack-detail"),
    path("v1/packs/<str:pk>/download/", endpoint(views_read.PackDownload), name="pack-download"),
]
