"""Records every page an auditor opens (any method, with the status it got): one insert per request.

Placed after the authentication middleware (and after the one that refuses auditors' writes), so a
refused write is logged with its 403 too. Who asks is known before the view runs, so signing out is
logged as the auditor's; signing in is not (the visitor is nobody yet; the sign-in log has it).
Other roles pass through without a query. When the insert itself fails (the database is down), the
page is answered all the same and the failure goes to the error log.

The API authenticates later, inside its views, by token: whoever recognises an auditor's token calls
`note_token_request` on the request, and the row, written here once the answer is known, names the token
(its name and key prefix) instead of an account. This module knows nothing of the api app (which sits
below evidence): the token is described to it, not handed over.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Role

from .models import AccessEvent

logger = logging.getLogger(__name__)
#: The longest path (with its query) kept; longer ones are cut (AccessEvent.path).
MAX_PATH = 2000
#: Where a recognised auditor token is noted on the request (see note_token_request).
TOKEN_NOTE = "_access_log_token"


def note_token_request(request: HttpRequest, *, role: str, name: str, prefix: str) -> None:
    """Called by the API once it has recognised the request's token: an auditor's token makes the request
    logged, whatever it is answered. Other roles' tokens are not logged, as their accounts are not."""
    if role == Role.AUDITOR:
        setattr(request, TOKEN_NOTE, (name, prefix))


class AuditorAccessLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        # Who asks is read before the view runs: signing out replaces request.user.
        user = getattr(request, "user", None)
        auditor = user is not None and user.is_authenticated and user.role == Role.AUDITOR
        response = self.get_response(request)
        token = getattr(request, TOKEN_NOTE, None)
        if auditor or token:
            # A token's request is the token's, even from a browser signed in as an auditor: one row.
            asker = {"token_name": token[0][:120], "token_prefix": token[1][:16]} if token else {"user_id": user.pk}
            try:
                AccessEvent.objects.create(**asker, at=timezone.now(), method=request.method[:8],
                                           path=request.get_full_path()[:MAX_PATH], status=response.status_code)
            except DatabaseError:
                logger.exception("Could not log an auditor's request to %s", request.path)
        return response
