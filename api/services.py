"""Creating and revoking API tokens (HR's token pages)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import PREFIX_LENGTH, ApiToken, hash_key

KEY_BYTES = 32
#: last_used_at is written at most this often per token: a busy integration does not write on every call.
TOUCH_INTERVAL = timedelta(minutes=1)


@transaction.atomic
def token_create(*, name: str, role: str, scope: str, actor) -> tuple[ApiToken, str]:
    """The new token and its key, which is never stored: the caller shows it once."""
    key = "pf_" + secrets.token_urlsafe(KEY_BYTES)
    token = ApiToken(name=name.strip(), role=role, scope=scope, key_hash=hash_key(key), prefix=key[:PREFIX_LENGTH],
                     created_by=actor)
    token._history_user = actor
    token.full_clean()
    token.save()
    return token, key


@transaction.atomic
def token_revoke(*, token: ApiToken, actor) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.is_revoked:
        raise ValidationError("This token is revoked already.")
    token.revoked_at = timezone.now()
    token.revoked_by = actor
    token._history_user = actor
    token.save()
    return token


def token_touch(token: ApiToken, now=None) -> None:
    """Records the use of a token, once a minute at most, with one conditional update (no history row:
    the use of a token is not a change to it)."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_INTERVAL:
        return
    ApiToken.objects.filter(pk=token.pk).exclude(last_used_at__gt=now - TOUCH_INTERVAL).update(last_used_at=now)
    token.last_used_at = now
