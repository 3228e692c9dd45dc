from django.urls import path
from django.views.generic import RedirectView

from .views import catalogue, enrolments, evidence, reviews

app_name = "training"

urlpatterns = [
    # /training/ is the catalogue (an address people type or cut back to).
    path("", RedirectView.as_view(pattern_name="training:programme_list", permanent=False), name="index"),
    *catalogue.urlpatterns, *enrolments.urlpatterns, *evidence.urlpatterns, *reviews.urlpatterns,
]
