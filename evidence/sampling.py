"""Choosing people for an audit sample, reproducibly, and the log of every sample drawn.

A sample of N is the first N active people (in the chosen role or org unit, if any) ordered by the
SHA-256 of "<seed>:<person id>". The seed is drawn with `secrets` unless the auditor types one to
repeat an earlier sample: the same seed over the same population chooses the same people, whoever
asks and whenever. Each draw is logged (`SamplingLog`: who, when, seed, N, filters, the ids chosen).
"""

from __future__ import annotations

import hashlib
import re
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from profiles.models import OrgUnit, Person, RoleProfile
from profiles.selectors import unit_and_below

from .models import SamplingLog

#: The most people one sample may hold (a sample is for reading, person by person).
MAX_SAMPLE = 200
#: A typed seed: letters, digits, "-" and "_", as a drawn one is written (hex) or as an auditor notes one.
SEED_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def draw_seed() -> str:
    """A fresh seed from the operating system's random source: 64 bits, written in hex."""
    return secrets.token_hex(8)


def sample_key(seed: str, person_id: int) -> str:
    return hashlib.sha256(f"{seed}:{person_id}".encode()).hexdigest()


def population(*, role_profile: RoleProfile | None = None, org_unit: OrgUnit | None = None) -> QuerySet[Person]:
    """The active people a sample is drawn from: in the role, in the unit or below it, or everyone."""
    people = Person.objects.filter(active=True)
    if role_profile is not None:
        people = people.filter(role_profile=role_profile)
    if org_unit is not None:
        people = people.filter(org_unit_id__in=unit_and_below(org_unit.pk))
    return people


def choose(seed: str, size: int, people: QuerySet[Person]) -> tuple[list[int], int]:
    """The ids of the first `size` people of `people` in the seed's order, and how many there were to
    choose from. One query (the ids): sorting 10,000 hashes in Python takes a few milliseconds and is
    the same on every database."""
    ids = list(people.values_list("pk", flat=True))
    ids.sort(key=lambda pk: sample_key(seed, pk))
    return ids[:size], len(ids)


def check_seed(seed: str) -> str:
    seed = (seed or "").strip()
    if not SEED_PATTERN.fullmatch(seed):
        raise ValidationError({"seed": "A seed is 1 to 64 letters, digits, hyphens or underscores."})
    return seed


@transaction.atomic
def sample_draw(*, actor, size: int, seed: str | None = None, role_profile: RoleProfile | None = None,
                org_unit: OrgUnit | None = None) -> SamplingLog:
    """Draws a sample (with a fresh seed unless one is given to repeat a sample) and logs it."""
    if not 1 <= size <= MAX_SAMPLE:
        raise ValidationError({"size": f"Choose between 1 and {MAX_SAMPLE} people."})
    seed = draw_seed() if not seed else check_seed(seed)
    chosen, among = choose(seed, size, population(role_profile=role_profile, org_unit=org_unit))
    filters = {}
    if role_profile is not None:
        filters["role_profile"] = {"id": role_profile.pk, "name": role_profile.name}
    if org_unit is not None:
        filters["org_unit"] = {"id": org_unit.pk, "name": org_unit.name}
    log = SamplingLog(created_by=actor, seed=seed, size=size, filters=filters, population=among, person_ids=chosen)
    log.full_clean()
    log.save()
    return log


def sampled_people(log: SamplingLog) -> QuerySet[Person]:
    """The people of a logged sample (inactive ones too: they were chosen then)."""
    return Person.objects.filter(pk__in=log.person_ids)
