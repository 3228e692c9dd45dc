"""The audit trail tells the truth: whichever path changed a controlled record (the demo seed, an import,
a service, the admin), the newest history row of every tracked record equals the record."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import User
from competency import services as framework_services
from competency.models import Framework
from core.history import history_mismatches, tracked_models
from demo.seed import DEMO_DOMAIN, DEMO_PASSWORD, seed_demo_organisation
from profiles import services as profile_services
from profiles.importers import apply_people_plan, plan_people_import, read_table
from profiles.models import OrgUnit, Person, RoleProfile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_every_controlled_record_is_tracked():
    labels = {model._meta.label for model in tracked_models()}
    assert {"accounts.User", "competency.ProficiencyScale", "competency.ProficiencyLevel", "competency.Framework",
            "competency.FrameworkVersion", "competency.CompetencyArea", "competency.Competency",
            "competency.BehaviouralIndicator", "competency.ReviewComment", "profiles.OrgUnit", "profiles.Person",
            "profiles.RoleProfile", "profiles.Requirement", "profiles.ExpectedBehaviour",
            "profiles.PerformanceIndicator", "devplans.Plan", "devplans.Objective", "devplans.Action"} <= labels


def test_the_newest_history_row_of_every_record_equals_it_whatever_changed_it(client):
    seed_demo_organisation(leaders=30)
    assert history_mismatches() == [], "after the demo seed"

    hr = User.objects.get(email=f"hr@{DEMO_DOMAIN}")
    hugo = Person.objects.select_related("user").get(user__first_name="Hugo")
    newcomer = UserFactory(email="newcomer@example.com", first_name="Old", last_name="Name")  # no person yet
    content = (
        "employee_id,first_name,last_name,email,org_unit,role_profile,manager_email,start_date_in_role\n"
        f"{hugo.employee_id},Hugo,Novak-Berg,{hugo.user.email},QA,quality-manager,,2025-02-01\n"
        f"N001,New,Comer,newcomer@example.com,OPS-N,production-team-leader,{hugo.user.email},\n"
    )
    apply_people_plan(plan_people_import(read_table(content.encode(), "people.csv")), actor=hr)
    newcomer.refresh_from_db()
    assert newcomer.last_name == "Comer"
    assert history_mismatches() == [], "after a people import that renames someone and links an account"

    starter = Framework.objects.get(code="iso9001-leadership").versions.get()
    draft = framework_services.version_revise(version=starter, actor=hr)
    competency = draft.competencies.order_by("code").first()
    framework_services.competency_update(competency=competency, code=competency.code, name="Renamed", description="",
                                         clauses=[], indicators={1: ["New behaviour"]})
    framework_services.framework_update(framework=starter.framework, actor=hr, name="Leadership", description="New")
    scale = framework_services.scale_create(actor=hr, name="Three", description="", proficient_value=2, levels=[
        framework_services.LevelInput(name) for name in ("Low", "Mid", "High")])
    framework_services.scale_update(actor=hr, scale=scale, name="Three steps", description="", proficient_value=2,
                                    levels=[framework_services.LevelInput(n) for n in ("High", "Mid", "Low")])
    profile = RoleProfile.objects.get(code="department-manager")
    first = profile.requirements.select_related("competency").first()
    profile_services.requirements_set(profile=profile, requirements=[
        profile_services.RequirementInput(first.competency, 4, Decimal(2), True)])
    quality = User.objects.get(email=f"quality@{DEMO_DOMAIN}")
    profile_services.profile_approve(profile=profile, actor=quality, password=DEMO_PASSWORD, change_note="One requirement")
    assert history_mismatches() == [], "after service calls"

    hr.is_staff = hr.is_superuser = True
    client.force_login(hr)
    unit = OrgUnit.objects.get(code="SAL")
    response = client.post(f"/admin/profiles/orgunit/{unit.pk}/change/", {
        "name": "Sales", "code": "SAL", "parent": unit.parent_id, "head": ""})
    assert response.status_code == 302, response.content.decode()[:500]
    person = Person.objects.get(employee_id="E00010")
    response = client.post(f"/admin/profiles/person/{person.pk}/change/", {
        "org_unit": person.org_unit_id, "manager": person.manager_id or "", "role_profile": person.role_profile_id or "",
        "start_date_in_role": "2025-06-01", "active": "on"})
    assert response.status_code == 302, response.content.decode()[:500]
    assert OrgUnit.objects.get(pk=unit.pk).name == "Sales"
    assert history_mismatches() == [], "after admin saves"


def test_the_check_reports_a_record_whose_history_lies(hr):
    user = UserFactory(email="x@example.com", first_name="True")
    User.objects.filter(pk=user.pk).update(first_name="Changed without history")
    found = history_mismatches([User])
    assert [(m.pk, "first_name" in m.problem) for m in found] == [(user.pk, True)]


def test_the_check_history_command_says_so(capsys):
    from django.core.management import call_command

    call_command("check_history")
    assert "matches every record" in capsys.readouterr().out
