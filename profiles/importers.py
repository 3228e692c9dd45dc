"""People import from CSV or XLSX: plan first (what would be created, updated, left alone, or why not),
then apply the plan in one transaction. The file format is described in docs/formats.md.

Built for 10,000 rows: a fixed number of queries to read what exists, bulk writes to apply, and the
history of every record written from the record as it ends up.

An import manages leaders. It never links, renames, re-emails or deactivates an account that is not a
plain leader account (HR, quality, auditor, administrator): those change only on HR's account pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.models import Role, User, describe_role, is_plain_leader, normalise_email
from core.trees import loops
from core.uploads import ImportFailed, ImportIssue, Limits, csv_rows, decode, fail, sniff_delimiter, xlsx_rows

from .models import OrgUnit, Person, ProfileStatus, RoleProfile

#: A people file holds at most this many people (the scale Proficio is built for is 10,000 leaders).
PEOPLE_LIMITS = Limits(rows=25_000, columns=40, lines=100_000)
BATCH_SIZE = 1000
EMAIL_LENGTH = 254  # the most an account's email may hold
REQUIRED = ["employee_id", "first_name", "last_name", "email", "org_unit", "role_profile", "manager_email"]
OPTIONAL = ["active", "start_date_in_role"]
HEADER_ALIASES = {
    "employee_id": "employee_id", "employee_number": "employee_id", "employee_no": "employee_id", "id": "employee_id",
    "first_name": "first_name", "given_name": "first_name", "firstname": "first_name",
    "last_name": "last_name", "surname": "last_name", "family_name": "last_name", "lastname": "last_name",
    "email": "email", "email_address": "email", "e_mail": "email",
    "org_unit": "org_unit", "org_unit_code": "org_unit", "unit": "org_unit", "unit_code": "org_unit",
    "role_profile": "role_profile", "role": "role_profile", "role_profile_code": "role_profile",
    "manager_email": "manager_email", "manager_s_email": "manager_email", "manager": "manager_email",
    "active": "active", "start_date_in_role": "start_date_in_role", "start_date": "start_date_in_role",
}
TRUE_WORDS = {"1", "yes", "y", "true", "active"}
FALSE_WORDS = {"0", "no", "n", "false", "inactive"}


@dataclass
class PersonRow:
    line: int
    employee_id: str
    first_name: str
    last_name: str
    email: str
    org_unit: str
    role_profile: str
    manager_email: str
    active: bool | None = None
    start_date: date | None = None


@dataclass
class PersonChange:
    row: PersonRow
    changed: list[str] = field(default_factory=list)  # labels of the fields that change
    details: list[str] = field(default_factory=list)  # the same, with old and new values, for the preview
    new_account: bool = False
    rename_account: bool = False  # a new person linked to an existing account whose name the file changes
    unit_name: str = ""
    role_name: str = ""
    manager_name: str = ""
    #: A warning for the preview, e.g. a role profile that is not approved yet.
    warnings: list[str] = field(default_factory=list)


@dataclass
class PeoplePlan:
    rows: list[PersonRow]
    creates: list[PersonChange]
    updates: list[PersonChange]
    unchanged: int
    warnings: list[str] = field(default_factory=list)
    # resolved ids, used by apply_people_plan
    unit_ids: dict[str, int] = field(default_factory=dict)
    role_ids: dict[str, int] = field(default_factory=dict)
    existing_people: dict[str, dict] = field(default_factory=dict)
    existing_users: dict[str, dict] = field(default_factory=dict)
    manager_of: dict[str, str | None] = field(default_factory=dict)  # employee id -> manager's employee id
    db_people_by_employee_id: dict[str, int] = field(default_factory=dict)

    @property
    def invitations(self) -> int:
        return sum(1 for change in self.creates if change.new_account and change.row.active is not False)

    @property
    def change_count(self) -> int:
        return len(self.creates) + len(self.updates)

    @property
    def is_empty(self) -> bool:
        return not self.change_count


# --- reading the file ------------------------------------------------------------------------------


def _normalise_header(cell: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(cell or "").strip().lower()).strip("_")


def read_table(raw: bytes, filename: str, encoding: str = "utf-8") -> list[tuple[int, list[str]]]:
    """(line, cells) for the header and every non-empty row, from CSV (any of , ; tab) or XLSX."""
    if filename.lower().endswith(".xlsx"):
        return xlsx_rows(raw, PEOPLE_LIMITS)
    text = decode(raw, encoding, PEOPLE_LIMITS)
    return [(line, [cell.strip() for cell in cells])
            for line, cells in csv_rows(text, sniff_delimiter(text), PEOPLE_LIMITS)]


def _parse_date(value: str) -> date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(value)


def parse_rows(table: list[tuple[int, list[str]]]) -> tuple[list[PersonRow], set[str], list[ImportIssue]]:
    """Rows with their values checked one by one; (rows, optional columns present, issues)."""
    if not table:
        raise fail("The file is empty.")
    header_line, header = table[0]
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = HEADER_ALIASES.get(_normalise_header(cell))
        if name and name not in columns:
            columns[name] = index
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise fail(f"the header lacks {', '.join(missing)}. The columns are: {', '.join(REQUIRED)} "
                   f"(and optionally {', '.join(OPTIONAL)}).", header_line)
    if len(table) == 1:
        raise fail("The file has a header but no people.")
    issues: list[ImportIssue] = []
    rows: list[PersonRow] = []
    for line, cells in table[1:]:
        def cell(name: str) -> str:
            index = columns.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        row = PersonRow(
            line=line, employee_id=cell("employee_id"), first_name=cell("first_name"), last_name=cell("last_name"),
            email=normalise_email(cell("email")), org_unit=cell("org_unit"), role_profile=cell("role_profile"),
            manager_email=normalise_email(cell("manager_email")),
        )
        problems = []
        for name in ("employee_id", "first_name", "last_name", "email", "org_unit"):
            if not getattr(row, name):
                problems.append(ImportIssue(f"the {name.replace('_', ' ')} is empty.", line, name))
        if len(row.employee_id) > 40:
            problems.append(ImportIssue("the employee id is longer than 40 characters.", line, "employee_id"))
        if len(row.first_name) > 150 or len(row.last_name) > 150:
            problems.append(ImportIssue("a name is longer than 150 characters.", line))
        for name in ("email", "manager_email"):
            value = getattr(row, name)
            if value:
                try:
                    if len(value) > EMAIL_LENGTH:
                        raise ValidationError("too long")
                    validate_email(value)
                except ValidationError:
                    problems.append(ImportIssue(f"{value} is not a valid email address.", line, name))
        active = cell("active").lower()
        if active in TRUE_WORDS:
            row.active = True
        elif active in FALSE_WORDS:
            row.active = False
        elif active:
            problems.append(ImportIssue(f"“{cell('active')}” is not yes or no.", line, "active"))
        if cell("start_date_in_role"):
            try:
                row.start_date = _parse_date(cell("start_date_in_role"))
            except ValueError:
                problems.append(ImportIssue(
                    f"“{cell('start_date_in_role')}” is not a date (use 2025-03-31).", line, "start_date_in_role"
                ))
        if row.manager_email and row.manager_email == row.email:
            problems.append(ImportIssue("a person cannot be their own manager.", line, "manager_email"))
        issues += problems
        rows.append(row)
    return rows, set(columns) & set(OPTIONAL), issues


# --- planning --------------------------------------------------------------------------------------


def _is_plain_leader(account: dict) -> bool:
    return is_plain_leader(account["role"], account["is_staff"], account["is_superuser"])


def _account_kind(account: dict) -> str:
    return describe_role(User(role=account["role"], is_staff=account["is_staff"], is_superuser=account["is_superuser"]))


def plan_people_import(table: list[tuple[int, list[str]]]) -> PeoplePlan:
    """What the file would change. Reads only; `apply_people_plan` writes."""
    rows, optional_columns, issues = parse_rows(table)
    first_line: dict[str, int] = {}
    first_email: dict[str, int] = {}
    for row in rows:
        if row.employee_id in first_line:
            issues.append(ImportIssue(f"the employee id {row.employee_id} is also on line {first_line[row.employee_id]}.",
                                      row.line, "employee_id"))
        else:
            first_line[row.employee_id] = row.line
        if row.email and row.email in first_email:
            issues.append(ImportIssue(f"the email {row.email} is also on line {first_email[row.email]}.", row.line, "email"))
        elif row.email:
            first_email[row.email] = row.line

    units = {code.lower(): (pk, name, code) for pk, code, name in OrgUnit.objects.values_list("pk", "code", "name")}
    roles: dict[str, tuple[int, str, str, str]] = {}
    for pk, code, name, status in RoleProfile.objects.values_list("pk", "code", "name", "status"):
        roles.setdefault(code.lower(), (pk, name, code, status))
        roles.setdefault(name.strip().lower(), (pk, name, code, status))
    for row in rows:
        if row.org_unit and row.org_unit.lower() not in units:
            issues.append(ImportIssue(f"there is no org unit with the code {row.org_unit}.", row.line, "org_unit"))
        if row.role_profile and row.role_profile.lower() not in roles:
            issues.append(ImportIssue(f"there is no role profile called {row.role_profile}.", row.line, "role_profile"))

    employee_ids = [row.employee_id for row in rows]
    existing_people = {
        p["employee_id"]: p
        for p in Person.objects.filter(employee_id__in=employee_ids).values(
            "pk", "employee_id", "user_id", "user__email", "user__first_name", "user__last_name", "user__role",
            "user__is_staff", "user__is_superuser", "org_unit_id", "role_profile_id", "manager_id", "active",
            "start_date_in_role",
        )
    }
    emails = {row.email for row in rows if row.email} | {row.manager_email for row in rows if row.manager_email}
    existing_users = {
        u["email"]: u
        for u in User.objects.filter(email__in=emails).values(
            "pk", "email", "first_name", "last_name", "role", "is_staff", "is_superuser", "person__pk",
            "person__employee_id",
        )
    }
    for row in rows:
        user = existing_users.get(row.email)
        person = existing_people.get(row.employee_id)
        if user and user["person__employee_id"] and user["person__employee_id"] != row.employee_id:
            issues.append(ImportIssue(
                f"{row.email} already belongs to employee {user['person__employee_id']}.", row.line, "email"
            ))
        elif user and person and person["user_id"] != user["pk"]:
            issues.append(ImportIssue(f"{row.email} already belongs to another account.", row.line, "email"))
        elif user and person is None and not _is_plain_leader(user):
            issues.append(ImportIssue(
                f"{row.email} is {_account_kind(user)}. An import links only leader accounts; HR manages this "
                "account on the Accounts page.", row.line, "email",
            ))
        elif person is not None and not _is_plain_leader(holder := {
            "role": person["user__role"], "is_staff": person["user__is_staff"], "is_superuser": person["user__is_superuser"],
        }):
            kind = _account_kind(holder)
            touched = [label for label, old, new in (
                ("email", person["user__email"], row.email), ("first name", person["user__first_name"], row.first_name),
                ("last name", person["user__last_name"], row.last_name),
            ) if old != new]
            if "active" in optional_columns and row.active is not None and row.active != person["active"]:
                touched.append("active flag")
            if touched:
                issues.append(ImportIssue(
                    f"employee {row.employee_id} signs in with {kind}, whose {' and '.join(touched)} an import "
                    "cannot change. HR changes it on the Accounts page.", row.line, "email",
                ))

    # Managers: by email, from the file first, then from people already in Proficio.
    employee_of_email = {row.email: row.employee_id for row in rows}
    manager_of: dict[str, str | None] = {}
    for row in rows:
        if not row.manager_email:
            manager_of[row.employee_id] = None
        elif row.manager_email in employee_of_email:
            manager_of[row.employee_id] = employee_of_email[row.manager_email]
        elif existing_users.get(row.manager_email, {}).get("person__employee_id"):
            manager_of[row.employee_id] = existing_users[row.manager_email]["person__employee_id"]
        else:
            issues.append(ImportIssue(
                f"the manager {row.manager_email} is neither in the file nor a person in Proficio.", row.line,
                "manager_email",
            ))
    if issues:
        raise ImportFailed(sorted(issues, key=lambda issue: issue.line or 0))

    # Loops of managers, through the file and the people already in Proficio.
    db_people = list(Person.objects.values_list("pk", "employee_id", "manager_id"))
    employee_by_pk = {pk: employee_id for pk, employee_id, _ in db_people}
    graph = {employee_id: employee_by_pk.get(manager_pk) for _pk, employee_id, manager_pk in db_people}
    graph.update(manager_of)
    line_of = {row.employee_id: row.line for row in rows}
    for loop in loops(manager_of, graph.get):
        lines = sorted(line_of[e] for e in loop if e in line_of)
        issues.append(ImportIssue(
            "these managers manage each other in a loop: " + " → ".join(loop + [loop[0]])
            + (f" (lines {', '.join(map(str, lines))})." if len(lines) > 1 else "."),
            lines[0] if lines else None, "manager_email",
        ))
    if issues:
        raise ImportFailed(issues)

    db_people_by_employee_id = {employee_id: pk for pk, employee_id, _ in db_people}
    unit_by_pk = {pk: (name, code) for pk, name, code in units.values()}
    role_by_pk = {pk: (name, code, status) for pk, name, code, status in roles.values()}
    name_of_employee = {row.employee_id: f"{row.first_name} {row.last_name}" for row in rows}
    name_of_employee.update({
        employee_id: f"{first} {last}".strip()
        for employee_id, first, last in Person.objects.filter(
            employee_id__in={m for m in manager_of.values() if m and m not in name_of_employee}
        ).values_list("employee_id", "user__first_name", "user__last_name")
    })
    unapproved: set[str] = set()
    creates, updates, unchanged = [], [], 0
    for row in rows:
        unit_pk, unit_name, _unit_code = units[row.org_unit.lower()]
        role = roles.get(row.role_profile.lower()) if row.role_profile else None
        manager_employee = manager_of[row.employee_id]
        change = PersonChange(
            row=row, unit_name=unit_name, role_name=role[1] if role else "",
            manager_name=name_of_employee.get(manager_employee, "") if manager_employee else "",
        )
        if role is not None and role[3] != ProfileStatus.APPROVED:
            change.warnings.append(f"The role profile {role[1]} is not approved yet: its requirements do not apply "
                                   "until it is.")
            unapproved.add(role[1])
        current = existing_people.get(row.employee_id)
        if current is None:
            account = existing_users.get(row.email)
            change.new_account = account is None
            if account and (account["first_name"], account["last_name"]) != (row.first_name, row.last_name):
                change.rename_account = True
                change.details.append(f"existing account renamed: {account['first_name']} {account['last_name']} → "
                                      f"{row.first_name} {row.last_name}")
            creates.append(change)
            continue
        manager_pk = db_people_by_employee_id.get(manager_employee) if manager_employee else None

        def note(label: str, old, new) -> None:
            change.changed.append(label)
            change.details.append(f"{label}: {old or '—'} → {new or '—'}")

        old_unit = unit_by_pk.get(current["org_unit_id"], ("", ""))
        old_role = role_by_pk.get(current["role_profile_id"], ("", "", ""))
        for label, old, new in (
            ("first name", current["user__first_name"], row.first_name),
            ("last name", current["user__last_name"], row.last_name),
            ("email", current["user__email"], row.email),
        ):
            if old != new:
                note(label, old, new)
        if current["org_unit_id"] != unit_pk:
            note("org unit", f"{old_unit[0]} ({old_unit[1]})" if old_unit[0] else "", f"{unit_name} ({_unit_code})")
        if current["role_profile_id"] != (role[0] if role else None):
            note("role profile", old_role[0], role[1] if role else "")
        if (manager_employee is not None and manager_pk is None) or current["manager_id"] != manager_pk:
            old_manager = employee_by_pk.get(current["manager_id"])
            note("manager", name_of_employee.get(old_manager, old_manager) if old_manager else "",
                 change.manager_name or manager_employee)
        if "active" in optional_columns and row.active is not None and row.active != current["active"]:
            note("active", "yes" if current["active"] else "no", "yes" if row.active else "no")
        if row.start_date is not None and row.start_date != current["start_date_in_role"]:
            note("start date in role", _date_text(current["start_date_in_role"]), _date_text(row.start_date))
        if change.changed:
            updates.append(change)
        else:
            unchanged += 1
    warnings = [f"The role profile {name} is not approved yet: people who hold it see no requirements until it is."
                for name in sorted(unapproved)]
    return PeoplePlan(
        rows=rows, creates=creates, updates=updates, unchanged=unchanged, warnings=warnings,
        unit_ids={code: pk for code, (pk, _name, _code) in units.items()},
        role_ids={key: value[0] for key, value in roles.items()},
        existing_people=existing_people, existing_users=existing_users, manager_of=manager_of,
        db_people_by_employee_id=db_people_by_employee_id,
    )


def _date_text(value: date | None) -> str:
    return value.strftime("%-d %b %Y") if value else ""


# --- applying --------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int
    invited_user_ids: list[int]


def _in_batches(ids: list[int]):
    for start in range(0, len(ids), BATCH_SIZE):
        yield ids[start:start + BATCH_SIZE]


def _load(model, ids: list[int]) -> dict[int, object]:
    """Whole rows, in batches: updates start from the record as it is, so history rows are true."""
    found: dict[int, object] = {}
    for batch in _in_batches(ids):
        found.update({obj.pk: obj for obj in model.objects.filter(pk__in=batch)})
    return found


def apply_people_plan(plan: PeoplePlan, *, actor) -> ImportResult:
    """Writes the plan: accounts, people, then managers (who may be new themselves). The caller holds
    the transaction and the lock on the graph of managers."""
    def role_of(row: PersonRow) -> int | None:
        return plan.role_ids.get(row.role_profile.lower()) if row.role_profile else None

    # Accounts: new ones for new people, and the names, emails and active flags the file changes.
    new_users = [
        User(email=c.row.email, first_name=c.row.first_name, last_name=c.row.last_name, role=Role.LEADER,
             password=make_password(None), is_active=c.row.active is not False)
        for c in plan.creates if c.new_account
    ]
    if new_users:
        bulk_create_with_history(new_users, User, batch_size=BATCH_SIZE, default_user=actor)
    user_ids = {u.email: u.pk for u in new_users}
    user_ids.update({email: u["pk"] for email, u in plan.existing_users.items()})

    account_changes: dict[int, dict] = {}
    for change in plan.creates:
        if not change.new_account:
            values = {"first_name": change.row.first_name, "last_name": change.row.last_name}
            if change.row.active is not None:
                values["is_active"] = change.row.active
            account_changes[plan.existing_users[change.row.email]["pk"]] = values
    for change in plan.updates:
        current = plan.existing_people[change.row.employee_id]
        values = {"email": change.row.email, "first_name": change.row.first_name, "last_name": change.row.last_name}
        if "active" in change.changed:
            values["is_active"] = change.row.active
        account_changes[current["user_id"]] = values
    accounts = _load(User, list(account_changes))
    changed_accounts = [accounts[pk] for pk, values in account_changes.items()
                        if any(getattr(accounts[pk], name) != value for name, value in values.items())]
    changed_role = [account.email for account in changed_accounts if not account.is_plain_leader]
    if changed_role:  # its role changed since the plan was made: the file no longer fits
        raise ImportFailed([ImportIssue(f"the account {email} is no longer a leader account; an import changes leader accounts "
                                        "only. Upload the file again.") for email in changed_role])
    for account in changed_accounts:
        for name, value in account_changes[account.pk].items():
            setattr(account, name, value)
    if changed_accounts:
        bulk_update_with_history(changed_accounts, User, ["email", "first_name", "last_name", "is_active"],
                                 batch_size=BATCH_SIZE, default_user=actor)

    # People: new ones first without history (their managers may be new too), then every person the
    # file changes gets its final state, and one history row of it.
    new_people = [
        Person(user_id=user_ids[c.row.email], employee_id=c.row.employee_id,
               org_unit_id=plan.unit_ids[c.row.org_unit.lower()], role_profile_id=role_of(c.row),
               start_date_in_role=c.row.start_date, active=c.row.active if c.row.active is not None else True,
               sort_last_name=c.row.last_name, sort_first_name=c.row.first_name)
        for c in plan.creates
    ]
    Person.objects.bulk_create(new_people, batch_size=BATCH_SIZE)
    person_ids = dict(plan.db_people_by_employee_id)
    person_ids.update({p.employee_id: p.pk for p in new_people})

    def manager_pk(employee_id: str) -> int | None:
        manager = plan.manager_of[employee_id]
        return person_ids[manager] if manager else None

    with_manager = [person for person in new_people if manager_pk(person.employee_id) is not None]
    for person in with_manager:
        person.manager_id = manager_pk(person.employee_id)
    Person.objects.bulk_update(with_manager, ["manager"], batch_size=BATCH_SIZE)
    Person.history.bulk_history_create(new_people, batch_size=BATCH_SIZE, default_user=actor)

    existing = _load(Person, [plan.existing_people[c.row.employee_id]["pk"] for c in plan.updates])
    updated_people = []
    for change in plan.updates:
        row = change.row
        person = existing[plan.existing_people[row.employee_id]["pk"]]
        person.org_unit_id = plan.unit_ids[row.org_unit.lower()]
        person.role_profile_id = role_of(row)
        if row.active is not None and "active" in change.changed:
            person.active = row.active
        if row.start_date is not None:
            person.start_date_in_role = row.start_date
        person.manager_id = manager_pk(row.employee_id)
        person.sort_last_name, person.sort_first_name = row.last_name, row.first_name
        updated_people.append(person)
    if updated_people:
        bulk_update_with_history(updated_people, Person,
                                 ["org_unit", "role_profile", "active", "start_date_in_role", "manager",
                                  "sort_last_name", "sort_first_name"],
                                 batch_size=BATCH_SIZE, default_user=actor)
    return ImportResult(created=len(plan.creates), updated=len(plan.updates), unchanged=plan.unchanged,
                        invited_user_ids=[u.pk for u in new_users if u.is_active])
