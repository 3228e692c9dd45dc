"""The demo organisation: org units, leaders with managers, HR, quality and an auditor.

Idempotent (running it again changes nothing that is already there) and built with bulk inserts, so
`--leaders 10000` for benchmarks finishes in well under a minute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.models import Role, User
from competency.starter import load_starter_framework
from demo.profiles import ensure_role_profiles
from demo.seed_assessments import seed_demo_cycles
from demo.seed_awareness import seed_awareness
from demo.seed_devplans import seed_devplans
from demo.seed_training import seed_training
from profiles.models import OrgUnit, Person

DEMO_PASSWORD = "proficio-demo"
DEMO_DOMAIN = "demo.proficio.example"
BATCH_SIZE = 1000
#: Each leader manages up to this many others, which gives a realistic, shallow hierarchy.
SPAN_OF_CONTROL = 5

ORG_UNITS: list[tuple[str, str, str | None]] = [
    ("HQ", "Head office", None),
    ("OPS", "Operations", "HQ"),
    ("OPS-N", "Plant North", "OPS"),
    ("OPS-S", "Plant South", "OPS"),
    ("QA", "Quality & Compliance", "HQ"),
    ("ENG", "Engineering", "HQ"),
    ("SAL", "Sales & Customer Service", "HQ"),
    ("PF", "People & Finance", "HQ"),
]
#: The unit of each director (leaders 1-5) and so of everyone below them.
DIVISIONS = ["OPS", "QA", "ENG", "SAL", "PF"]

STAFF: list[tuple[str, str, str, str]] = [
    ("hr", "Hannah", "Reid", Role.HR),
    ("quality", "Quentin", "Moss", Role.QUALITY),
    ("auditor", "Aylin", "Dorsey", Role.AUDITOR),
]

FIRST_NAMES = (
    "Maria Jonas Amara Liam Sofia Noah Priya Lukas Chloe Mateo Ingrid Tomasz Leila Oscar Mei Daniel "
    "Fatima Erik Hana Pedro Zofia Samuel Aisha Felix Nora Kwame Elena Viktor Yara Hugo Greta Ravi "
    "Clara Idris Lena Marco Sanna Tariq Ada Jan"
).split()
LAST_NAMES = (
    "Jensen Okafor Laurent Novak Silva Tanaka Schmidt Rossi Kowalski Haddad Andersen Moreau Costa "
    "Lindqvist Mensah Varga Nakamura Dubois Petrov Fischer Ortega Brennan Kaur Weber Nilsson Adeyemi "
    "Horvat Marsh Ibrahim Keller Byrne Santos Yilmaz Larsen Chen Fontaine Gallagher Hoffmann Rahman Wells"
).split()


@dataclass
class SeedReport:
    created_users: int = 0
    created_people: int = 0
    updated_managers: int = 0
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    cycles: list[str] = field(default_factory=list)
    training: list[str] = field(default_factory=list)
    plans: list[str] = field(default_factory=list)
    awareness: list[str] = field(default_factory=list)


def _leader_identity(index: int) -> tuple[str, str, str]:
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    # Stepping the surname by 7 mixes the names while keeping every (first, last) pair unique.
    last = LAST_NAMES[(index * 7 + index // len(FIRST_NAMES)) % len(LAST_NAMES)]
    combos = len(FIRST_NAMES) * len(LAST_NAMES)
    suffix = "" if index < combos else f".{index // combos}"
    return first, last, f"{first}.{last}{suffix}@{DEMO_DOMAIN}".lower()


def _manager_index(index: int) -> int | None:
    return None if index == 0 else (index - 1) // SPAN_OF_CONTROL


def _unit_code(index: int, division_of: dict[int, str]) -> str:
    if index == 0:
        return "HQ"
    division = DIVISIONS[index - 1] if index <= len(DIVISIONS) else division_of[_manager_index(index)]
    division_of[index] = division
    if division == "OPS" and index > len(DIVISIONS):
        return "OPS-N" if index % 2 else "OPS-S"
    return division


def employee_id(index: int) -> str:
    return f"E{index + 1:05d}"


def _ensure_org_units() -> dict[str, OrgUnit]:
    units = {unit.code: unit for unit in OrgUnit.objects.all()}
    for code, name, parent_code in ORG_UNITS:
        if code not in units:
            units[code] = OrgUnit.objects.create(code=code, name=name, parent=units.get(parent_code))
    return units


def _ensure_staff(password_hash: str, report: SeedReport) -> None:
    now = timezone.now()
    for local, first, last, role in STAFF:
        email = f"{local}@{DEMO_DOMAIN}"
        user = User.objects.filter(email=email).first()
        changed = user is None
        if user is None:
            user = User(email=email, first_name=first, last_name=last, role=role, password=password_hash)
            if role == Role.HR:
                # The demo HR manager also administers the Django admin.
                user.is_staff = user.is_superuser = True
            report.created_users += 1
        if role == Role.AUDITOR and (
            user.access_valid_until is None or not user.access_window_open(now + timedelta(days=7))
        ):
            # Keep the demo auditor usable: a window of 30 days from the latest run.
            user.access_valid_from = now - timedelta(minutes=5)
            user.access_valid_until = now + timedelta(days=30)
            changed = True
        if changed:
            user.save()
        report.logins.append((str(role.label), email, DEMO_PASSWORD))


def _ensure_leaders(count: int, password_hash: str, report: SeedReport) -> None:
    units = _ensure_org_units()
    identities = [_leader_identity(i) for i in range(count)]
    existing_emails = set(
        User.objects.filter(email__in=[email for _, _, email in identities]).values_list("email", flat=True)
    )
    new_users = [
        User(email=email, first_name=first, last_name=last, role=Role.LEADER, password=password_hash)
        for first, last, email in identities
        if email not in existing_emails
    ]
    if new_users:
        bulk_create_with_history(new_users, User, batch_size=BATCH_SIZE)
    report.created_users += len(new_users)

    user_ids = dict(User.objects.filter(email__in=[e for _, _, e in identities]).values_list("email", "pk"))
    existing_people = set(
        Person.objects.filter(employee_id__in=[employee_id(i) for i in range(count)]).values_list(
            "employee_id", flat=True
        )
    )
    division_of: dict[int, str] = {}
    start = date(2024, 1, 8)
    new_people = []
    for index, (first, last, email) in enumerate(identities):
        unit_code = _unit_code(index, division_of)
        if employee_id(index) in existing_people:
            continue
        new_people.append(
            Person(
                user_id=user_ids[email],
                employee_id=employee_id(index),
                org_unit=units[unit_code],
                start_date_in_role=start + timedelta(days=(index * 7) % 700),
                sort_last_name=last,
                sort_first_name=first,
            )
        )
    if new_people:
        bulk_create_with_history(new_people, Person, batch_size=BATCH_SIZE)
    report.created_people += len(new_people)

    people = dict(
        Person.objects.filter(employee_id__in=[employee_id(i) for i in range(count)]).values_list(
            "employee_id", "pk"
        )
    )
    current_managers = dict(Person.objects.filter(pk__in=people.values()).values_list("pk", "manager_id"))
    wanted_managers = {}
    for index in range(count):
        manager_index = _manager_index(index)
        wanted = people[employee_id(manager_index)] if manager_index is not None else None
        pk = people[employee_id(index)]
        if current_managers[pk] != wanted:
            wanted_managers[pk] = wanted
    _update_with_history(wanted_managers, "manager_id")
    report.updated_managers = len(wanted_managers)

    head_office = units["HQ"]
    if head_office.head_id is None and count:
        head_office.head_id = people[employee_id(0)]
        head_office.save(update_fields=["head"])

    if count:
        _, _, top_email = identities[0]
        report.logins.append(("Leader with reports (managing director)", top_email, DEMO_PASSWORD))
        if count > SPAN_OF_CONTROL + 1:
            _, _, email = identities[count - 1]
            report.logins.append(("Leader without reports", email, DEMO_PASSWORD))


@transaction.atomic
def seed_demo_organisation(leaders: int = 30) -> SeedReport:
    report = SeedReport()
    password_hash = make_password(DEMO_PASSWORD)  # hashed once: hashing per user would take minutes
    _ensure_staff(password_hash, report)
    _ensure_leaders(leaders, password_hash, report)
    quality = User.objects.get(email=f"quality@{DEMO_DOMAIN}")
    hr = User.objects.get(email=f"hr@{DEMO_DOMAIN}")
    # HR writes the framework and the role profiles; the quality manager signs them (segregation of duties).
    version, _created = load_starter_framework(owner=hr, approver=quality, password=DEMO_PASSWORD)
    _assign_roles(leaders, ensure_role_profiles(version=version, owner=hr, approver=quality, password=DEMO_PASSWORD))
    report.cycles = seed_demo_cycles().lines()
    report.training = seed_training(hr, {c.code: c for c in version.competencies.all()})
    report.plans = seed_devplans(domain=DEMO_DOMAIN, password=DEMO_PASSWORD)
    report.awareness = seed_awareness(domain=DEMO_DOMAIN, password=DEMO_PASSWORD)
    return report


def _role_code(index: int, leaders: int, division_of: dict[int, str]) -> str:
    """Managing director at the top, directors below, then department managers; in Operations,
    leaders without reports lead production teams."""
    if index == 0:
        return "managing-director"
    if index <= len(DIVISIONS):
        return {"OPS": "operations-director", "QA": "quality-manager"}.get(DIVISIONS[index - 1], "department-manager")
    has_reports = index * SPAN_OF_CONTROL + 1 < leaders
    if division_of.get(index) == "OPS" and not has_reports:
        return "production-team-leader"
    return "department-manager"


def _assign_roles(leaders: int, profiles: dict) -> None:
    """Gives every demo leader without a role the profile of their place in the hierarchy."""
    division_of: dict[int, str] = {}
    for index in range(leaders):
        _unit_code(index, division_of)
    without_role = dict(
        Person.objects.filter(employee_id__in=[employee_id(i) for i in range(leaders)], role_profile__isnull=True)
        .values_list("employee_id", "pk")
    )
    _update_with_history({
        without_role[employee_id(index)]: profiles[_role_code(index, leaders, division_of)].pk
        for index in range(leaders)
        if employee_id(index) in without_role
    }, "role_profile_id")


def _update_with_history(values: dict[int, int | None], attname: str) -> None:
    """Sets one field of many people, each loaded whole first so that its history row is the person as
    they now are (a half-filled object would record empty employee ids and units)."""
    pks = list(values)
    for start in range(0, len(pks), BATCH_SIZE):
        people = list(Person.objects.filter(pk__in=pks[start:start + BATCH_SIZE]))
        for person in people:
            setattr(person, attname, values[person.pk])
        bulk_update_with_history(people, Person, [attname.removesuffix("_id")], batch_size=BATCH_SIZE)
