"""DRF's side of the permission layer: the token's scope, and the rules of `accounts.permissions`."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken

logger = logging.getLogger(__name__)


class TokenScope(BasePermission):
    """A signed-in token; a read-only one may not write, whatever its role's rules would allow."""

    message = "This token may only read: ask HR for a read-and-write token."

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            raise exceptions.NotAuthenticated("Send an API token: “Authorization: Bearer <key>”.")
        return request.method in SAFE_METHODS or token.writes


class TokenRateThrottle(SimpleRateThrottle):
    """Requests per token (API_RATE in settings, e.g. "600/minute"); 429 beyond."""

    scope = "api_token"

    def get_rate(self) -> str:
        from django.conf import settings

        return settings.API_RATE

    def get_cache_key(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            return None  # refused by authentication anyway
        return self.cache_format % {"scope": self.scope, "ident": token.pk}

    def allow_request(self, request, view) -> bool:
        """The counts live in the cache (Redis in production). When it is down, the request is let through
        and the outage logged, as sign-in's throttle does (accounts/throttle.py): a rate limit that answers
        500s to every integration would be worse than none for a while; each token's role and scope still hold."""
        try:
            return super().allow_request(request, view)
        except Exception:  # noqa: BLE001 - whatever the cache backend raises (ConnectionError, redis errors)
            logger.warning("The cache is unreachable: API requests are not counted against API_RATE", exc_info=True)
            return True


def exception_handler(exc, context):
    """The permission engine raises Django's PermissionDenied with its reason: keep the reason."""
    from rest_framework.views import exception_handler as drf_handler

    if isinstance(exc, DjangoPermissionDenied) and exc.args:
        exc = exceptions.PermissionDenied(str(exc.args[0]) or None)
    return drf_handler(exc, context)
