from .views import catalogue, enrolments, evidence, reviews

app_name = "training"

urlpatterns = [*catalogue.urlpatterns, *enrolments.urlpatterns, *evidence.urlpatterns, *reviews.urlpatterns]
