"""The read side of statements and acknowledgements: what applies to whom, what a leader has still to
acknowledge, and coverage per statement and org unit (aggregated in the database)."""

from __future__ import annotations

from dataclasses import dataclass
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from profiles.models import OrgUnit, Person, ProfileStatus

from .models import Acknowledgement, AckReminder, RevisionStatus, Statement, StatementRevision

_Units = StatementRevision.org_units.through
_Profiles = StatementRevision.role_profiles.through


def statements() -> QuerySet[Statement]:
    return Statement.objects.select_related("current_revision").annotate(
        open_revisions=Count("revisions", filter=Q(revisions__status__in=[RevisionStatus.DRAFT,
                                                                          RevisionStatus.APPROVED])))


def open_revision(statement: Statement) -> StatementRevision | None:
    """The draft or approved-but-unpublished revision of `statement`, if any (at most one)."""
    return (statement.revisions.filter(status__in=[RevisionStatus.DRAFT, RevisionStatus.APPROVED])
            .order_by("-number").first())


def current_revisions_for(person: Person) -> QuerySet[StatementRevision]:
    """The current revisions that apply to `person`, each with `acknowledged` (by them) annotated."""
    units = _Units.objects.filter(statementrevision_id=OuterRef("pk"), orgunit_id=person.org_unit_id)
    profiles = _Profiles.objects.filter(statementrevision_id=OuterRef("pk"), roleprofile_id=person.role_profile_id)
    return (StatementRevision.objects.filter(current_for__isnull=False, status=RevisionStatus.PUBLISHED)
            .filter(Q(applies_to_everyone=True) | Q(Exists(units)) | Q(Exists(profiles)))
            .annotate(acknowledged=Exists(Acknowledgement.objects.filter(person=person, revision=OuterRef("pk"))))
            .select_related("statement").order_by("statement__kind", "statement__title"))


def applies(revision: StatementRevision, person: Person) -> bool:
    return current_revisions_for(person).filter(pk=revision.pk).exists()


def profile_to_acknowledge(person: Person):
    """The role profile revision `person` should have acknowledged (None when they hold no approved profile)."""
    profile = person.role_profile
    if profile is None or profile.revision < 1:
        return None
    return profile


def profile_acknowledged(person: Person) -> bool:
    profile = person.role_profile
    return profile is not None and Acknowledgement.objects.filter(
        person=person, role_profile=profile, profile_revision=profile.revision).exists()


def acknowledgements_of(person: Person) -> QuerySet[Acknowledgement]:
    return (Acknowledgement.objects.filter(person=person)
            .select_related("revision__statement", "role_profile", "signature"))


def waiting_count(person: Person) -> int:
    """How many acknowledgements `person` owes (for the dashboard)."""
    count = current_revisions_for(person).filter(acknowledged=False).count()
    profile = profile_to_acknowledge(person)
    if profile is not None and not profile_acknowledged(person):
        count += 1
    return count


@dataclass
class CoverageRow:
    label: str
    statement_id: int | None
    revision_number: int | None
    org_unit: OrgUnit
    people: int
    acknowledged: int

    @property
    def percent(self) -> int:
        return round(100 * self.acknowledged / self.people) if self.people else 0


def _statement_counts() -> list[tuple[int, int, int, int]]:
    """(revision id, org unit id, people it applies to, of them acknowledged), in one query over every current
    revision and every active person."""
    revision, statement = StatementRevision._meta.db_table, Statement._meta.db_table
    person, ack = Person._meta.db_table, Acknowledgement._meta.db_table
    units, profiles = _Units._meta.db_table, _Profiles._meta.db_table
    sql = f"""
        SELECT r.id, p.org_unit_id, COUNT(*), COUNT(a.id)
        FROM {revision} r
        JOIN {statement} s ON s.current_revision_id = r.id
        JOIN {person} p ON p.active AND (
            r.applies_to_everyone
            OR EXISTS (SELECT 1 FROM {units} u WHERE u.statementrevision_id = r.id AND u.orgunit_id = p.org_unit_id)
            OR EXISTS (SELECT 1 FROM {profiles} f WHERE f.statementrevision_id = r.id
                       AND f.roleprofile_id = p.role_profile_id))
        LEFT JOIN {ack} a ON a.revision_id = r.id AND a.person_id = p.id
        GROUP BY r.id, p.org_unit_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def coverage() -> list[CoverageRow]:
    """Coverage of every current statement revision and of the role profiles, per org unit. Four queries
    whatever the data: the statement counts, the revisions they name, the role profile counts, the units."""
    counts = _statement_counts()
    revisions = {revision.pk: revision for revision in
                 StatementRevision.objects.filter(pk__in={row[0] for row in counts}).select_related("statement")}
    acknowledged_profile = Acknowledgement.objects.filter(person=OuterRef("pk"), role_profile=OuterRef("role_profile"),
                                                          profile_revision=OuterRef("role_profile__revision"))
    profile_counts = list(
        Person.objects.filter(active=True, role_profile__revision__gte=1).annotate(done=Exists(acknowledged_profile))
        .values("org_unit_id").annotate(people=Count("pk"), acknowledged=Count("pk", filter=Q(done=True)))
        .values_list("org_unit_id", "people", "acknowledged"))
    units = OrgUnit.objects.in_bulk({row[1] for row in counts} | {row[0] for row in profile_counts})
    rows = [CoverageRow(str(revisions[rid].statement), revisions[rid].statement_id, revisions[rid].number,
                        units[unit], people, acknowledged)
            for rid, unit, people, acknowledged in counts]
    rows += [CoverageRow("Own role profile", None, None, units[unit], people, acknowledged)
             for unit, people, acknowledged in profile_counts]
    return sorted(rows, key=lambda row: (row.statement_id is None, row.label, row.org_unit.name))


def coverage_totals(rows: list[CoverageRow]) -> list[CoverageRow]:
    """One row per statement (and one for role profiles) adding up its org units."""
    totals: dict[str, CoverageRow] = {}
    for row in rows:
        total = totals.setdefault(row.label, CoverageRow(row.label, row.statement_id, row.revision_number,
                                                         None, 0, 0))
        total.people += row.people
        total.acknowledged += row.acknowledged
    return list(totals.values())


# --- reminders -----------------------------------------------------------------------------------------


def due_revisions(published_before) -> QuerySet[StatementRevision]:
    """Current revisions published before `published_before` (people had time to acknowledge them)."""
    return StatementRevision.objects.filter(current_for__isnull=False, status=RevisionStatus.PUBLISHED,
                                            published_at__lt=published_before)


def owing_people(revision: StatementRevision) -> QuerySet[Person]:
    """Active people `revision` applies to who have not acknowledged it and were not reminded of it yet."""
    people = Person.objects.filter(active=True)
    if not revision.applies_to_everyone:
        people = people.filter(Q(org_unit__in=revision.org_units.values("pk"))
                               | Q(role_profile__in=revision.role_profiles.values("pk")))
    return (people.exclude(Exists(Acknowledgement.objects.filter(person=OuterRef("pk"), revision=revision)))
            .exclude(Exists(AckReminder.objects.filter(person=OuterRef("pk"), revision=revision))))


def owed_profile_people(approved_before) -> QuerySet[Person]:
    """Active people whose role profile's current revision (approved before `approved_before`) they have not
    acknowledged, and who were not reminded of it yet."""
    acknowledged = Acknowledgement.objects.filter(person=OuterRef("pk"), role_profile=OuterRef("role_profile"),
                                                  profile_revision=OuterRef("role_profile__revision"))
    reminded = AckReminder.objects.filter(person=OuterRef("pk"), role_profile=OuterRef("role_profile"),
                                          profile_revision=OuterRef("role_profile__revision"))
    return (Person.objects.filter(active=True, role_profile__revision__gte=1,
                                  role_profile__status=ProfileStatus.APPROVED,
                                  role_profile__approved_at__lt=approved_before)
            .exclude(Exists(acknowledged)).exclude(Exists(reminded)))
