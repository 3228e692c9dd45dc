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
    # analysis and its top gaps, the overdue effectiveness reviews (none: one count), the statement revisions
    # to approve or publish, and the acknowledgement coverage aggregate
    with django_assert_num_queries(15):
        assert client.get("/").status_code == 200
    client.force_login(world.user("manager"))
    # session, user, review requests, own person, person with unit, manager and role, reports, the role's
    # scale levels (its approved requirements are stored with it), "has active reports?" for the header badge,
    # questionnaires to answer, open participations, and the latest results (participation, scale levels,
    # shown cells, shown comments), the latest gaps, and (a manager) their line's overdue reviews: none, one count;
    # the plans of their line waiting for their decision, and the current statement revisions waiting for their
    # acknowledgement ("role profile acknowledged?" comes with their person)
    with django_assert_num_queries(18):
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


# --- awareness: what waits for an acknowledgement, a signature or publishing -----------------------------


def _statement(world, title: str, *, publish: bool = True, author: str = "hr", approver: str = "quality"):
    """A statement by `author` whose revision 1 `approver` approves and `author` publishes (or leaves approved)."""
    from django.utils import timezone

    from awareness import services

    words = services.RevisionInput(text=f"{title}: what we promise.", effective_date=timezone.localdate())
    statement = services.statement_create(kind="other", title=title, revision=words, actor=world.user(author))
    revision = statement.revisions.get()
    services.revision_approve(revision=revision, actor=world.user(approver), password=TEST_PASSWORD)
    if publish:
        services.revision_publish(revision=revision, actor=world.user(author))
    return revision


def test_a_leader_is_asked_to_acknowledge_each_current_statement_and_their_role_profile(client):
    from awareness import services

    world = build_world()
    leader = world.people["leader"]
    revision = world.objects["policy_revision"]
    client.force_login(leader.user)
    page = client.get("/")
    todos = visible_text(page)
    assert "Acknowledge Quality policy, revision 1" in todos
    assert "Acknowledge your role profile, revision 1" in todos and "Leader role" in todos
    html = page.content.decode()
    assert f'href="/awareness/mine/#revision-{revision.pk}"' in html and 'href="/awareness/mine/#role-profile"' in html
    assert f'id="revision-{revision.pk}"' in client.get("/awareness/mine/").content.decode()  # the anchor is there
    assert "Draft rules" not in todos  # a draft is nobody's to acknowledge
    services.acknowledge_revision(person=leader, revision=revision, password=TEST_PASSWORD)
    services.acknowledge_profile(person=leader, password=TEST_PASSWORD)
    todos = visible_text(client.get("/"))
    assert "Acknowledge Quality policy" not in todos and "Acknowledge your role profile" not in todos


def test_a_role_profile_being_revised_or_never_approved_is_not_a_to_do(client):
    from profiles import services as profile_services

    world = build_world()
    client.force_login(world.user("colleague"))  # holds a draft profile, never approved
    assert "Acknowledge your role profile" not in visible_text(client.get("/"))
    profile = world.objects["profile_leader"]
    profile_services.profile_update(profile=profile, name=profile.name, code=profile.code, description="Changing")
    client.force_login(world.user("leader"))
    assert "Acknowledge your role profile" not in visible_text(client.get("/"))
    assert "being revised" in visible_text(client.get("/awareness/mine/"))  # and the page says why, with no form


def test_hr_and_quality_are_asked_to_approve_others_drafts_and_to_publish_approved_revisions(client):
    world = build_world()
    draft = world.objects["draft_revision"]  # written by HR
    client.force_login(world.user("hr"))
    todos = visible_text(client.get("/"))
    assert "Approve Draft rules" not in todos  # its own author does not approve it
    client.force_login(world.user("quality"))
    page = client.get("/")
    assert "Approve Draft rules, revision 1" in visible_text(page)
    assert f'href="/awareness/revisions/{draft.pk}/approve/"' in page.content.decode()
    approved = _statement(world, "Safety rules", publish=False)
    for role in ("hr", "quality"):
        client.force_login(world.user(role))
        page = client.get("/")
        assert "Publish Safety rules, revision 1" in visible_text(page)
        assert f'href="/awareness/statements/{approved.statement_id}/"' in page.content.decode()
    client.force_login(world.user("leader"))
    assert "Publish Safety rules" not in visible_text(client.get("/"))


def test_hr_sees_the_acknowledgement_coverage_and_the_awareness_links(client):
    from awareness import services

    world = build_world()
    client.force_login(world.user("hr"))
    card = client.get("/")
    text_ = visible_text(card)
    # The policy applies to everyone: the three active leaders owe it, none has acknowledged it.
    assert "Awareness & management review 0 % of acknowledgements given · 0 of 3 for 1 current statement" in text_
    html = card.content.decode()
    for url in ("/awareness/statements/", "/awareness/coverage/", "/awareness/review/"):
        assert f'href="{url}"' in html
    services.acknowledge_revision(person=world.people["leader"], revision=world.objects["policy_revision"],
                                  password=TEST_PASSWORD)
    _statement(world, "Safety rules")
    assert "17 % of acknowledgements given · 1 of 6 for 2 current statements" in visible_text(client.get("/"))


def test_with_no_current_statement_the_card_says_what_to_do(client):
    from accounts.models import Role

    client.force_login(UserFactory(role=Role.QUALITY))
    assert "No statement is current yet" in visible_text(client.get("/"))


@pytest.mark.parametrize("statements", [0, 3])
def test_awareness_adds_the_same_queries_whatever_the_number_of_statements(client, statements,
                                                                          django_assert_num_queries):
    world = build_world()
    for n in range(statements):
        _statement(world, f"Statement {n}")
        _statement(world, f"Approved {n}", publish=False)
    client.force_login(world.user("quality"))
    # as for HR in the test above: 15, two of them awareness's (revisions to approve or publish, coverage)
    with django_assert_num_queries(15):
        assert client.get("/").status_code == 200
    client.force_login(world.user("leader"))
    # as for the manager above less the overdue reviews' count: session, user, review requests, plans, own
    # person, person with unit, manager, role and "profile acknowledged", reports, the role's scale levels,
    # "manages anyone?", questionnaires, participations, the latest results (four) and gaps, and the current
    # revisions waiting for the leader's acknowledgement
    with django_assert_num_queries(17):
        assert client.get("/").status_code == 200


def test_a_leader_reaches_their_acknowledgements_from_the_user_menu_and_the_home_page(client):
    world = build_world()
    for role in ("leader", "manager"):
        client.force_login(world.user(role))
        html = client.get("/").content.decode()
        assert 'data-testid="menu-acknowledgements"' in html and 'data-testid="my-acknowledgements"' in html
    for role in ("hr", "quality", "auditor"):  # accounts without a person acknowledge nothing
        client.force_login(world.user(role))
        assert 'href="/awareness/mine/"' not in client.get("/").content.decode()
