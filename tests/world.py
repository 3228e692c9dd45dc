"""A small organisation with one user per role, shared by the access-matrix and role tests.

    hr        HR manager (also Django-admin staff)
    quality   quality manager
    manager   a leader who manages `leader`
    leader    a leader without reports, managed by `manager`
    colleague a leader in another unit with no link to either
    auditor   read-only, inside their access window
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from accounts.models import Role
from tests.factories import TEST_PASSWORD, OrgUnitFactory, PersonFactory, UserFactory
from tests.helpers import co_signer

ROLES = ("anonymous", "leader", "manager", "hr", "quality", "auditor")


@dataclass
class World:
    users: dict[str, Any]
    people: dict[str, Any]
    objects: dict[str, Any] = field(default_factory=dict)

    def user(self, role: str):
        return self.users.get(role)


def build_world() -> World:
    head_office = OrgUnitFactory(name="Head office", code="HQ")
    plant = OrgUnitFactory(name="Plant", code="PLANT", parent=head_office)
    users = {
        "hr": UserFactory(email="hr@example.com", role=Role.HR, is_staff=True, is_superuser=True),
        "quality": UserFactory(email="quality@example.com", role=Role.QUALITY),
        "manager": UserFactory(email="manager@example.com", first_name="Mara", last_name="Manager"),
        "leader": UserFactory(email="leader@example.com", first_name="Leo", last_name="Leader"),
        "colleague": UserFactory(email="colleague@example.com", first_name="Cora", last_name="Colleague"),
        "auditor": UserFactory(email="auditor@example.com", auditor=True),
    }
    manager = PersonFactory(user=users["manager"], org_unit=plant, employee_id="M001")
    people = {
        "manager": manager,
        "leader": PersonFactory(user=users["leader"], org_unit=plant, manager=manager, employee_id="L001"),
        "colleague": PersonFactory(user=users["colleague"], org_unit=head_office, employee_id="C001"),
    }
    world = World(users=users, people=people, objects={"head_office": head_office, "plant": plant})
    add_frameworks(world)
    add_profiles(world)
    add_assessments(world)
    add_gaps(world)
    add_training(world)
    add_documents(world)
    add_devplans(world)
    add_awareness(world)
    return world


def add_training(world: World) -> None:
    """The training app's objects, part by part (each part's module says what it adds)."""
    from tests import world_training_catalogue, world_training_enrolments, world_training_evidence, world_training_reviews

    for part in (world_training_catalogue, world_training_enrolments, world_training_evidence, world_training_reviews):
        part.add(world)


def add_awareness(world: World) -> None:
    """The controlled statements (tests/world_awareness.py says what it adds)."""
    from tests import world_awareness

    world_awareness.add(world)


def add_devplans(world: World) -> None:
    """The development plans (tests/world_devplans.py says what it adds)."""
    from tests import world_devplans

    world_devplans.add(world)


def add_documents(world: World) -> None:
    """The documents app's objects (tests/world_documents.py says what it adds)."""
    from tests import world_documents

    world_documents.add(world)


def add_gaps(world: World) -> None:
    """The gap analysis of "Spring 360", computed as the release's task would (`gap_analysis`)."""
    from gaps import compute, services

    analysis = services.analyse_release(world.objects["released_cycle"].pk)
    world.objects["gap_analysis"] = compute.run(analysis.pk)


def add_profiles(world: World) -> None:
    """Each leader holds a role profile: `leader` and `manager` approved ones, `colleague` a draft.
    Plus an uploaded people file by `hr` waiting for confirmation."""
    from decimal import Decimal

    from profiles import services
    from profiles.models import PeopleImport

    hr = world.user("hr")
    version = world.objects["published"]
    competency = version.competencies.get()
    profiles = {}
    for who in ("leader", "manager", "colleague"):
        profile = services.profile_create(name=f"{who.title()} role", code=f"{who}-role", description="",
                                          framework_version=version, actor=hr)
        services.requirements_set(profile=profile, requirements=[
            services.RequirementInput(competency, 3, Decimal(1), who == "leader")])
        if who != "colleague":
            services.profile_approve(profile=profile, actor=co_signer(hr), password=TEST_PASSWORD, change_note="First")
        world.people[who].role_profile = profile
        world.people[who].save()
        profiles[who] = profile
    job = PeopleImport.objects.create(
        created_by=hr, filename="people.csv",
        content=b"employee_id,first_name,last_name,email,org_unit,role_profile,manager_email\n"
                b"N001,Nia,New,nia@example.com,PLANT,leader-role,manager@example.com\n",
    )
    world.objects.update(profile_leader=profiles["leader"], profile_manager=profiles["manager"],
                         profile_colleague=profiles["colleague"], people_import=job)


def add_frameworks(world: World) -> None:
    """F: v1 published and v2, its draft revision; G: v1 in review with `leader` invited and one open comment;
    a framework that is only a draft (a mistaken import); a scale no framework uses; and an upload of a
    Moodle file by `hr` waiting for confirmation."""
    from competency import services
    from competency.models import FrameworkImport, ImportFormat, ProficiencyScale

    hr = world.user("hr")
    scale = ProficiencyScale.objects.get(name="Proficio 1-5")
    published = services.framework_create(name="Leadership", code="leadership", description="", scale=scale, owner=hr)
    area = services.area_create(version=published, code="SV", name="Strategic vision")
    services.competency_create(area=area, code="SV-01", name="Direction")
    services.version_submit_for_review(version=published, actor=hr)
    services.version_approve(version=published, actor=co_signer(hr), password=TEST_PASSWORD, change_note="First")
    published = services.version_publish(version=published, actor=hr, effective_date=published.created_at.date())
    draft = services.version_revise(version=published, actor=hr)
    published.refresh_from_db()
    review = services.framework_create(name="Customer focus", code="customer", description="", scale=scale, owner=hr)
    review_area = services.area_create(version=review, code="CF", name="Customers")
    review_competency = services.competency_create(area=review_area, code="CF-01", name="Listening")
    services.version_submit_for_review(version=review, actor=hr)
    services.review_invite(version=review, users=[world.user("leader")], actor=hr)
    comment = services.review_comment_add(version=review, author=world.user("leader"), body="Add an indicator",
                                          competency=review_competency)
    unused = services.scale_create(actor=hr, name="Unused 1-3", description="", proficient_value=2, levels=[
        services.LevelInput("Low"), services.LevelInput("Middle"), services.LevelInput("High")])
    tidy = services.framework_create(name="Mistaken import", code="mistaken", description="", scale=scale, owner=hr)
    pending = FrameworkImport.objects.create(
        created_by=hr, format=ImportFormat.MOODLE_CSV, filename="x.csv", options={"delimiter": ",", "encoding": "utf-8"},
        content="Parent ID number,ID number,Short name\n,a,b\n",
    )
    world.objects.update(
        framework=published.framework, published=published, draft=draft,
        draft_area=draft.areas.get(), draft_competency=draft.competencies.get(),
        published_area=area, review_framework=review.framework, review=review, comment=comment, pending_import=pending,
        published_competency=published.competencies.get(), unused_scale=unused, default_scale=scale,
        draft_framework=tidy.framework,
    )


def add_assessments(world: World) -> None:
    """Two cycles rating `leader` and `manager` against the published version: "Spring 360", released,
    with answers from self (with a comment), manager and one peer, `colleague` (too few to show); and "Autumn
    360", open, with `colleague` nominated as the leader's peer awaiting a decision, and an external
    rater whose personal link is `world.objects["external_token"]`; and "Draft 360", a draft rating
    `leader` and `colleague`."""
    from datetime import timedelta

    from django.utils import timezone

    from assessments.models import Answer, Group, Participant, Questionnaire, QuestionnaireStatus, ResultComment
    from assessments.release import release_cycle
    from assessments.services import cycles
    from profiles.models import Person
    hr = world.user("hr")
    version = world.objects["published"]
    competency = world.objects["published_competency"]
    today = timezone.localdate()
    rated = Person.objects.filter(pk__in=[world.people["leader"].pk, world.people["manager"].pk])

    def cycle_for(name: str):
        cycle = cycles.create_cycle(actor=hr, name=name, framework_version=version, opens_on=today,
                                    closes_on=today + timedelta(days=21))
        cycles.add_leaders(cycle, rated, actor=hr)
        cycles.start_opening(cycle, actor=hr)
        cycles.open_cycle(cycle.pk, actor=hr)
        cycle.refresh_from_db()
        return cycle, Participant.objects.get(cycle=cycle, person=world.people["leader"])

    released, released_leader = cycle_for("Spring 360")
    Questionnaire.objects.create(participant=released_leader, group=Group.PEER, rater=world.people["colleague"],
                                 invited_at=timezone.now())
    for questionnaire in Questionnaire.objects.filter(participant=released_leader):
        Answer.objects.create(questionnaire=questionnaire, competency=competency, level=3,
                              comment="I set a clear direction" if questionnaire.group == Group.SELF else "")
        questionnaire.status = QuestionnaireStatus.SUBMITTED
        questionnaire.submitted_at = timezone.now()
        questionnaire.save()
    cycles.close_cycle(released, actor=hr)
    release_cycle(released, actor=hr)
    released.refresh_from_db()

    open_cycle, open_leader = cycle_for("Autumn 360")
    nomination = Questionnaire.objects.create(
        participant=open_leader, group=Group.PEER, rater=world.people["colleague"],
        status=QuestionnaireStatus.NOMINATED, nominated_by=world.user("leader"))
    external = Questionnaire(participant=open_leader, group=Group.EXTERNAL, external_name="Casey Customer",
                             external_email="casey@customer.example", invited_at=timezone.now())
    token = external.new_token()
    external.save()
    draft = cycles.create_cycle(actor=hr, name="Draft 360", framework_version=version, opens_on=today,
                                closes_on=today + timedelta(days=21))
    cycles.add_leaders(draft, Person.objects.filter(pk__in=[world.people["leader"].pk, world.people["colleague"].pk]),
                       actor=hr)  # colleague's profile is a draft: opening is refused with her name
    world.objects.update(
        cycle_draft=draft, released_cycle=released, released_leader=released_leader, open_cycle=open_cycle, open_leader=open_leader,
        open_manager=Participant.objects.get(cycle=open_cycle, person=world.people["manager"]),
        self_questionnaire=Questionnaire.objects.get(participant=open_leader, group=Group.SELF),
        manager_questionnaire=Questionnaire.objects.get(participant=open_leader, group=Group.MANAGER),
        nomination=nomination, external_token=token,
        released_comment=ResultComment.objects.filter(participant=released_leader).first(),
    )
