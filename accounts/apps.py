from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and permissions"

    def ready(self) -> None:
        from . import rules, signals  # noqa: F401  (registers the rules and the sign-in handlers)
