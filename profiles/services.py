"""Use cases that change org units, role profiles and people. Each is one transaction."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import describe_role
from competency.models import Competency, FrameworkVersion, VersionStatus
from core.db import advisory_lock, queue_after_commit, save_unique
from core.uploads import ImportFailed
from signatures import services as signing
from signatures.models import Meaning

from .models import (
    ExpectedBehaviour,
    ImportStatus,
    OrgUnit,
    PeopleImport,
    PerformanceIndicator,
    Person,
    ProfileStatus,
    Requirement,
    RoleProfile,
)

#: The names of the locks under which changes to a graph take turns (see core.db.advisory_lock).
ORG_UNIT_TREE_LOCK = "profiles: org unit tree"
MANAGER_GRAPH_LOCK = "profiles: graph of managers"

logger = logging.getLogger(__name__)

# --- org units -------------------------------------------------------------------------------------


@transaction.atomic
def orgunit_save(*, unit: OrgUnit | None = None, name: str, code: str, parent: OrgUnit | None,
                 head: Person | None, actor=None) -> OrgUnit:
    advisory_lock(ORG_UNIT_TREE_LOCK)  # the loop check below reads the tree as committed before us
    unit = unit or OrgUnit()
    unit.name, unit.code, unit.parent, unit.head = name, code, parent, head
    if actor is not None:
        unit._history_user = actor
    unit.full_clean()
    save_unique(unit, "code", "An org unit with this code was just created; choose another code.")
    return unit


# --- role profiles ---------------------------------------------------------------------------------


def _ensure_published(version: FrameworkVersion) -> None:
    if version.status != VersionStatus.PUBLISHED:
        raise ValidationError(
            {"framework_version": f"{version} is {version.get_status_display().lower()}; "
                                  "role profiles are written against the published version of a framework."}
        )


def _back_to_draft(profile: RoleProfile) -> None:
    """Any change to an approved profile needs a new approval."""
    if profile.status == ProfileStatus.APPROVED:
        profile.status = ProfileStatus.DRAFT
        profile.save(update_fields=["status"])


def _locked(profile: RoleProfile) -> RoleProfile:
    return RoleProfile.objects.select_for_update().select_related("framework_version__framework").get(pk=profile.pk)


@transaction.atomic
def profile_create(*, name: str, code: str, description: str, framework_version: FrameworkVersion, actor) -> RoleProfile:
    _ensure_published(framework_version)
    profile = RoleProfile(name=name, code=code, description=description, framework_version=framework_version,
                          created_by=actor)
    profile.full_clean()
    save_unique(profile, "code", "A role profile with this code was just created; choose another code.")
    return profile


@transaction.atomic
def profile_update(*, profile: RoleProfile, name: str, code: str, description: str) -> RoleProfile:
    profile = _locked(profile)
    if (profile.name, profile.code, profile.description) == (name, code, description):
        return profile
    profile.name, profile.code, profile.description = name, code, description
    profile.full_clean()
    profile.save()
    _back_to_draft(profile)
    return profile


@dataclass(frozen=True)
class RequirementInput:
    competency: Competency
    required_level: int
    weight: Decimal
    critical: bool


@transaction.atomic
def requirements_set(*, profile: RoleProfile, requirements: Iterable[RequirementInput]) -> RoleProfile:
    """Replaces the profile's requirements: levels on the framework's scale, weights above 0, each
    competency once and from the profile's framework version."""
    profile = _locked(profile)
    version = profile.framework_version
    levels = set(version.framework.scale.levels.values_list("value", flat=True))
    wanted: dict[int, RequirementInput] = {}
    errors = []
    for item in requirements:
        code = item.competency.code
        if item.competency.version_id != version.pk:
            errors.append(f"{code} is not in {version}.")
        elif item.competency.pk in wanted:
            errors.append(f"{code} is required twice; each competency appears once.")
        elif item.required_level not in levels:
            errors.append(f"{code}: level {item.required_level} is not on the scale {version.framework.scale}.")
        elif item.weight is None or item.weight <= 0:
            errors.append(f"{code}: the weight must be more than 0.")
        else:
            wanted[item.competency.pk] = item
    if errors:
        raise ValidationError(errors)
    existing = {r.competency_id: r for r in profile.requirements.all()}
    changed = False
    for competency_id, requirement in existing.items():
        if competency_id not in wanted:
            requirement.delete()
            changed = True
    # A behaviour belongs to a required competency; it goes with its requirement.
    for behaviour in profile.behaviours.exclude(competency_id__in=list(wanted)):
        behaviour.delete()
        changed = True
    for competency_id, item in wanted.items():
        current = existing.get(competency_id)
        values = (item.required_level, Decimal(item.weight), item.critical)
        if current is None:
            Requirement.objects.create(profile=profile, competency=item.competency, required_level=values[0],
                                       weight=values[1], critical=values[2])
            changed = True
        elif (current.required_level, current.weight, current.critical) != values:
            current.required_level, current.weight, current.critical = values
            current.save()
            changed = True
    if changed:
        _back_to_draft(profile)
    return profile


@transaction.atomic
def expectations_set(*, profile: RoleProfile, behaviours: list[tuple[Competency, str]],
                     kpis: list[dict]) -> RoleProfile:
    """Replaces the expected behaviours and performance indicators of a profile."""
    profile = _locked(profile)
    for competency, _text in behaviours:
        if competency.version_id != profile.framework_version_id:
            raise ValidationError(f"{competency.code} is not in {profile.framework_version}.")
    old_behaviours = list(profile.behaviours.values_list("competency_id", "text"))
    old_kpis = list(profile.kpis.values_list("name", "comparator", "target", "unit", "how_measured"))
    new_behaviours = [(competency.pk, text.strip()) for competency, text in behaviours]
    new_kpis = [(k["name"], k["comparator"], Decimal(k["target"]), k.get("unit", ""), k.get("how_measured", ""))
                for k in kpis]
    if old_behaviours == new_behaviours and old_kpis == new_kpis:
        return profile
    profile.behaviours.all().delete()
    profile.kpis.all().delete()
    for position, (competency, text) in enumerate(behaviours):
        ExpectedBehaviour.objects.create(profile=profile, competency=competency, text=text.strip(), position=position)
    for position, kpi in enumerate(kpis):
        indicator = PerformanceIndicator(profile=profile, position=position, **kpi)
        indicator.full_clean()
        indicator.save()
    _back_to_draft(profile)
    return profile


@transaction.atomic
def profile_approve(*, profile: RoleProfile, actor, change_note: str, password: str,
                    meaning: str = Meaning.APPROVED) -> RoleProfile:
    """Approves a new revision of the profile with the approver's electronic signature."""
    profile = _locked(profile)
    if profile.status == ProfileStatus.APPROVED:
        raise ValidationError(f"{profile} is already approved (revision {profile.revision}).")
    if not profile.requirements.exists():
        raise ValidationError("A profile without requirements cannot be approved: say what the role requires first.")
    _ensure_published(profile.framework_version)
    if not change_note.strip():
        raise ValidationError({"change_note": "Say what this revision changes: the note is part of the record."})
    signing.check_segregation(profile, actor)
    profile.status = ProfileStatus.APPROVED
    profile.revision += 1
    profile.change_note = change_note.strip()
    profile.approved_by = actor
    profile.approved_at = timezone.now()
    profile.approved_requirements = [
        {
            "competency_id": r.competency_id, "code": r.competency.code, "name": r.competency.name,
            "area_id": r.competency.area_id, "area_name": r.competency.area.name,
            "area_position": r.competency.area.position, "position": r.competency.position,
            "required_level": r.required_level, "weight": str(r.weight), "critical": r.critical,
        }
        for r in profile.requirements.select_related("competency__area")
    ]
    profile.approved_expectations = {
        "behaviours": [{"code": b.competency.code, "text": b.text} for b in profile.behaviours.select_related("competency")],
        "kpis": [{"name": k.name, "target_text": k.target_text, "how_measured": k.how_measured} for k in profile.kpis.all()],
    }
    profile._history_user = actor
    profile.save()
    signing.sign(profile, signer=actor, password=password, meaning=meaning)
    return profile


# --- moving a profile to a newer framework version -------------------------------------------------


@dataclass
class MigrationRow:
    code: str
    name: str
    required_level: int
    outcome: str  # "unchanged", "changed" or "lost"
    details: list[str]
    target: Competency | None
    behaviours: int = 0  # expected behaviours tied to the competency


def migration_preview(profile: RoleProfile, target: FrameworkVersion) -> list[MigrationRow]:
    """How each requirement fares in `target`. Competencies are matched by their UUID, which a revision
    keeps even when it changes a code (as the diff of versions matches them); by code otherwise."""
    if target.framework_id != profile.framework_version.framework_id:
        raise ValidationError("A profile moves only to another version of its own framework.")
    requirements = list(profile.requirements.select_related("competency").prefetch_related("competency__indicators"))
    behaviours = Counter(profile.behaviours.values_list("competency_id", flat=True))
    candidates = list(target.competencies.prefetch_related("indicators"))
    by_uuid = {c.uuid: c for c in candidates}
    by_code = {c.code: c for c in candidates}
    rows = []
    for requirement in requirements:
        old = requirement.competency
        new = by_uuid.get(old.uuid) or by_code.get(old.code)
        if new is None:
            details = [f"{old.code} is not in {target}; the requirement will be removed."]
            if behaviours[old.pk]:
                details.append(f"Its {behaviours[old.pk]} expected behaviour(s) will be removed with it.")
            rows.append(MigrationRow(old.code, old.name, requirement.required_level, "lost", details, None,
                                     behaviours[old.pk]))
            continue
        details = []
        if new.code != old.code:
            details.append(f"Code changed: {old.code} → {new.code}.")
        if new.name != old.name:
            details.append(f"Renamed: “{old.name}” → “{new.name}”.")
        if new.description != old.description:
            details.append("Description changed.")
        old_indicators = sorted((i.level, i.text) for i in old.indicators.all())
        new_indicators = sorted((i.level, i.text) for i in new.indicators.all())
        if old_indicators != new_indicators:
            levels = sorted({lvl for lvl, _ in set(old_indicators) ^ set(new_indicators)})
            details.append("Behavioural indicators changed at level " + ", ".join(map(str, levels)) + ".")
        rows.append(MigrationRow(old.code, new.name, requirement.required_level,
                                 "changed" if details else "unchanged", details, new, behaviours[old.pk]))
    return rows


@transaction.atomic
def profile_migrate(*, profile: RoleProfile, target: FrameworkVersion, actor) -> RoleProfile:
    profile = _locked(profile)
    _ensure_published(target)
    if target.pk == profile.framework_version_id:
        raise ValidationError(f"{profile} is already written against {target}.")
    rows = migration_preview(profile, target)
    by_code = {row.code: row for row in rows}
    moved = {}
    for requirement in profile.requirements.select_related("competency"):
        row = by_code[requirement.competency.code]
        moved[requirement.competency_id] = row.target
        if row.target is None:
            requirement.delete()
        else:
            requirement.competency = row.target
            requirement.save()
    for behaviour in profile.behaviours.all():
        new = moved.get(behaviour.competency_id)
        if new is None:
            behaviour.delete()
        else:
            behaviour.competency = new
            behaviour.save()
    profile.framework_version = target
    profile.status = ProfileStatus.DRAFT
    profile.save()
    return profile


# --- people ----------------------------------------------------------------------------------------


@transaction.atomic
def person_update(*, person: Person, org_unit: OrgUnit, role_profile: RoleProfile | None, manager: Person | None,
                  start_date_in_role, active: bool, actor=None) -> Person:
    """A person's place in the organisation. Switching a person off also stops their account signing
    in (and switching them on lets it sign in again); an account that is not a plain leader account
    is HR's to switch, on the Accounts page."""
    advisory_lock(MANAGER_GRAPH_LOCK)  # the loop check below reads the managers as committed before us
    person = Person.objects.select_for_update().select_related("user").get(pk=person.pk)
    account = person.user
    check_active_change(person, active)
    person.org_unit, person.role_profile, person.manager = org_unit, role_profile, manager
    person.start_date_in_role, person.active = start_date_in_role, active
    if actor is not None:
        person._history_user = account._history_user = actor
    person.full_clean()
    person.save()
    if account.is_plain_leader and account.is_active != active:
        account.is_active = active
        account.save()
    return person


def check_active_change(person: Person, active: bool) -> None:
    """A person whose account is not a plain leader account is switched on or off with the account, by HR."""
    account = person.user
    if active != person.active and active != account.is_active and not account.is_plain_leader:
        raise ValidationError({"active": f"{person} signs in with {describe_role(account)}: HR switches it on "
                                         "or off on the Accounts page."})


# --- people import and invitations ----------------------------------------------------------------


def people_import_queue(*, pending_id: int) -> bool:
    """Marks a previewed import as confirmed and queues it; False when it was confirmed already."""
    with transaction.atomic():
        claimed = PeopleImport.objects.filter(pk=pending_id, status=ImportStatus.PENDING).update(
            status=ImportStatus.QUEUED
        )
        if claimed:
            queue_after_commit("profiles.tasks.apply_people_import", pending_id)
    return bool(claimed)


def people_import_apply(*, import_id: int) -> dict:
    from accounts.services import invitations_create

    from .importers import apply_people_plan, plan_people_import, read_table

    def finish(status: str, summary: dict) -> dict:
        # The file (names and emails) is not kept once it has done its job; the summary is.
        PeopleImport.objects.filter(pk=import_id).update(status=status, summary=summary, finished_at=timezone.now(),
                                                         content=b"")
        return summary

    try:
        # One transaction holds the job's row lock from start to end: a second delivery of the task waits,
        # then finds the job done; if the worker dies, nothing is committed and the redelivered task runs it.
        with transaction.atomic():
            job = PeopleImport.objects.select_for_update().get(pk=import_id)
            if job.status != ImportStatus.QUEUED:
                return job.summary  # done or failed already: nothing to do
            advisory_lock(MANAGER_GRAPH_LOCK)  # plan and apply see one consistent graph of managers
            plan = plan_people_import(read_table(bytes(job.content), job.filename, job.encoding))
            result = apply_people_plan(plan, actor=job.created_by)
            summary = finish(ImportStatus.DONE, {"created": result.created, "updated": result.updated,
                                                 "unchanged": result.unchanged, "invited": len(result.invited_user_ids)})
            if result.invited_user_ids:
                from accounts.models import User

                invitations_create(users=User.objects.filter(pk__in=result.invited_user_ids).only("pk"),
                                   actor=job.created_by)
            return summary
    except ImportFailed as failure:
        return finish(ImportStatus.FAILED, {"errors": [str(issue) for issue in failure.issues]})
    except Exception:
        # Whatever went wrong, the page must stop saying "importing" and the transaction has changed nothing.
        logger.exception("People import %s failed", import_id)
        return finish(ImportStatus.FAILED, {"errors": [
            "An unexpected error stopped the import; nothing was changed. "
            "Try again, and tell your Proficio administrator if it happens again."]})


def people_imports_purge(*, older_than) -> int:
    """Deletes uploads nobody confirmed since `older_than`; a confirmed one keeps no file, only its summary."""
    deleted, _ = PeopleImport.objects.filter(status=ImportStatus.PENDING, created_at__lt=older_than).delete()
    PeopleImport.objects.exclude(status__in=[ImportStatus.PENDING, ImportStatus.QUEUED]).exclude(content=b"").update(
        content=b"")
    return deleted
