"""People writes for HRIS sync: the JSON an HR system sends becomes the table of a people file, and goes
through the people import (profiles.importers) unchanged: the same checks, the same messages, and
all or nothing. So a token can no more change a role, an admin flag or the email of an account that
is not a plain leader's than a CSV file can (only HR's account pages do that)."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from core.db import advisory_lock
from profiles.importers import OPTIONAL, REQUIRED, apply_people_plan, plan_people_import
from profiles.services import MANAGER_GRAPH_LOCK


def people_table(people: list[dict]) -> list[tuple[int, list[str]]]:
    """The rows as a people file would hold them: a header on line 1, person n on line n + 1, so that the
    import's messages ("Line 3: …") name the n-th person sent. Optional columns appear only when sent."""
    optional = [name for name in OPTIONAL if any(person.get(name) is not None for person in people)]
    header = REQUIRED + optional

    def text(value) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, date):
            return value.isoformat()
        return str(value)

    return [(1, header)] + [(index + 2, [text(person.get(name)) for name in header])
                            for index, person in enumerate(people)]


def people_sync(*, people: list[dict], token) -> dict:
    """Creates and updates people as one import; raises ImportFailed (nothing written) on any problem.
    The history names the HR manager who created the token: they answer for what it writes."""
    from accounts.models import User
    from accounts.services import invitations_create

    actor = token.created_by
    with transaction.atomic():
        advisory_lock(MANAGER_GRAPH_LOCK)  # plan and apply see one consistent graph of managers
        plan = plan_people_import(people_table(people))
        result = apply_people_plan(plan, actor=actor)
        if result.invited_user_ids:
            invitations_create(users=User.objects.filter(pk__in=result.invited_user_ids).only("pk"), actor=actor)
    return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged,
            "invited": len(result.invited_user_ids)}
