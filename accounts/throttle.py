"""Counters in the cache, and with them a limit on failed sign-ins per address, across accounts.

django-axes pauses one account from one address after a few failures. Someone trying one password
against many accounts (password spraying) never trips that, so failures are also counted per
address: after LOGIN_FAILURES_PER_ADDRESS of them within the lockout period, sign-in from that
address is paused for everyone until the period has passed. The counters live in the cache, which
all web processes share (Redis in production).
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from .backends import client_ip


def _key(request: HttpRequest) -> str:
    return f"sign-in-failures:address:{client_ip(request)}"


def _window_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def count_in_window(key: str, seconds: int) -> int:
    """Counts one more event under `key` and returns the count within the window, which starts at
    the first event and lasts `seconds`."""
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout=seconds)
        return 1


def record_failure(request: HttpRequest) -> int:
    return count_in_window(_key(request), _window_seconds())


def address_paused(request: HttpRequest) -> bool:
    return (cache.get(_key(request)) or 0) >= settings.LOGIN_FAILURES_PER_ADDRESS
