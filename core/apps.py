from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Helpers every app uses; its one model is the outbox of Celery tasks (core/outbox.py)."""

    name = "core"
    verbose_name = "Shared helpers"
