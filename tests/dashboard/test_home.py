from __future__ import annotations

import pytest

from competency import services as framework_services
from tests.factories import PersonFactory, UserFactory
from tests.helpers import build_framework, text, visible_text
from tests.world import build_world
from tests.factories import TEST_PASSWORD
from tests.helpers import co_signer

pytestmark = pytest.mark.django_db


def test_hr_sees_the_count_of_active_people(client):
    world = build_world()
    PersonFactory(active=False)
    client.force_login(world.user("hr"))
    html = client.get("/").content.decode()
    assert 'data-testid="stat-people">3<' in html
    assert "4 in all" in html


def test_a_new_organisation_gets_a_getting_started_note(client):
    from tests.factories import UserFactory
    from accounts.models import Role

    client.force_login(UserFactory(role=Role.HR))
    assert "Getting started" in client.get("/").content.decode()


def test_a_manager_sees_their_team_and_a_leader_their_manager_and_role_requirements(client):
    world = build_world()
    client.force_login(world.user("manager"))
    assert "Leo Leader" in client.get("/").content.decode()
    client.force_login(world.user("leader"))
    html = client.get("/").content.decode()
    assert "Mara Manager" in html
    assert "My team" not in html
    assert "Leader role" in html and "SV-01</span> Direction ·" in html
    competency = world.objects["published"].competencies.get()
    assert f'href="/frameworks/competencies/{competency.pk}/?level=3#level-3"' in html
    assert "level 3 · Proficient</a>" in html  # the level's name, linked to what it looks like


def test_hr_is_told_who_has_no_role_profile(client):
    world = build_world()
    PersonFactory()
    client.force_login(world.user("hr"))
    assert "1 active person has no role profile" in client.get("/").content.decode()


def test_a_user_without_a_person_record_is_told_what_happens_next(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    assert "not yet linked to a person record" in client.get("/").content.decode()


def test_the_auditor_dashboard_says_it_is_read_only_and_until_when(client):
    world = build_world()
    client.force_login(world.user("auditor"))
    html = client.get("/").content.decode()
    assert "read-only access until" in html
    assert "Nothing can be changed from this account" in html


@pytest.mark.parametrize("reports", [0, 20])
def test_dashboard_queries_do_not_grow_with_the_organisation(client, reports, django_assert_num_queries):
    world = build_world()
    for _ in range(reports):
        PersonFactory(manager=world.people["manager"])
    client.force_login(world.user("hr"))
    # session, user, plans to decide, review requests, versions to approve or publish, profiles to approve,
    # the people, frameworks and role profiles aggregates, open cycles with their counts, the newest gap
    # analysis and its top gaps, and the overdue effectiveness reviews (none: one count)
    with django_assert_num_queries(13):
        assert client.get("/").status_code == 200
    client.force_login(world.user("manager"))
    # session, user, review requests, own person, person with unit, manager and role, reports, the role's
    # scale levels (its approved requirements are stored with it), "has active reports?" for the header badge,
    # questionnaires to answer, open participations, and the latest results (participation, scale levels,
    # shown cells, shown comments), the latest gaps, and (a manager) their line's overdue reviews: none, one count;
    # and the plans of their line waiting for their decision
    with django_assert_num_queries(17):
        assert client.get("/").status_code == 200


def test_each_person_sees_their_to_dos(client, django_capture_on_commit_callbacks):
    world = build_world()
    hr, leader = world.user("hr"), world.user("leader")
    review = world.objects["review"]
    client.force_login(leader)  # invited to review G and has commented once
    todos = text(client.get("/"))
    assert f"Your review of {review}" in todos and "1 comment so far" in todos
    other = UserFactory(email="sam@example.com")
    framework_services.review_invite(version=review, users=[other], actor=hr)
    client.force_login(other)
    assert f"Comment on {review}" in text(client.get("/"))
    client.force_login(hr)
    todos = text(client.get("/"))
    assert f"Answer 1 comment on {review}" in todos
    assert "Approve the role profile Colleague role" in todos  # a draft with requirements
    framework_services.review_comment_resolve(comment=world.objects["comment"], actor=hr, accept=True, reply="Done")
    assert f"Approve {review}" in text(client.get("/"))
    framework_services.version_approve(version=review, actor=co_signer(hr), password=TEST_PASSWORD, change_note="Ready")
    assert f"Publish {review}" in text(client.get("/"))
    client.force_login(world.user("auditor"))
    assert 'data-testid="todos"' not in text(client.get("/"))


def test_a_to_do_list_is_shortened_not_endless(client, hr, scale):
    for number in range(15):
        draft = framework_services.framework_create(name=f"F{number:02d}", code=f"f{number}", description="",
                                                    scale=scale, owner=hr)
        build_framework(draft, areas=1, per_area=1)
        framework_services.version_submit_for_review(version=draft, actor=hr)
    client.force_login(hr)
    assert text(client.get("/")).count('data-kind="approve"') == 10


def test_hr_sees_open_cycles_with_their_response_rate(client):
    from tests.assessments.builders import answer, team_cycle

    team = team_cycle(peers=3, reports=0)
    answer(team.questionnaire("self"), 3)
    client.force_login(team.hr)
    html = client.get("/").content.decode()
    assert "Open 360° cycles" in html and team.cycle.name in html
    # self, manager and three peers invited; the self-assessment answered
    assert "20 % answered" in visible_text(client.get("/")) and "(1 of 5)" in visible_text(client.get("/"))


def test_a_leader_sees_what_to_answer_and_their_latest_results(client):
    from assessments.release import release_cycle
    from tests.assessments.builders import answer, close, team_cycle

    team = team_cycle(peers=3, reports=0)
    client.force_login(team.leader.user)
    page = visible_text(client.get("/"))
    assert "My questionnaires 1 to answer" in page and "Your self-assessment" in page
    assert "Your raters in Cycle leadership" in page
    assert "No results released for you yet" in page
    for questionnaire in team.participant.questionnaires.all():
        answer(questionnaire, 2 if questionnaire.group == "self" else 4)
    close(team.cycle, team.hr)
    release_cycle(team.cycle, actor=team.hr)
    page = visible_text(client.get("/"))
    assert "My questionnaires 0 to answer" in page and "Nothing to answer right now" in page
    assert "My latest results Cycle leadership" in page
    assert "4 hidden strengths" in page and "0 blind spots" in page


def test_plans_waiting_for_a_decision_and_a_returned_plan_are_on_the_home_pages(client):
    from devplans.models import Plan, PlanStatus

    world = build_world()
    leader, manager = world.people["leader"], world.user("manager")
    plan = Plan.objects.filter(person=leader).exclude(status=PlanStatus.COMPLETED).first()
    Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.SUBMITTED)
    client.force_login(manager)
    assert f"Approve the development plan of {leader}" in visible_text(client.get("/"))
    client.force_login(world.user("colleague"))
    assert "Approve the development plan" not in visible_text(client.get("/"))
    Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.DRAFT, returned_comment="Add a date for the check.")
    client.force_login(world.user("leader"))
    assert "Your development plan was returned" in visible_text(client.get("/"))
    client.force_login(manager)
    assert "Approve the development plan" not in visible_text(client.get("/"))
