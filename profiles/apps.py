from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "profiles"
    verbose_name = "Role profiles and people"

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import post_save

        from . import rules, signing  # noqa: F401  (register this app's permission rules and signable records)
        from .models import names_follow_account

        post_save.connect(names_follow_account, sender=settings.AUTH_USER_MODEL, dispatch_uid="proficio_person_names")
