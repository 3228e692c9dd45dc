"""The plan pages as people use them: the leader drafts from their gaps, edits an objective, submits; the
manager approves by re-entering their password; the leader downloads the PDF, which nobody outside the
plan's audience can fetch. Lists per role with filters and budget totals, each page at a fixed number of
queries whatever the data."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from devplans.models import Action, ActionKind, Objective, Plan, PlanStatus, ProgressNote
from documents.models import Document
from signatures.services import signatures_for
from tests.factories import TEST_PASSWORD, OrgUnitFactory, PersonFactory
from tests.helpers import text, visible_text

pytestmark = pytest.mark.django_db


def login(client, who):
    client.force_login(getattr(who, "user", who))
    return client


def test_a_leader_drafts_edits_submits_the_manager_approves_and_the_leader_downloads_the_pdf(
        client, org, django_capture_on_commit_callbacks):
    login(client, org.leader)
    assert "Draft my plan" in text(client.get(reverse("devplans:mine")))
    response = client.post(reverse("devplans:draft"))
    plan = Plan.objects.get(person=org.leader)
    assert response["Location"] == reverse("devplans:plan_detail", args=[plan.pk])
    page = visible_text(client.get(response["Location"]))
    assert "drafted with 3 objectives" in page
    assert page.index("A0-01") < page.index("A0-02") < page.index("A0-00")  # critical first
    assert "7.2" in page and "Planning workshop" in page and "Mona Manager" in page

    objective = plan.objectives.order_by("position").first()
    due = timezone.localdate() + timedelta(days=40)
    response = client.post(reverse("devplans:objective_edit", args=[objective.pk]), {
        "target_level": 4, "due_date": due.isoformat(), "success_measure": "Runs the weekly review alone",
        "check_method": "observation", "check_due": (due + timedelta(days=14)).isoformat()})
    assert response.status_code == 302
    assert "Runs the weekly review alone" in text(client.get(response["Location"]))
    client.post(reverse("devplans:submit", args=[plan.pk]))
    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.SUBMITTED

    login(client, org.manager)
    approve = reverse("devplans:approve", args=[plan.pk])
    assert "Sign and approve" in text(client.get(approve))
    wrong = client.post(approve, {"meaning": "approved", "password": "guess"})
    assert wrong.status_code == 400 and "That is not your password. Nothing was signed." in text(wrong)
    assert signatures_for(plan) == []
    response = client.post(approve, {"meaning": "approved", "password": TEST_PASSWORD})
    assert response.status_code == 302
    shown = visible_text(client.get(response["Location"]))
    assert "The plan is approved and signed. 1 training action became enrolment request" in shown
    assert "Valid" in shown and "Mona Manager" in shown

    login(client, org.leader)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("documents:request", args=["plan", plan.pk]),
                               {"next": reverse("devplans:plan_detail", args=[plan.pk])})
    assert response.status_code == 302
    document = Document.objects.get()
    download = client.get(reverse("documents:download", args=[document.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")

    login(client, org.stranger)
    assert client.get(reverse("documents:download", args=[document.pk])).status_code == 404
    assert client.get(reverse("devplans:plan_detail", args=[plan.pk])).status_code == 404


def test_a_leader_cannot_fetch_another_leaders_pdf(client, org, approved, django_capture_on_commit_callbacks):
    login(client, org.leader)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("documents:request", args=["plan", approved.pk]))
    document = Document.objects.get()
    other = PersonFactory(manager=org.manager)  # a colleague in the same team
    login(client, other)
    assert client.get(reverse("documents:download", args=[document.pk])).status_code == 404
    assert client.post(reverse("documents:request", args=["plan", approved.pk])).status_code == 404


def test_a_returned_plan_shows_the_comment_to_the_leader(client, org, submitted):
    login(client, org.manager)
    empty = client.post(reverse("devplans:return", args=[submitted.pk]), {"comment": ""})
    assert empty.status_code == 400 and "Say what should change." in text(empty)
    client.post(reverse("devplans:return", args=[submitted.pk]), {"comment": "Bring the reading forward"})
    login(client, org.leader)
    page = visible_text(client.get(reverse("devplans:plan_detail", args=[submitted.pk])))
    assert "Returned by Mona Manager: Bring the reading forward" in page and "Submit for approval" in page


def test_double_submit_from_two_tabs_says_so_and_changes_nothing(client, org, plan):
    login(client, org.leader)
    client.post(reverse("devplans:submit", args=[plan.pk]))
    before = Plan.history.filter(id=plan.pk).count()
    response = client.post(reverse("devplans:submit", args=[plan.pk]), follow=True)
    assert "This plan is submitted for approval already." in text(response)
    assert Plan.history.filter(id=plan.pk).count() == before


def test_progress_on_an_action_is_recorded_and_shown(client, org, approved):
    action = Action.objects.filter(objective__plan=approved, kind=ActionKind.READING).first()
    login(client, org.leader)
    response = client.post(reverse("devplans:action_progress", args=[action.pk]), {"status": "", "note": ""})
    assert response.status_code == 400 and "Change the status or write a note." in text(response)
    client.post(reverse("devplans:action_progress", args=[action.pk]), {"status": "done", "note": "Read chapter 3"})
    page = visible_text(client.get(reverse("devplans:plan_detail", args=[approved.pk])))
    assert "Status: done. Read chapter 3" in page and "In progress" in page


def test_a_forged_owner_is_refused_on_the_form(client, org, plan):
    objective = plan.objectives.first()
    login(client, org.leader)
    response = client.post(reverse("devplans:action_add", args=[objective.pk]), {
        "kind": "other", "title": "Shadowing", "owner": org.stranger.user.pk, "hours": "2", "budget": "0"})
    assert response.status_code == 400 and "Choose the owner from the list." in text(response)
    assert Plan.objects.get(pk=plan.pk).version == 1


# --- lists ----------------------------------------------------------------------------------------------


def make_plans(org, count: int, *, unit=None, manager=None, budget=Decimal("100.00"), overdue: bool = False):
    """`count` people (in `unit`, reporting to `manager`), each with a submitted plan of one objective and
    two actions, one of them overdue when asked."""
    unit = unit or org.unit
    today = timezone.localdate()
    plans = []
    for _ in range(count):
        person = PersonFactory(org_unit=unit, manager=manager)
        plan = Plan.objects.create(person=person, status=PlanStatus.SUBMITTED, created_by=person.user)
        objective = Objective.objects.create(plan=plan, competency=org.competencies[0], target_level=3,
                                             due_date=today + timedelta(days=60))
        Action.objects.create(objective=objective, kind=ActionKind.TRAINING, title="Course", budget=budget,
                              hours=Decimal(7), due_date=today - timedelta(days=1) if overdue else today)
        Action.objects.create(objective=objective, kind=ActionKind.READING, title="Book", budget=Decimal(20),
                              hours=Decimal(2), due_date=today + timedelta(days=5))
        plans.append(plan)
    return plans


def rows(response) -> set[int]:
    return {plan.pk for plan in response.context["page"].object_list}


def test_hr_sees_every_plan_filters_them_and_sums_the_budget_per_unit(client, org):
    north = OrgUnitFactory(name="North")
    south = OrgUnitFactory(name="South")
    north_plans = make_plans(org, 2, unit=north, budget=Decimal("100.00"), overdue=True)
    south_plans = make_plans(org, 3, unit=south, budget=Decimal("50.00"))
    south_plans[0].status = PlanStatus.APPROVED
    south_plans[0].save()
    login(client, org.hr)
    url = reverse("devplans:plan_list")
    assert rows(client.get(url)) == {p.pk for p in north_plans + south_plans}
    assert rows(client.get(url, {"status": "approved"})) == {south_plans[0].pk}
    assert rows(client.get(url, {"org_unit": north.pk})) == {p.pk for p in north_plans}
    assert rows(client.get(url, {"overdue": "on"})) == {p.pk for p in north_plans}
    budgets = {(b.org_unit, b.plans, b.hours, b.budget) for b in client.get(url).context["budgets"]}
    assert budgets == {("North", 2, Decimal("18.0"), Decimal("240.00")),
                       ("South", 3, Decimal("27.0"), Decimal("210.00"))}
    filtered = client.get(url, {"status": "approved"}).context["budgets"]
    assert [(b.org_unit, b.budget) for b in filtered] == [("South", Decimal("70.00"))]
    assert client.get(url, {"org_unit": "999999"}).status_code == 400


def test_a_manager_sees_their_whole_lines_plans_and_a_leader_only_their_own(client, org, plan):
    below = make_plans(org, 2, manager=org.leader)  # Lena's own reports, two levels below Mona
    elsewhere = make_plans(org, 2)
    url = reverse("devplans:plan_list")
    login(client, org.manager)
    assert rows(client.get(url)) == {plan.pk, *(p.pk for p in below)}
    login(client, org.boss)
    assert rows(client.get(url)) == {plan.pk, *(p.pk for p in below)}
    login(client, below[0].person)
    assert rows(client.get(url)) == {below[0].pk}
    login(client, elsewhere[0].person)
    assert rows(client.get(url)) == {elsewhere[0].pk}


def count_queries(client, url) -> tuple[int, object]:
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


@pytest.mark.parametrize("who", ["hr", "manager", "leader"])
def test_the_list_costs_the_same_queries_at_two_sizes(client, org, who, django_assert_num_queries):
    person = {"hr": org.hr, "manager": org.manager, "leader": org.leader}[who]
    make_plans(org, 1)[0].person  # someone else's plan, outside the line
    if who == "leader":
        from devplans.services.drafting import plan_draft

        plan_draft(person=org.leader, actor=org.leader.user)
    login(client, person)
    url = reverse("devplans:plan_list")
    make_plans(org, 2, manager=org.manager)
    small, _ = count_queries(client, url)
    make_plans(org, 20, manager=org.manager, overdue=True)
    large, response = count_queries(client, url)
    assert small == large
    # session, user, [their person, whether they manage anyone: not for HR,] the count, the budget per
    # unit, the org units of the filter, the page's plans with their counts and totals (subqueries)
    expected = {"hr": 6, "manager": 8, "leader": 8}[who]
    with django_assert_num_queries(expected):
        client.get(url)


def test_the_plan_page_costs_the_same_queries_at_two_sizes(client, org, approved, django_assert_num_queries):
    login(client, org.leader)
    url = reverse("devplans:plan_detail", args=[approved.pk])
    small, _ = count_queries(client, url)
    objective = approved.objectives.first()
    for n in range(10):
        action = Action.objects.create(objective=objective, kind=ActionKind.OTHER, title=f"Extra {n}",
                                       owner=org.manager.user, due_date=timezone.localdate() + timedelta(days=n))
        ProgressNote.objects.create(action=action, author=org.leader.user, text="Under way")
    large, response = count_queries(client, url)
    assert small == large
    assert "Extra 9" in text(response)
    # session, user, the plan, its objectives, actions, notes; the signatures and the content they are
    # checked against (objectives, actions); the reader's person and whether they manage anyone (rules,
    # navigation); the latest PDF
    with django_assert_num_queries(12):
        client.get(url)
