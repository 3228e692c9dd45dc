"""The pages' filters on the API's lists: each one returns the rows its page would, and an org unit, a role
profile or a framework may be named by its code (what an HR system knows) as well as by its id."""

from __future__ import annotations

import pytest

from devplans.models import Plan
from profiles.models import Person
from tests.factories import OrgUnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def org(django_db_setup, django_db_blocker):
    """One organisation for the module (built once: the lists are only read): Lena, Gus and Cora in the
    plant with a released cycle, its analysis and Lena's plan; Cora then moves to a workshop below the plant."""
    from tests.evidence.builders import build_evidence_org

    with django_db_blocker.unblock():
        from django.db import transaction

        # Kept for the module, rolled back at its end (the tests' own transactions nest inside it).
        atomic = transaction.atomic()
        atomic.__enter__()
        org = build_evidence_org()
        org.unit.code = "PLANT"
        org.unit.save(update_fields=["code"])
        org.workshop = OrgUnitFactory(code="WORKSHOP", name="Workshop", parent=org.unit)
        Person.objects.filter(pk=org.cora.pk).update(org_unit=org.workshop)
        yield org
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


def _codes(response, key: str = "employee_id") -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(row[key] for row in response.json()["results"])


def _refused(response, field: str) -> str:
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    return " ".join(response.json()[field])


# --- people --------------------------------------------------------------------------------------------


def test_people_by_org_unit_id_or_code_in_any_case(org, hr_reader):
    plant = [org.leader.employee_id, org.gus.employee_id, org.manager.employee_id]
    assert _codes(hr_reader.get("/api/v1/people/", {"org_unit": org.unit.pk})) == sorted(plant)
    assert _codes(hr_reader.get("/api/v1/people/", {"org_unit": "plant"})) == sorted(plant)
    assert _codes(hr_reader.get("/api/v1/people/", {"org_unit": "WORKSHOP"})) == [org.cora.employee_id]
    message = _refused(hr_reader.get("/api/v1/people/", {"org_unit": "NOWHERE"}), "org_unit")
    assert message.startswith("There is no org unit with the id or code “NOWHERE”.")
    _refused(hr_reader.get("/api/v1/people/", {"org_unit": "987654"}), "org_unit")


def test_people_by_role_profile_code_search_manager_and_activity(org, hr_reader):
    leaders = sorted([org.leader.employee_id, org.gus.employee_id])
    assert _codes(hr_reader.get("/api/v1/people/", {"role_profile": org.role.code})) == leaders
    assert _codes(hr_reader.get("/api/v1/people/", {"role_profile": org.cert_role.pk})) == [org.cora.employee_id]
    assert _codes(hr_reader.get("/api/v1/people/", {"q": org.gus.employee_id})) == [org.gus.employee_id]
    assert _codes(hr_reader.get("/api/v1/people/", {"q": "Lena Leader"})) == [org.leader.employee_id]
    reports = sorted([org.leader.employee_id, org.gus.employee_id, org.cora.employee_id])
    assert _codes(hr_reader.get("/api/v1/people/", {"manager": org.manager.employee_id, "direct": "true"})) == reports
    Person.objects.filter(pk=org.gus.pk).update(active=False)
    assert org.gus.employee_id not in _codes(hr_reader.get("/api/v1/people/"))
    assert _codes(hr_reader.get("/api/v1/people/", {"active": "no"})) == [org.gus.employee_id]
    assert org.gus.employee_id in _codes(hr_reader.get("/api/v1/people/", {"active": "all"}))
    _refused(hr_reader.get("/api/v1/people/", {"active": "true"}), "active")


# --- role profiles and frameworks ---------------------------------------------------------------------


def test_role_profiles_by_unit_held_in_framework_and_status(org, hr_reader):
    both = sorted([org.role.code, org.cert_role.code])
    assert _codes(hr_reader.get("/api/v1/role-profiles/", {"org_unit": "PLANT"}), "code") == [org.role.code]
    assert _codes(hr_reader.get("/api/v1/role-profiles/", {"org_unit": org.workshop.pk}), "code") == [org.cert_role.code]
    framework = org.version.framework
    assert _codes(hr_reader.get("/api/v1/role-profiles/", {"framework": framework.code.upper()}), "code") == both
    assert _codes(hr_reader.get("/api/v1/role-profiles/", {"framework": framework.pk, "status": "approved"}),
                  "code") == both
    assert _codes(hr_reader.get("/api/v1/role-profiles/", {"status": "draft"}), "code") == []
    assert "no framework" in _refused(hr_reader.get("/api/v1/role-profiles/", {"framework": "nope"}), "framework")


def test_frameworks_by_name_or_code_and_version_status(org, hr_reader):
    code = org.version.framework.code
    assert _codes(hr_reader.get("/api/v1/frameworks/", {"name": code[:6]}), "code") == [code]
    assert _codes(hr_reader.get("/api/v1/frameworks/", {"status": "published"}), "code") == [code]
    assert _codes(hr_reader.get("/api/v1/frameworks/", {"status": "draft"}), "code") == []


# --- plans ---------------------------------------------------------------------------------------------


def test_plans_by_org_unit_with_its_sub_units_status_and_overdue(org, hr_reader):
    cora_plan = Plan.objects.create(person=org.cora, created_by=org.hr)
    ids = lambda response: sorted(row["id"] for row in response.json()["results"])  # noqa: E731
    assert ids(hr_reader.get("/api/v1/plans/", {"org_unit": "plant"})) == sorted([org.plan.pk, cora_plan.pk])
    assert ids(hr_reader.get("/api/v1/plans/", {"org_unit": "WORKSHOP"})) == [cora_plan.pk]
    assert ids(hr_reader.get("/api/v1/plans/", {"status": "draft"})) == [cora_plan.pk]
    assert ids(hr_reader.get("/api/v1/plans/", {"org_unit": org.unit.pk, "status": org.plan.status})) == [org.plan.pk]
    assert ids(hr_reader.get("/api/v1/plans/", {"overdue": "true"})) == []
    _refused(hr_reader.get("/api/v1/plans/", {"org_unit": "NOWHERE"}), "org_unit")


# --- cycles, their results, analyses and their leaders -------------------------------------------------


def test_cycle_results_by_org_unit_with_sub_units_and_search(org, hr_reader):
    results = f"/api/v1/cycles/{org.cycle.pk}/results/"
    everyone = sorted([org.leader.employee_id, org.gus.employee_id, org.cora.employee_id])
    assert _codes(hr_reader.get(results)) == everyone
    assert _codes(hr_reader.get(results, {"org_unit": "PLANT"})) == everyone
    assert _codes(hr_reader.get(results, {"org_unit": "workshop"})) == [org.cora.employee_id]
    assert _codes(hr_reader.get(results, {"q": "gus"})) == [org.gus.employee_id]
    assert _codes(hr_reader.get(results, {"q": org.leader.employee_id})) == [org.leader.employee_id]
    _refused(hr_reader.get(results, {"org_unit": "NOWHERE"}), "org_unit")


def test_analyses_by_cycle_current_and_status(org, hr_reader):
    ids = lambda response: [row["id"] for row in response.json()["results"]]  # noqa: E731
    assert ids(hr_reader.get("/api/v1/analyses/", {"cycle": org.cycle.pk, "current": "true"})) == [org.analysis.pk]
    assert ids(hr_reader.get("/api/v1/analyses/", {"status": "done"})) == [org.analysis.pk]
    assert ids(hr_reader.get("/api/v1/analyses/", {"status": "failed"})) == []
    assert ids(hr_reader.get("/api/v1/analyses/", {"cycle": 987654})) == []


def test_analysis_leaders_by_role_profile_and_the_units_the_analysis_found(org, hr_reader):
    leaders = f"/api/v1/analyses/{org.analysis.pk}/leaders/"
    assert _codes(hr_reader.get(leaders, {"role_profile": org.role.code})) == sorted(
        [org.leader.employee_id, org.gus.employee_id])
    assert _codes(hr_reader.get(leaders, {"role_profile": org.cert_role.pk})) == [org.cora.employee_id]
    # The analysis found Cora in the plant, before she moved: its figures (and so its filter) keep that.
    assert len(_codes(hr_reader.get(leaders, {"org_unit": "plant"}))) == 3
    assert _codes(hr_reader.get(leaders, {"org_unit": "WORKSHOP"})) == []
    assert _codes(hr_reader.get(leaders, {"q": "Cora"})) == [org.cora.employee_id]
    _refused(hr_reader.get(leaders, {"role_profile": "nobody"}), "role_profile")


def test_an_auditor_token_cannot_name_a_framework_it_may_not_read(org, make_token, hr):
    from competency.models import Framework

    # A framework with no published version: auditors read none of it, so they cannot filter by it either.
    hidden = Framework.objects.create(name="Draft only", code="draft-only", scale=org.version.framework.scale,
                                      owner=hr)
    _, auditor = make_token("auditor", "read")
    _refused(auditor.get("/api/v1/role-profiles/", {"framework": hidden.code}), "framework")
    assert _codes(auditor.get("/api/v1/role-profiles/", {"framework": org.version.framework.code}), "code")


def test_filtering_by_code_costs_what_filtering_by_id_does(org, hr_reader, django_assert_num_queries):
    hr_reader.get("/api/v1/people/")  # the token's last use, written once a minute, outside the counts
    # The token, the org unit named, the page of people (with their units, roles, managers).
    with django_assert_num_queries(3):
        hr_reader.get("/api/v1/people/", {"org_unit": org.unit.pk})
    with django_assert_num_queries(3):
        hr_reader.get("/api/v1/people/", {"org_unit": "plant"})
