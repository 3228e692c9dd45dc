from django.urls import path

from . import views

app_name = "gaps"

urlpatterns = [
    path("", views.heatmap, name="heatmap"),
    path("analyses/", views.analysis_list, name="analysis_list"),
    path("cycles/<int:cycle_pk>/run/", views.analysis_run, name="analysis_run"),
    path("analyses/<int:pk>/", views.analysis_detail, name="analysis_detail"),
    path("analyses/<int:pk>/progress/", views.analysis_progress, name="analysis_progress"),
    path("analyses/<int:pk>/retry/", views.analysis_retry, name="analysis_retry"),
    path("heatmap/export/<str:fmt>/", views.heatmap_export, name="heatmap_export"),
    path("heatmap/cell/", views.heatmap_cell, name="heatmap_cell"),
    path("trends/", views.trends, name="trends"),
    path("me/", views.my_gaps, name="mine"),
    path("leaders/<int:pk>/", views.leader, name="leader"),
    path("team/", views.team, name="team"),
]
