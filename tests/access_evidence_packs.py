"""Access-matrix rows of the evidence packs (joined into tests/access.py).

Packs are for the reading roles (auditors, HR, quality): leaders and managers get 403 with the reason on
the pages without an object (list, request form, verify) and 404 for a pack (outside its audience).
Asking for a pack and checking a pack file are reads, so auditors may POST to those two
(accounts.middleware.AUDITOR_WRITABLE_VIEWS); every other POST of theirs is refused by the read-only
layer (403). The pack log is HR's.

The world's pack (`world.objects["pack"]`: the leader's pack as at today, asked for by hr, queued) is
made on first use by `world_pack`, or by `add(world)` when tests/world.py calls it.
"""

from __future__ import annotations

from tests.access import Row, expect

READERS_GET = expect(200, leader=403, manager=403)
PACK_GET = expect(200, leader=404, manager=404)
NO_POST = expect(405, auditor=403)


def add(world) -> None:
    from evidence.models import PackScope
    from evidence.packs import pack_request

    pack, _document = pack_request(user=world.user("hr"), scope=PackScope.LEADER, target=world.people["leader"])
    world.objects["pack"] = pack


def world_pack(world):
    from evidence.models import EvidencePack

    pack = world.objects.get("pack")
    if pack is None or not EvidencePack.objects.filter(pk=pack.pk).exists():  # made in a test rolled back since
        add(world)
    return world.objects["pack"]


def _pack(world) -> dict:
    return {"pk": world_pack(world).pk}


ROWS: list = [
    Row("evidence:pack_list", get=READERS_GET, post=NO_POST),
    Row("evidence:pack_new", get=READERS_GET, post=expect(302, leader=403, manager=403),
        data=lambda w: {"scope": "leader", "employee_id": w.people["leader"].employee_id},
        label="a leader's pack: queued, to its page"),
    Row("evidence:pack_new", post=expect(400, leader=403, manager=403), data=lambda w: {"scope": "role"},
        label="no role chosen: 400"),
    Row("evidence:pack_detail", kwargs=_pack, get=PACK_GET, post=NO_POST),
    Row("evidence:pack_progress", kwargs=_pack, get=PACK_GET, post=NO_POST),
    Row("evidence:verify", get=READERS_GET, post=expect(400, leader=403, manager=403),
        label="no file: 400"),
    Row("evidence:pack_log", get=expect(403, hr=200), post=NO_POST),
]
