from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _restore_reference_data(sender, apps=None, **kwargs) -> None:
    from django.apps import apps as global_apps

    from .reference_data import load_reference_data

    try:
        load_reference_data(apps or global_apps)
    except LookupError:
        pass  # migrating backwards, before the models exist


class CompetencyConfig(AppConfig):
    name = "competency"
    verbose_name = "Competency frameworks"

    def ready(self) -> None:
        from . import rules, signing  # noqa: F401  (register this app's permission rules and signable records)

        post_migrate.connect(_restore_reference_data, sender=self)
