from django.urls import path

from . import views

app_name = "profiles"

urlpatterns = [
    path("org/", views.orgunit_tree, name="orgunit_tree"),
    path("org/new/", views.orgunit_create, name="orgunit_create"),
    path("org/<int:pk>/edit/", views.orgunit_edit, name="orgunit_edit"),
    path("profiles/", views.profile_list, name="profile_list"),
    path("profiles/new/", views.profile_create, name="profile_create"),
    path("profiles/<int:pk>/", views.profile_detail, name="profile_detail"),
    path("profiles/<int:pk>/edit/", views.profile_edit, name="profile_edit"),
    path("profiles/<int:pk>/requirements/", views.profile_requirements, name="profile_requirements"),
    path("profiles/<int:pk>/behaviours/", views.profile_expectations, name="profile_expectations"),
    path("profiles/<int:pk>/approve/", views.profile_approve, name="profile_approve"),
    path("profiles/<int:pk>/move/", views.profile_migrate, name="profile_migrate"),
    path("people/", views.person_list, name="person_list"),
    path("people/import/", views.people_import, name="people_import"),
    path("people/imports/<int:pk>/", views.people_import_preview, name="people_import_preview"),
    path("people/imports/<int:pk>/confirm/", views.people_import_confirm, name="people_import_confirm"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
]
