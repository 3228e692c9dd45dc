"""Counters in the cache, and with them a limit on failed sign-ins per address, across accounts.

django-axes pauses one account from one address after a few failures. Someone trying one password
against many accounts (password spraying) never trips that, so failures are also counted per
address: after LOGIN_FAILURES_PER_ADDRESS of them within the lockout period, sign-in from that
address is paused for everyone until the period has passed. The counters live in the cache, which
all web processes share (Redis in production). When the cache is down, the counters count nothing and
pause no one (logged): signing in keeps working, and django-axes' pause per account and address,
kept in the database, still holds.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from .backends import client_ip

logger = logging.getLogger(__name__)


def _key(request: HttpRequest) -> str:
    return f"sign-in-failures:address:{client_ip(request)}"


def _window_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def count_in_window(key: str, seconds: int) -> int:
    """Counts one more event under `key` and returns the count within the window, which starts at
    the first event and lasts `seconds`."""
    try:
        cache.add(key, 0, timeout=seconds)
        try:
            return cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.set(key, 1, timeout=seconds)
            return 1
    except Exception:  # noqa: BLE001 - the cache (Redis) is down: count nothing rather than refuse everyone
        logger.warning("The cache is unreachable: %s is not counted", key.split(":")[0], exc_info=True)
        return 0


def record_failure(request: HttpRequest) -> int:
    return count_in_window(_key(request), _window_seconds())


def address_paused(request: HttpRequest) -> bool:
    try:
        failures = cache.get(_key(request)) or 0
    except Exception:  # noqa: BLE001 - the cache (Redis) is down: see the module's docstring
        logger.warning("The cache is unreachable: sign-in failures per address are not checked", exc_info=True)
        return False
    return failures >= settings.LOGIN_FAILURES_PER_ADDRESS
