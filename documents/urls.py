from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("<slug:kind>/<int:object_id>/request/", views.document_request, name="request"),
    path("<int:pk>/status/", views.document_status, name="status"),
    path("<int:pk>/download/", views.document_download, name="download"),
]
