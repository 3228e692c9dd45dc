from django.urls import path

from . import views

app_name = "competency"

urlpatterns = [
    path("", views.framework_list, name="framework_list"),
    path("new/", views.framework_create, name="framework_create"),
    path("import/", views.framework_import, name="framework_import"),
    path("imports/<int:pk>/", views.import_preview, name="import_preview"),
    path("imports/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("<int:pk>/", views.framework_detail, name="framework_detail"),
    path("<int:pk>/edit/", views.framework_edit, name="framework_edit"),
    path("<int:pk>/delete/", views.framework_delete, name="framework_delete"),
    path("versions/<int:pk>/", views.version_detail, name="version_detail"),
    path("versions/<int:pk>/submit/", views.version_submit, name="version_submit"),
    path("versions/<int:pk>/return/", views.version_return, name="version_return"),
    path("versions/<int:pk>/approve/", views.version_approve, name="version_approve"),
    path("versions/<int:pk>/publish/", views.version_publish, name="version_publish"),
    path("versions/<int:pk>/retire/", views.version_retire, name="version_retire"),
    path("versions/<int:pk>/revise/", views.version_revise, name="version_revise"),
    path("versions/<int:pk>/diff/<int:other_pk>/", views.version_diff, name="version_diff"),
    path("versions/<int:pk>/export/<str:fmt>/", views.version_export, name="version_export"),
    path("versions/<int:pk>/areas/new/", views.area_create, name="area_create"),
    path("versions/<int:pk>/review/", views.version_review, name="version_review"),
    path("versions/<int:pk>/review/invite/", views.version_invite, name="version_invite"),
    path("versions/<int:pk>/review/comment/", views.comment_add, name="comment_add"),
    path("comments/<int:pk>/resolve/", views.comment_resolve, name="comment_resolve"),
    path("areas/<int:pk>/edit/", views.area_edit, name="area_edit"),
    path("areas/<int:pk>/delete/", views.area_delete, name="area_delete"),
    path("areas/<int:pk>/move/<str:direction>/", views.area_move, name="area_move"),
    path("areas/<int:pk>/competencies/new/", views.competency_create, name="competency_create"),
    path("competencies/<int:pk>/", views.competency_detail, name="competency_detail"),
    path("competencies/<int:pk>/edit/", views.competency_edit, name="competency_edit"),
    path("competencies/<int:pk>/delete/", views.competency_delete, name="competency_delete"),
    path("competencies/<int:pk>/move/<str:direction>/", views.competency_move, name="competency_move"),
    path("scales/", views.scale_list, name="scale_list"),
    path("scales/new/", views.scale_create, name="scale_create"),
    path("scales/<int:pk>/", views.scale_detail, name="scale_detail"),
    path("scales/<int:pk>/edit/", views.scale_edit, name="scale_edit"),
    path("scales/<int:pk>/copy/", views.scale_copy, name="scale_copy"),
    path("scales/<int:pk>/delete/", views.scale_delete, name="scale_delete"),
]
