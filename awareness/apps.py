from django.apps import AppConfig


class AwarenessConfig(AppConfig):
    name = "awareness"
    verbose_name = "Awareness and management review"

    def ready(self) -> None:
        from . import rules  # noqa: F401  (registers this app's permission rules)
        from . import rules_review, tasks_review  # noqa: F401  (the management review's rules; its beat task for the worker)
        from .review import register_documents

        register_documents()  # the management review's PDF
