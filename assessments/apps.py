from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "360° assessments"

    def ready(self) -> None:
        from . import rules  # noqa: F401
        from .pdf import register_documents

        register_documents()
