"""Creating a cycle, choosing its leaders, opening, extending and closing it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from competency.models import FrameworkVersion, VersionStatus
from core.db import queue_after_commit
from profiles.models import Person, RoleProfile
from profiles.selectors import unit_and_below

from ..models import Cycle, CycleStatus, Group, Participant, Questionnaire, QuestionnaireStatus

BATCH_SIZE = 1000


def _locked(cycle: Cycle) -> Cycle:
    return Cycle.objects.select_for_update().get(pk=cycle.pk)


def _require_status(cycle: Cycle, *statuses: str, doing: str) -> None:
    if cycle.status not in statuses:
        raise ValidationError(f"{cycle} is {cycle.get_status_display().lower()}: it cannot {doing} now.")


def create_cycle(*, actor, **fields) -> Cycle:
    cycle = Cycle(created_by=actor, **fields)
    version = cycle.framework_version
    if version.status != VersionStatus.PUBLISHED:
        raise ValidationError({"framework_version": f"{version} is not published: a cycle rates against a published version."})
    cycle.full_clean()
    cycle._history_user = actor
    cycle.save()
    return cycle


def update_cycle(cycle: Cycle, *, actor, **fields) -> Cycle:
    with transaction.atomic():
        cycle = _locked(cycle)
        _require_status(cycle, CycleStatus.DRAFT, doing="be edited")
        for name, value in fields.items():
            setattr(cycle, name, value)
        if cycle.framework_version.status != VersionStatus.PUBLISHED:
            raise ValidationError({"framework_version": "Choose a published framework version."})
        cycle.full_clean()
        cycle._history_user = actor
        cycle.save()
    return cycle


def people_in_units(unit_ids: Iterable[int], *, with_sub_units: bool = True) -> QuerySet[Person]:
    """Active people of the units (and, by default, of every unit below them)."""
    unit_ids = set(unit_ids)
    if with_sub_units:
        unit_ids = set().union(*(unit_and_below(pk) for pk in unit_ids))
    return Person.objects.filter(active=True, org_unit_id__in=unit_ids)


def add_leaders(cycle: Cycle, people: QuerySet[Person], *, actor) -> int:
    """Adds the active people of `people` not yet in the draft cycle. Returns how many were added."""
    with transaction.atomic():
        cycle = _locked(cycle)
        _require_status(cycle, CycleStatus.DRAFT, doing="take more leaders")
        present = Participant.objects.filter(cycle=cycle).values("person_id")
        new_ids = list(people.filter(active=True).exclude(pk__in=present).order_by("pk").values_list("pk", flat=True))
        rows = [Participant(cycle=cycle, person_id=pk) for pk in new_ids]
        for row in rows:
            row._history_user = actor
        bulk_create_with_history(rows, Participant, batch_size=BATCH_SIZE, default_user=actor)
    return len(new_ids)


def remove_leaders(cycle: Cycle, participant_ids: Iterable[int], *, actor) -> int:
    with transaction.atomic():
        cycle = _locked(cycle)
        _require_status(cycle, CycleStatus.DRAFT, doing="drop leaders")
        doomed = list(Participant.objects.filter(cycle=cycle, pk__in=list(participant_ids)))
        # Thousands at once: their deletion is recorded in the history in bulk, then the rows go in
        # one DELETE (a draft's participations have nothing that points at them yet; a model delete
        # would write one history row per participation through the signal).
        history = Participant.history.model
        now = timezone.now()
        history.objects.bulk_create([
            history(history_date=now, history_type="-", history_user=actor,
                    **{field.attname: getattr(participant, field.attname) for field in history.tracked_fields})
            for participant in doomed
        ], batch_size=BATCH_SIZE)
        Participant.objects.filter(pk__in=[participant.pk for participant in doomed])._raw_delete(
            Participant.objects.db)
    return len(doomed)


def opening_problems(cycle: Cycle) -> list[str]:
    """Why the cycle cannot open, each reason naming what to fix; empty when it can."""
    problems = []
    version: FrameworkVersion = cycle.framework_version
    if version.status != VersionStatus.PUBLISHED:
        problems.append(f"{version} is {version.get_status_display().lower()}, not published: "
                        "choose the version in force.")
    if cycle.closes_on <= timezone.localdate():
        problems.append(f"The close date ({cycle.closes_on:%d %b %Y}) has passed: move it later first.")
    participants = Participant.objects.filter(cycle=cycle).select_related("person__user", "person__role_profile")
    if not participants.exists():
        problems.append("The cycle has no leaders yet.")
    missing, other_version, inactive = [], [], []
    for participant in participants.only(
        "person__user__first_name", "person__user__last_name", "person__user__email", "person__active",
        "person__role_profile__status", "person__role_profile__revision",
        "person__role_profile__framework_version_id", "person__role_profile__name",
    ).iterator(chunk_size=2000):
        person = participant.person
        profile = person.role_profile
        if not person.active:
            inactive.append(str(person))
        elif profile is None or profile.revision == 0:
            missing.append(str(person))
        elif profile.framework_version_id != version.pk:
            other_version.append(f"{person} ({profile.name})")
    if missing:
        problems.append(_naming(missing, "has no approved role profile", "have no approved role profile"))
    if other_version:
        problems.append(_naming(other_version, f"has a role profile written against another version than {version}",
                                f"have role profiles written against another version than {version}",
                                advice="move the profiles to it first"))
    if inactive:
        problems.append(_naming(inactive, "is no longer active", "are no longer active", advice="remove them from the cycle"))
    return problems


def _naming(names: list[str], one: str, many: str, *, advice: str = "", shown: int = 10) -> str:
    listed = ", ".join(names[:shown])
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    what = f"1 leader {one}" if len(names) == 1 else f"{len(names)} leaders {many}"
    return f"{what}: {listed}{more}." + (f" {advice[0].upper()}{advice[1:]}." if advice else "")


def start_opening(cycle: Cycle, *, actor) -> Cycle:
    """Checks the cycle and hands the opening to a task; the cycle shows "opening" with progress."""
    with transaction.atomic():
        cycle = _locked(cycle)
        _require_status(cycle, CycleStatus.DRAFT, doing="open")
        problems = opening_problems(cycle)
        if problems:
            raise ValidationError(problems)
        cycle.status = CycleStatus.OPENING
        cycle.progress = {"done": 0, "total": cycle.participants.count()}
        cycle._history_user = actor
        cycle.save()
        queue_after_commit("assessments.tasks.open_cycle", cycle.pk, actor.pk)
    return cycle


def open_cycle(cycle_id: int, *, actor) -> Cycle:
    """Builds every leader's questionnaires: self, manager and direct reports from the org data, and
    freezes each leader's approved requirements. Safe to run twice: it only continues an opening."""
    cycle = Cycle.objects.get(pk=cycle_id)
    if cycle.status != CycleStatus.OPENING:
        return cycle
    pending = list(Participant.objects.filter(cycle=cycle, profile_revision__isnull=True)
                   .order_by("pk").values_list("pk", flat=True))
    total = cycle.progress.get("total") or len(pending)
    done = total - len(pending)
    for start in range(0, len(pending), BATCH_SIZE):
        batch = pending[start:start + BATCH_SIZE]
        with transaction.atomic():
            _open_batch(cycle, batch, actor)
            done += len(batch)
            Cycle.objects.filter(pk=cycle.pk).update(progress={"done": done, "total": total})
    with transaction.atomic():
        cycle = _locked(cycle)
        if cycle.status == CycleStatus.OPENING:
            cycle.status = CycleStatus.OPEN
            cycle.opened_at = timezone.now()
            cycle.progress = {"done": total, "total": total}
            cycle._history_user = actor
            cycle.save()
            queue_after_commit("assessments.tasks.send_cycle_emails", cycle.pk)
    return cycle


def _open_batch(cycle: Cycle, participant_ids: list[int], actor) -> None:
    participants = list(
        Participant.objects.filter(pk__in=participant_ids, profile_revision__isnull=True)
        .select_related("person").select_for_update(of=("self",))
    )
    person_ids = [p.person_id for p in participants]
    reports: dict[int, list[int]] = {}
    for pk, manager_id in Person.objects.filter(manager_id__in=person_ids, active=True).values_list("pk", "manager_id"):
        reports.setdefault(manager_id, []).append(pk)
    managers = {p.person.manager_id for p in participants if p.person.manager_id}
    active = set(Person.objects.filter(active=True, pk__in=managers).values_list("pk", flat=True))
    profiles = {profile.pk: profile for profile in RoleProfile.objects.filter(
        pk__in={p.person.role_profile_id for p in participants}).only("pk", "revision", "approved_requirements")}
    now = timezone.now()
    questionnaires = []
    by_profile: dict[int, list[int]] = {}
    for participant in participants:
        person = participant.person
        profile = profiles[person.role_profile_id]
        by_profile.setdefault(profile.pk, []).append(participant.pk)
        participant.role_profile_id = profile.pk
        participant.profile_revision = profile.revision
        participant.requirements = profile.approved_requirements
        participant.manager_id = person.manager_id if person.manager_id in active else None
        questionnaires.append(Questionnaire(participant=participant, group=Group.SELF, rater_id=person.pk, invited_at=now))
        if participant.manager_id:
            questionnaires.append(Questionnaire(participant=participant, group=Group.MANAGER,
                                                rater_id=participant.manager_id, invited_at=now))
        for report in reports.get(person.pk, []):
            questionnaires.append(Questionnaire(participant=participant, group=Group.DIRECT, rater_id=report, invited_at=now))
    # Everyone on one profile gets the same snapshot: one UPDATE per profile writes it, instead of a
    # CASE over every row with a 9 KB literal each.
    for profile_pk, pks in by_profile.items():
        profile = profiles[profile_pk]
        Participant.objects.filter(pk__in=pks).update(
            role_profile_id=profile.pk, profile_revision=profile.revision, requirements=profile.approved_requirements)
    Participant.objects.bulk_update(participants, ["manager"], batch_size=BATCH_SIZE)
    Participant.history.bulk_history_create(participants, update=True, default_user=actor, batch_size=BATCH_SIZE)
    bulk_create_with_history(questionnaires, Questionnaire, batch_size=BATCH_SIZE, default_user=actor)


def extend_cycle(cycle: Cycle, closes_on: date, *, actor) -> Cycle:
    with transaction.atomic():
        cycle = _locked(cycle)
        _require_status(cycle, CycleStatus.OPEN, CycleStatus.CLOSED, doing="be extended")
        if closes_on <= cycle.closes_on:
            raise ValidationError({"closes_on": f"Choose a date after the current close ({cycle.closes_on:%d %b %Y})."})
        if closes_on < timezone.localdate():
            raise ValidationError({"closes_on": "The new close date is in the past."})
        if cycle.status == CycleStatus.CLOSED and cycle.release_number:
            raise ValidationError("Released results are frozen: a released cycle cannot reopen.")
        cycle.closes_on = closes_on
        cycle.status = CycleStatus.OPEN
        cycle.closed_at = None
        cycle._history_user = actor
        cycle.save()
    return cycle


def close_cycle(cycle: Cycle, *, actor) -> Cycle:
    with transaction.atomic():
        cycle = _locked(cycle)
        _require_status(cycle, CycleStatus.OPEN, doing="close")
        cycle.status = CycleStatus.CLOSED
        cycle.closed_at = timezone.now()
        cycle._history_user = actor
        cycle.save()
        # Nominations nobody decided on lapse with the cycle.
        for questionnaire in Questionnaire.objects.filter(participant__cycle=cycle, status=QuestionnaireStatus.NOMINATED):
            questionnaire.status = QuestionnaireStatus.REJECTED
            questionnaire._history_user = actor
            questionnaire.save(update_fields=["status"])
    return cycle


def close_due_cycles(today: date | None = None) -> int:
    """Closes open cycles whose close day has passed (run daily by beat or the management command)."""
    today = today or timezone.localdate()
    closed = 0
    for cycle in Cycle.objects.filter(status=CycleStatus.OPEN, closes_on__lt=today):
        close_cycle(cycle, actor=cycle.created_by)
        closed += 1
    return closed
