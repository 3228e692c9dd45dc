"""Access-matrix rows of sign-in security (joined into tests/access.py): the code step of sign-in, one's
own two-factor sign-in and sessions (every signed-in role, auditors too), HR's security policy, and HR
ending an account's sessions or turning off its two-factor sign-in. Nobody in the world has a device and
the policy is off, so the code step sends everyone away and turning the policy on is refused (400)."""

from __future__ import annotations

from tests.access import ANONYMOUS_ALLOWED, Row, everyone, expect

ANONYMOUS_ALLOWED.add("accounts:login_code")  # the step between password and code: nobody is signed in yet

# HR only, on an account in the reader's audience (own account 403, other people's 404).
OWN_OR_HR_POST = {"quality": 404, "leader": 403, "manager": 404, "auditor": 403}


def leader_session(world) -> dict:
    """A session of the leader's elsewhere (another browser), made for each request's URL."""
    from importlib import import_module

    from django.conf import settings

    from accounts.models import UserSession

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store.create()
    return {"pk": UserSession.objects.create(session_id=store.session_key, user=world.user("leader")).pk}


ROWS: list = [
    Row("accounts:login_code", get=everyone(302), post=expect(302, auditor=403), data=lambda w: {"code": "123456"},
        label="no password step in this session"),
    Row("accounts:two_factor", get=expect(200), post=expect(400), data=lambda w: {"code": "12"},
        label="not set up: the code is refused"),
    Row("accounts:two_factor_remove", get=expect(302), post=expect(302), label="not set up: back to the page"),
    Row("accounts:security_policy", get=expect(403, hr=200), post=expect(403, hr=400),
        data=lambda w: {"require_two_factor": "on", "idle_minutes": 30}, label="on while HR has no device: refused"),
    Row("accounts:session_list", get=expect(200)),
    Row("accounts:session_end", kwargs=leader_session, post=expect(404, leader=302), label="the leader's other session"),
    Row("accounts:session_end_others", post=expect(302)),
    Row("accounts:account_sessions_end", kwargs=lambda w: {"pk": w.user("leader").pk},
        post=expect(302, **OWN_OR_HR_POST)),
    Row("accounts:account_two_factor_reset", kwargs=lambda w: {"pk": w.user("leader").pk},
        post=expect(302, **OWN_OR_HR_POST), label="no device: told so"),
]
