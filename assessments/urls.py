"""The cycle pages (views.cycles), the questionnaires (views.questionnaires) and results (views.results)."""

from .views import cycles, questionnaires, results

app_name = "assessments"

urlpatterns = cycles.urlpatterns + questionnaires.urlpatterns + results.urlpatterns
