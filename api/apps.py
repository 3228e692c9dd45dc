import re

from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

#: DRF's rates: a count per second, minute, hour or day ("600/minute").
RATE = re.compile(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)")


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "REST API for HR systems"

    def ready(self) -> None:
        # A malformed rate would otherwise surface as a server error on the first API request.
        if not RATE.fullmatch(settings.API_RATE or ""):
            raise ImproperlyConfigured(f"API_RATE must be a count per period, e.g. 600/minute (got {settings.API_RATE!r}).")
        from . import rules, schema  # noqa: F401  (registers the token rules and the schema extension)
