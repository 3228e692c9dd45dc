from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "profiles"
    verbose_name = "Role profiles and people"

    def ready(self) -> None:
        from . import rules  # noqa: F401
