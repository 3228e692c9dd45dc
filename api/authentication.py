"""Bearer-token authentication: `Authorization: Bearer <key>`.

The request's user is a service identity: an unsaved account with the token's role and no person, so
the rules of `accounts.permissions` apply to it unchanged (a token acting as HR may do what an HR
account may do; one acting as an auditor only reads). Its id is 0, which no account has: rules that
compare `user.pk` or filter by the user (own uploads, review invitations) find nothing, as they should
for someone who is nobody in particular.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from accounts.models import User
from accounts.permissions import request_cache
from evidence.middleware import note_token_request

from .models import ApiToken, hash_key
from .services import token_touch

SERVICE_IDENTITY_ID = 0


def _refuse_to_save(*args, **kwargs):
    raise ImproperlyConfigured("An API token's service identity is not an account and is never saved.")


def service_identity(token: ApiToken) -> User:
    identity = User(id=SERVICE_IDENTITY_ID, email=f"token-{token.pk}@api.invalid", first_name=token.name,
                    role=token.role, is_active=True, is_staff=False, is_superuser=False)
    identity.save = identity.delete = _refuse_to_save
    identity.api_token = token
    # Facts the rules ask about the user, answered without a query: a token is nobody's person and
    # manages no one.
    request_cache(identity, "facts").update(person=None, manages=False)
    return identity


class BearerTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the key as “Authorization: Bearer <key>”.")
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("This key is not valid.") from None
        token = ApiToken.objects.filter(key_hash=hash_key(key)).select_related("created_by").first()
        if token is None or token.is_revoked:
            # One answer for both: a revoked key tells its holder nothing a wrong one would not.
            raise exceptions.AuthenticationFailed("This key is not valid, or has been revoked.")
        token_touch(token)
        # An auditor's token is logged as an auditor's pages are (evidence.middleware writes the row once
        # the answer, refusals and 429s included, is known).
        note_token_request(request._request, role=token.role, name=token.name, prefix=token.prefix)
        return service_identity(token), token

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'
