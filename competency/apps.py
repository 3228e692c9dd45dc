from django.apps import AppConfig


class CompetencyConfig(AppConfig):
    name = "competency"
    verbose_name = "Competency frameworks"
