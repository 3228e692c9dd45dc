from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Helpers every app uses. No models; an app so that its template tags load."""

    name = "core"
    verbose_name = "Shared helpers"
