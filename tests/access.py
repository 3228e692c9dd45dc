"""The access matrix: every URL name × every role, with the status each must get.

Rows are grouped by app; `tests/test_access_matrix.py` fails when a URL has no row here. A row may
appear more than once for one URL name, with different objects (own record, a report's, a stranger's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tests.world import ROLES, World

Expect = dict[str, int]


def expect(signed_in: int, *, anonymous: int = 302, **by_role: int) -> Expect:
    """`signed_in` for every signed-in role unless overridden; anonymous visitors go to the login page."""
    result = {role: signed_in for role in ROLES}
    result["anonymous"] = anonymous
    result.update(by_role)
    return result


def everyone(status: int) -> Expect:
    return {role: status for role in ROLES}


# Managing roles write, auditors are refused by the read-only layer, leaders and managers by the rules.
def managers_only(ok: int, *, leader: int = 403, manager: int | None = None, auditor: int = 403) -> Expect:
    return expect(ok, leader=leader, manager=leader if manager is None else manager, auditor=auditor)


@dataclass
class Row:
    name: str
    get: Expect | None = None
    post: Expect | None = None
    kwargs: Callable[[World], dict] = field(default=lambda world: {})
    data: Callable[[World], dict] = field(default=lambda world: {})
    label: str = ""

    @property
    def id(self) -> str:
        return f"{self.name}[{self.label}]" if self.label else self.name


ANONYMOUS_ALLOWED = {
    "accounts:login",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "healthz",
}

MATRIX: list[Row] = [
    # --- shell and operations
    Row("dashboard:home", get=expect(200)),
    Row("healthz", get=everyone(200)),
    Row("admin:*", get=expect(302, hr=200), label="admin index, staff only"),
    # --- accounts
    Row("accounts:login", get=expect(302, anonymous=200),
        post=expect(302, anonymous=200, auditor=403), data=lambda w: {"username": "nobody@example.com", "password": "wrong"}),
    Row("accounts:logout", get=expect(405), post=expect(302)),
    Row("accounts:password_change", get=expect(200), post=expect(200, auditor=200),
        data=lambda w: {"old_password": "wrong", "new_password1": "x", "new_password2": "y"}),
    Row("accounts:password_change_done", get=expect(200)),
    Row("accounts:password_reset", get=everyone(200), post=expect(302, anonymous=302, auditor=403),
        data=lambda w: {"email": "nobody@example.com"}),
    Row("accounts:password_reset_done", get=everyone(200)),
    Row("accounts:password_reset_confirm", get=everyone(200), kwargs=lambda w: {"uidb64": "MQ", "token": "bad-token"}),
    Row("accounts:password_reset_complete", get=everyone(200)),
]
