from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = "Training"

    def ready(self) -> None:
        from gaps.panels import register

        from . import rules  # noqa: F401
        from .panels import expired_certificates_panel, recommendations_panel

        register(expired_certificates_panel)
        register(recommendations_panel)
