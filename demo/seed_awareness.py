"""The demo's controlled statements and leaders' acknowledgements (ISO 9001 5.2, 6.2, 7.3), made through the
services an HR manager's, the quality manager's and the leaders' clicks run:

- the quality policy: revision 1 written by HR, approved by the quality manager's signature and published,
  acknowledged by the first ten leaders; then revision 2 (a sentence on competence added), approved and
  published the same way, which supersedes it and asks everyone again;
- two quality objectives, each with its measure and target, revision 1 published: complaints answered in
  five working days (everyone) and on-time delivery (the Operations units only);
- acknowledgements of the current revisions and of the leaders' own role profiles by some leaders, by
  their place in the demo (ACKNOWLEDGED below), so that coverage is partial: 60 of the 96 due with the
  default 30 leaders. Maria Jensen (leader 0) has policy revision 2 and both objectives still waiting,
  Hugo Novak (leader 29) everything: a visitor logging in as either has something to acknowledge.

Everything is dated today (no clock moved). Idempotent: a statement that exists (by title) is left as it
is, and an acknowledgement already there is not made again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from django.db import transaction

from accounts.models import User
from awareness import services
from awareness.models import Acknowledgement, RevisionStatus, Statement, StatementKind, StatementRevision
from profiles.models import OrgUnit, Person, ProfileStatus

POLICY = "Quality policy"
POLICY_TEXT = [
    "We deliver what we promise to our customers, on time and as agreed. We meet the requirements of our customers "
    "and of the law, and we improve our processes and our quality management system continually.",
    "We deliver what we promise to our customers, on time and as agreed. We meet the requirements of our customers "
    "and of the law, and we improve our processes and our quality management system continually. Every leader "
    "knows what their role requires and develops the competence of their team against it.",
]
POLICY_CHANGE = "Competence of leaders and their teams added (ISO 9001 7.2)."
COMPLAINTS = "Customer complaints answered within five working days"
DELIVERY = "On-time delivery"
#: (title, measure, target, text, org unit codes or None for everyone)
OBJECTIVES = [
    (COMPLAINTS, "Share of complaints answered within five working days (complaint register, monthly)", "≥ 90 %",
     "Every customer complaint gets a first answer with the next steps within five working days.", None),
    (DELIVERY, "Orders delivered on the confirmed day (ERP delivery report, monthly)", "≥ 97 %",
     "Production and logistics deliver at least 97 % of orders on the day confirmed to the customer.",
     ["OPS", "OPS-N", "OPS-S"]),
]
#: Who acknowledges what, by leader index (leader 0 is employee E00001, Maria Jensen): (what, indexes).
#: With 30 leaders: policy 2 by 19 of 30, complaints by 17 of 30, delivery by 4 of the 6 in Operations
#: (leaders 1 and 6-10), own role profile by 20 of 30: 60 of 96.
ACKNOWLEDGED: list[tuple[str, range | tuple[int, ...]]] = [
    ("policy-1", range(0, 10)),  # before revision 2 came: on record for revision 1, not counted for 2
    ("policy-2", range(1, 20)),
    (COMPLAINTS, range(1, 18)),
    (DELIVERY, (1, 6, 7, 8)),
    ("profile", range(0, 20)),
]
EFFECTIVE = date(2026, 1, 1)


@contextmanager
def _password_checked_once() -> Iterator[None]:
    """The demo's people share one password hash (seed.py hashes the demo password once), so the password is
    checked against it once and the answer reused: each acknowledgement is a signature that checks the
    signer's password, and one PBKDF2 run per acknowledgement would add many seconds to `make run`."""
    check = User.check_password
    answers: dict[tuple[str, str], bool] = {}

    def checked_once(user, raw_password):
        key = (user.password, raw_password)
        if key not in answers:
            answers[key] = check(user, raw_password)
        return answers[key]

    User.check_password = checked_once
    try:
        yield
    finally:
        User.check_password = check


def _publish(statement: Statement, revision: StatementRevision, *, hr, quality, password: str) -> None:
    services.revision_approve(revision=revision, actor=quality, password=password)
    services.revision_publish(revision=revision, actor=hr)


def _revision_input(text: str, *, units=None, change_note: str = "") -> services.RevisionInput:
    return services.RevisionInput(text=text, effective_date=EFFECTIVE, applies_to_everyone=units is None,
                                  org_units=list(units or []), change_note=change_note)


def _leaders(domain: str) -> list[Person]:
    """The demo leaders in seed order (employee ids E00001 …), as far as ACKNOWLEDGED reaches."""
    last = max(max(indexes) for _what, indexes in ACKNOWLEDGED)
    ids = [f"E{index + 1:05d}" for index in range(last + 1)]
    found = {p.employee_id: p for p in Person.objects.filter(employee_id__in=ids, user__email__endswith=f"@{domain}")
             .select_related("user", "role_profile")}
    return [found.get(employee_id) for employee_id in ids]


def _acknowledge(people: list[Person | None], what: str, revision: StatementRevision | None, *, password: str) -> int:
    indexes = dict(ACKNOWLEDGED)[what]
    made = 0
    for index in indexes:
        person = people[index] if index < len(people) else None
        if person is None or not person.active:
            continue
        if revision is None:
            profile = person.role_profile
            if profile is None or profile.revision < 1 or profile.status != ProfileStatus.APPROVED:
                continue
            _ack, created = services.acknowledge_profile(person=person, password=password)
        elif Acknowledgement.objects.filter(person=person, revision=revision).exists():
            continue
        elif not (revision.applies_to_everyone or revision.org_units.filter(pk=person.org_unit_id).exists()):
            continue
        else:
            _ack, created = services.acknowledge_revision(person=person, revision=revision, password=password)
        made += created
    return made


@transaction.atomic
def seed_awareness(*, domain: str, password: str) -> list[str]:
    hr = User.objects.filter(email=f"hr@{domain}").first()
    quality = User.objects.filter(email=f"quality@{domain}").first()
    if hr is None or quality is None:
        return ["Statements: none (the demo has no HR or quality manager)."]
    people = _leaders(domain)
    lines = []
    with _password_checked_once():
        policy = Statement.objects.filter(title=POLICY).first()
        made = 0
        if policy is None:
            policy = services.statement_create(kind=StatementKind.POLICY, title=POLICY,
                                               revision=_revision_input(POLICY_TEXT[0]), actor=hr)
            _publish(policy, policy.revisions.get(), hr=hr, quality=quality, password=password)
            policy.refresh_from_db()
            made += _acknowledge(people, "policy-1", policy.current_revision, password=password)
            revision = services.statement_revise(statement=policy, title=POLICY,
                                                 revision=_revision_input(POLICY_TEXT[1], change_note=POLICY_CHANGE),
                                                 actor=hr)
            _publish(policy, revision, hr=hr, quality=quality, password=password)
            policy.refresh_from_db()
            lines.append(f"Statement: {POLICY}, revision 2 published (revision 1 superseded).")
        else:
            lines.append(f"Statement: {POLICY} already there.")
        units = {unit.code: unit for unit in OrgUnit.objects.all()}
        objectives = {}
        for title, measure, target, text, codes in OBJECTIVES:
            objective = Statement.objects.filter(title=title).first()
            if objective is None:
                chosen = None if codes is None else [units[code] for code in codes if code in units]
                objective = services.statement_create(kind=StatementKind.OBJECTIVE, title=title, measure=measure,
                                                      target=target, revision=_revision_input(text, units=chosen),
                                                      actor=hr)
                _publish(objective, objective.revisions.get(), hr=hr, quality=quality, password=password)
                objective.refresh_from_db()
                lines.append(f"Quality objective: {title} ({target}), revision 1 published.")
            else:
                lines.append(f"Quality objective: {title} already there.")
            objectives[title] = objective
        current = policy.current_revision
        if current is not None and current.number == 2 and current.status == RevisionStatus.PUBLISHED:
            made += _acknowledge(people, "policy-2", current, password=password)
        for title, objective in objectives.items():
            if objective.current_revision is not None:
                made += _acknowledge(people, title, objective.current_revision, password=password)
        made += _acknowledge(people, "profile", None, password=password)
    lines.append(f"Acknowledgements: {made} made today." if made else "Acknowledgements: already there.")
    return lines

