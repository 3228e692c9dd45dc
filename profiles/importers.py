"""People import from CSV or XLSX: plan first (what would be created, updated, left alone, or why not),
then apply the plan in one transaction. The file format is described in docs/formats.md.

Built for 10,000 rows: a fixed number of queries to read what exists, bulk writes to apply.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.models import Role, User, normalise_email
from accounts.shortcuts import serialize
from competency.importers import ImportFailed, ImportIssue, csv_rows, decode

from .models import OrgUnit, Person, RoleProfile

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
FIELD_LABELS = {
    "first_name": "first name", "last_name": "last name", "email": "email", "org_unit": "org unit",
    "role_profile": "role profile", "manager": "manager", "active": "active", "start_date_in_role": "start date in role",
}


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


@dataclass
class PeoplePlan:
    rows: list[PersonRow]
    creates: list[PersonChange]
    updates: list[PersonChange]
    unchanged: int
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
        return _read_xlsx(raw)
    text = decode(raw, encoding)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    return [(line, [cell.strip() for cell in cells]) for line, cells in csv_rows(text, delimiter)]


def _read_xlsx(raw: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    if not raw:
        raise ImportFailed([ImportIssue("The file is empty.")])
    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        rows = _xlsx_rows(workbook.worksheets[0])
    except Exception:  # noqa: BLE001 - a damaged workbook can fail in zip, XML or cell parsing alike
        raise ImportFailed([ImportIssue("This is not an Excel workbook (.xlsx) that can be read.")]) from None
    workbook.close()
    return rows


def _xlsx_rows(sheet) -> list[tuple[int, list[str]]]:
    rows = []
    for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = []
        for value in values:
            if value is None:
                cells.append("")
            elif isinstance(value, float) and value.is_integer():
                cells.append(str(int(value)))  # employee numbers typed as numbers
            elif isinstance(value, datetime):
                cells.append(value.date().isoformat())
            else:
                cells.append(str(value).strip())
        if any(cells):
            rows.append((line, cells))
    return rows


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
        raise ImportFailed([ImportIssue("The file is empty.")])
    header_line, header = table[0]
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = HEADER_ALIASES.get(_normalise_header(cell))
        if name and name not in columns:
            columns[name] = index
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise ImportFailed([ImportIssue(
            f"the header lacks {', '.join(missing)}. The columns are: {', '.join(REQUIRED)} "
            f"(and optionally {', '.join(OPTIONAL)}).", header_line,
        )])
    if len(table) == 1:
        raise ImportFailed([ImportIssue("The file has a header but no people.")])
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


def plan_people_import(table: list[tuple[int, list[str]]]) -> PeoplePlan:
    serialize("managers")  # plan and apply see one consistent graph of managers (see accounts.shortcuts)
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

    unit_ids = dict(OrgUnit.objects.values_list("code", "pk"))
    unit_ids_ci = {code.lower(): pk for code, pk in unit_ids.items()}
    role_ids: dict[str, int] = {}
    for pk, code, name in RoleProfile.objects.values_list("pk", "code", "name"):
        role_ids.setdefault(code.lower(), pk)
        role_ids.setdefault(name.strip().lower(), pk)
    for row in rows:
        if row.org_unit and row.org_unit.lower() not in unit_ids_ci:
            issues.append(ImportIssue(f"there is no org unit with the code {row.org_unit}.", row.line, "org_unit"))
        if row.role_profile and row.role_profile.lower() not in role_ids:
            issues.append(ImportIssue(f"there is no role profile called {row.role_profile}.", row.line, "role_profile"))

    employee_ids = [row.employee_id for row in rows]
    existing_people = {
        p["employee_id"]: p
        for p in Person.objects.filter(employee_id__in=employee_ids).values(
            "pk", "employee_id", "user_id", "user__email", "user__first_name", "user__last_name", "org_unit_id",
            "role_profile_id", "manager_id", "active", "start_date_in_role",
        )
    }
    emails = {row.email for row in rows if row.email} | {row.manager_email for row in rows if row.manager_email}
    existing_users = {
        u["email"]: u
        for u in User.objects.filter(email__in=emails).values(
            "pk", "email", "first_name", "last_name", "person__pk", "person__employee_id"
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
    state: dict[str, int] = {}  # 1 = on the current path, 2 = known to end at the top
    for start in manager_of:
        path: list[str] = []
        node: str | None = start
        while node is not None and state.get(node) is None:
            state[node] = 1
            path.append(node)
            node = graph.get(node)
        if node is not None and state.get(node) == 1:
            loop = path[path.index(node):]
            lines = sorted(line_of[e] for e in loop if e in line_of)
            issues.append(ImportIssue(
                "these managers manage each other in a loop: " + " → ".join(loop + [loop[0]])
                + (f" (lines {', '.join(map(str, lines))})." if len(lines) > 1 else "."),
                lines[0] if lines else None, "manager_email",
            ))
        for visited in path:
            state[visited] = 2
    if issues:
        raise ImportFailed(issues)

    db_people_by_employee_id = {employee_id: pk for pk, employee_id, _ in db_people}
    unit_code = {pk: code for code, pk in unit_ids.items()}
    role_code = dict(RoleProfile.objects.values_list("pk", "code"))
    creates, updates, unchanged = [], [], 0
    for row in rows:
        unit = unit_ids_ci[row.org_unit.lower()]
        role = role_ids.get(row.role_profile.lower()) if row.role_profile else None
        current = existing_people.get(row.employee_id)
        if current is None:
            account = existing_users.get(row.email)
            change = PersonChange(row=row, new_account=account is None)
            if account and (account["first_name"], account["last_name"]) != (row.first_name, row.last_name):
                change.rename_account = True
                change.details.append(f"existing account renamed: {account['first_name']} {account['last_name']} → "
                                      f"{row.first_name} {row.last_name}")
            creates.append(change)
            continue
        manager_employee = manager_of[row.employee_id]
        manager_pk = db_people_by_employee_id.get(manager_employee) if manager_employee else None
        change = PersonChange(row=row)

        def note(label: str, old, new) -> None:
            change.changed.append(label)
            change.details.append(f"{label}: {old or '—'} → {new or '—'}")

        for label, old, new in (
            ("first name", current["user__first_name"], row.first_name),
            ("last name", current["user__last_name"], row.last_name),
            ("email", current["user__email"], row.email),
            ("org unit", unit_code.get(current["org_unit_id"]), unit_code.get(unit)),
            ("role profile", role_code.get(current["role_profile_id"]), role_code.get(role)),
        ):
            if old != new:
                note(label, old, new)
        if (manager_employee is not None and manager_pk is None) or current["manager_id"] != manager_pk:
            note("manager", employee_by_pk.get(current["manager_id"]), manager_employee)
        if "active" in optional_columns and row.active is not None and row.active != current["active"]:
            note("active", "yes" if current["active"] else "no", "yes" if row.active else "no")
        if row.start_date is not None and row.start_date != current["start_date_in_role"]:
            note("start date in role", current["start_date_in_role"], row.start_date)
        if change.changed:
            updates.append(change)
        else:
            unchanged += 1
    return PeoplePlan(
        rows=rows, creates=creates, updates=updates, unchanged=unchanged,
        unit_ids={code.lower(): pk for code, pk in unit_ids.items()}, role_ids=role_ids,
        existing_people=existing_people, existing_users=existing_users, manager_of=manager_of,
        db_people_by_employee_id=db_people_by_employee_id,
    )


# --- applying --------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int
    invited_user_ids: list[int]


@transaction.atomic
def apply_people_plan(plan: PeoplePlan, *, actor) -> ImportResult:
    """Writes the plan: accounts, people, then managers (who may be new themselves)."""
    changes = {change.row.employee_id: change for change in plan.creates + plan.updates}

    new_users = [
        User(email=c.row.email, first_name=c.row.first_name, last_name=c.row.last_name, role=Role.LEADER,
             password=make_password(None))
        for c in plan.creates if c.new_account
    ]
    if new_users:
        bulk_create_with_history(new_users, User, batch_size=BATCH_SIZE, default_user=actor)
    user_ids = {u.email: u.pk for u in new_users}
    user_ids.update({email: u["pk"] for email, u in plan.existing_users.items()})

    changed_users = [
        User(pk=plan.existing_users[c.row.email]["pk"], email=c.row.email, first_name=c.row.first_name,
             last_name=c.row.last_name)
        for c in plan.creates if c.rename_account
    ]
    for change in plan.updates:
        if {"first name", "last name", "email"} & set(change.changed):
            current = plan.existing_people[change.row.employee_id]
            changed_users.append(User(pk=current["user_id"], email=change.row.email,
                                      first_name=change.row.first_name, last_name=change.row.last_name))
    if changed_users:
        bulk_update_with_history(changed_users, User, ["email", "first_name", "last_name"], batch_size=BATCH_SIZE,
                                 default_user=actor)

    def role_of(row: PersonRow) -> int | None:
        return plan.role_ids.get(row.role_profile.lower()) if row.role_profile else None

    new_people = [
        Person(user_id=user_ids[c.row.email], employee_id=c.row.employee_id, org_unit_id=plan.unit_ids[c.row.org_unit.lower()],
               role_profile_id=role_of(c.row), start_date_in_role=c.row.start_date,
               active=c.row.active if c.row.active is not None else True)
        for c in plan.creates
    ]
    if new_people:
        bulk_create_with_history(new_people, Person, batch_size=BATCH_SIZE, default_user=actor)
    person_ids = dict(plan.db_people_by_employee_id)
    person_ids.update({p.employee_id: p.pk for p in new_people})

    updated_people = []
    for change in plan.updates:
        row = change.row
        current = plan.existing_people[row.employee_id]
        person = Person(pk=current["pk"], org_unit_id=plan.unit_ids[row.org_unit.lower()], role_profile_id=role_of(row),
                        active=row.active if row.active is not None else current["active"],
                        start_date_in_role=row.start_date or current["start_date_in_role"],
                        manager_id=current["manager_id"])
        updated_people.append(person)
    if updated_people:
        bulk_update_with_history(updated_people, Person, ["org_unit", "role_profile", "active", "start_date_in_role"],
                                 batch_size=BATCH_SIZE, default_user=actor)

    with_manager = []
    for employee_id, change in changes.items():
        manager_employee = plan.manager_of[employee_id]
        wanted = person_ids[manager_employee] if manager_employee else None
        current = plan.existing_people.get(employee_id, {}).get("manager_id")
        if employee_id not in plan.existing_people and wanted is None:
            continue
        if wanted != current:
            with_manager.append(Person(pk=person_ids[employee_id], manager_id=wanted))
    if with_manager:
        bulk_update_with_history(with_manager, Person, ["manager"], batch_size=BATCH_SIZE, default_user=actor)
    inactive = {c.row.email for c in plan.creates if c.row.active is False}
    return ImportResult(created=len(plan.creates), updated=len(plan.updates), unchanged=plan.unchanged,
                        invited_user_ids=[u.pk for u in new_users if u.email not in inactive])
