"""Access-matrix rows of the api app (joined in tests/access.py).

HR's token pages follow the account pages: HR only. The API endpoints answer to tokens, not to the
sign-in session: every signed-in role gets 401 there like a visitor (their own matrix, every endpoint ×
every token role and scope, is tests/api/test_api_matrix.py); an auditor's POST is refused first by the
read-only layer. The schema is readable by anyone signed in or holding a token; its reference page and
the Swagger UI explorer beside it are pages.
"""

from __future__ import annotations

from tests.access import Row, everyone, expect

HR_ONLY = {"quality": 403, "leader": 403, "manager": 403, "auditor": 403}
HIDDEN_FROM_ALL_BUT_HR = {"quality": 404, "leader": 404, "manager": 404, "auditor": 403}


def _token(world) -> dict:
    """A read-only token created by `hr` (made on first use, inside the matrix's world)."""
    if "api_token" not in world.objects:
        from api.services import token_create

        world.objects["api_token"], _ = token_create(name="Matrix sync", role="hr", scope="read", actor=world.user("hr"))
    return {"pk": world.objects["api_token"].pk}


def _person(world) -> dict:
    return {"employee_id": world.people["leader"].employee_id}


TOKEN_ONLY = everyone(401)
TOKEN_ONLY_POST = dict(everyone(401), auditor=403)
ANONYMOUS_ALLOWED = {"api:schema", "api:framework-list", "api:version-detail", "api:version-export",
                     "api:orgunit-list", "api:roleprofile-list", "api:person-list", "api:people-bulk",
                     "api:person-detail", "api:person-training", "api:cycle-list", "api:cycle-detail",
                     "api:cycle-results", "api:analysis-list", "api:analysis-leaders", "api:plan-list", "api:plan-detail",
                     "api:pack-list", "api:pack-detail", "api:pack-download"}

ROWS = [
    Row("api:token_list", get=expect(200, **HR_ONLY)),
    Row("api:token_create", get=expect(200, **HR_ONLY), post=expect(400, **HR_ONLY)),
    Row("api:token_revoke", kwargs=_token, get=expect(405, anonymous=302), post=expect(302, **HIDDEN_FROM_ALL_BUT_HR)),
    Row("api:schema", get=expect(200, anonymous=401)),
    Row("api:docs", get=expect(200)),
    Row("api:explorer", get=expect(200)),
    Row("api:framework-list", get=TOKEN_ONLY),
    Row("api:version-detail", kwargs=lambda w: {"pk": w.objects["published"].pk}, get=TOKEN_ONLY),
    Row("api:version-export", kwargs=lambda w: {"pk": w.objects["published"].pk, "fmt": "proficio-csv"},
        get=TOKEN_ONLY),
    Row("api:orgunit-list", get=TOKEN_ONLY),
    Row("api:roleprofile-list", get=TOKEN_ONLY),
    Row("api:person-list", get=TOKEN_ONLY),
    Row("api:people-bulk", get=TOKEN_ONLY, post=TOKEN_ONLY_POST),
    Row("api:person-detail", kwargs=_person, get=TOKEN_ONLY),
    # The token is checked before any object is looked up: any id gets the same 401.
    Row("api:person-training", kwargs=_person, get=TOKEN_ONLY),
    Row("api:cycle-list", get=TOKEN_ONLY),
    Row("api:cycle-detail", kwargs=lambda w: {"pk": 1}, get=TOKEN_ONLY),
    Row("api:cycle-results", kwargs=lambda w: {"pk": 1}, get=TOKEN_ONLY),
    Row("api:analysis-list", get=TOKEN_ONLY),
    Row("api:analysis-leaders", kwargs=lambda w: {"pk": 1}, get=TOKEN_ONLY),
    Row("api:plan-list", get=TOKEN_ONLY),
    Row("api:plan-detail", kwargs=lambda w: {"pk": 1}, get=TOKEN_ONLY),
    Row("api:pack-list", get=TOKEN_ONLY, post=TOKEN_ONLY_POST),
    Row("api:pack-detail", kwargs=lambda w: {"pk": 1}, get=TOKEN_ONLY),
    Row("api:pack-download", kwargs=lambda w: {"pk": 1}, get=TOKEN_ONLY),
]
