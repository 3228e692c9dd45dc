from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "evidence"
    verbose_name = "Evidence for auditors"

    def ready(self) -> None:
        from . import rules  # noqa: F401  (registers this app's permission rules)
        from . import rules_landing  # noqa: F401  (E3: the landing page, samples, access log)
        from .packs import connect; connect()  # noqa: E702  (E2: pack rules, the "pack" document kind, the download log)
