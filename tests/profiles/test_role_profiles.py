"""Role profiles: requirements on the framework's scale, approval as a controlled record, moving versions."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from competency import services as framework_services
from profiles import services
from profiles.models import ProfileStatus, Requirement, RoleProfile
from tests.helpers import text
from tests.world import build_world
from tests.factories import TEST_PASSWORD
from tests.helpers import co_signer

pytestmark = pytest.mark.django_db




def grid_post(version, levels: dict[str, tuple[str, str, bool]]) -> dict:
    """The POST of the requirements grid: one row per competency of the version."""
    competencies = list(version.competencies.order_by("area__position", "area_id", "position", "pk"))
    data = {"req-TOTAL_FORMS": str(len(competencies)), "req-INITIAL_FORMS": str(len(competencies))}
    for index, competency in enumerate(competencies):
        level, weight, critical = levels.get(competency.code, ("", "1", False))
        data[f"req-{index}-competency"] = str(competency.pk)
        data[f"req-{index}-required_level"] = level
        data[f"req-{index}-weight"] = weight
        if critical:
            data[f"req-{index}-critical"] = "on"
    return data


def test_a_profile_is_written_against_a_published_version_only(version, hr):
    draft = framework_services.version_revise(version=version, actor=hr)
    with pytest.raises(ValidationError, match="written against the published version"):
        services.profile_create(name="X", code="x", description="", framework_version=draft, actor=hr)


def test_the_requirements_grid_saves_levels_weights_and_critical_flags(client, version, hr):
    profile = services.profile_create(name="QM", code="qm", description="", framework_version=version, actor=hr)
    client.force_login(hr)
    page = text(client.get(f"/profiles/{profile.pk}/requirements/"))
    assert page.count('data-code="A') == 6  # every competency of the version has a row
    response = client.post(f"/profiles/{profile.pk}/requirements/",
                           grid_post(version, {"A0-00": ("4", "2", True), "A1-02": ("2", "0.5", False)}))
    assert response.status_code == 302
    assert sorted(profile.requirements.values_list("competency__code", "required_level", "weight", "critical")) == [
        ("A0-00", 4, Decimal("2.00"), True), ("A1-02", 2, Decimal("0.50"), False)]


@pytest.mark.parametrize("levels, message", [
    ({"A0-00": ("6", "1", False)}, "Select a valid choice. 6 is not one of the available choices."),
    ({"A0-00": ("3", "0", False)}, "Ensure this value is greater than or equal to 0.01."),
    ({"A0-00": ("3", "-2", False)}, "Ensure this value is greater than or equal to 0.01."),
])
def test_the_grid_refuses_levels_off_the_scale_and_weights_not_above_zero(client, version, hr, levels, message):
    profile = services.profile_create(name="QM", code="qm", description="", framework_version=version, actor=hr)
    client.force_login(hr)
    response = client.post(f"/profiles/{profile.pk}/requirements/", grid_post(version, levels))
    assert response.status_code == 400
    assert message in text(response)
    assert not Requirement.objects.exists()


def test_a_forged_grid_with_a_competency_twice_or_from_elsewhere_is_refused(client, version, hr, scale=None):
    profile = services.profile_create(name="QM", code="qm", description="", framework_version=version, actor=hr)
    client.force_login(hr)
    data = grid_post(version, {"A0-00": ("3", "1", False), "A0-01": ("3", "1", False)})
    data["req-1-competency"] = data["req-0-competency"]
    response = client.post(f"/profiles/{profile.pk}/requirements/", data)
    assert response.status_code == 400 and "A competency appears twice" in text(response)
    data = grid_post(version, {"A0-00": ("3", "1", False)})
    data["req-0-competency"] = "999999"
    response = client.post(f"/profiles/{profile.pk}/requirements/", data)
    assert response.status_code == 400 and "not in this framework version" in text(response)
    assert not Requirement.objects.exists()


def test_approval_needs_requirements_and_a_note_and_counts_revisions(version, hr):
    profile = services.profile_create(name="QM", code="qm", description="", framework_version=version, actor=hr)
    with pytest.raises(ValidationError, match="without requirements cannot be approved"):
        services.profile_approve(profile=profile, actor=co_signer(hr), password=TEST_PASSWORD, change_note="Go")
    services.requirements_set(profile=profile, requirements=[
        services.RequirementInput(version.competencies.first(), 3, Decimal(1), False)])
    with pytest.raises(ValidationError, match="Say what this revision changes"):
        services.profile_approve(profile=profile, actor=co_signer(hr), password=TEST_PASSWORD, change_note="")
    approved = services.profile_approve(profile=profile, actor=co_signer(hr), password=TEST_PASSWORD, change_note="First")
    assert (approved.status, approved.revision, approved.approved_by) == (ProfileStatus.APPROVED, 1, co_signer(hr))
    with pytest.raises(ValidationError, match="already approved"):
        services.profile_approve(profile=approved, actor=co_signer(hr), password=TEST_PASSWORD, change_note="Again")


def test_changing_an_approved_profile_makes_it_a_draft_again_and_history_keeps_the_approved_state(profile, version, hr):
    services.requirements_set(profile=profile, requirements=[
        services.RequirementInput(version.competencies.get(code="A0-00"), 4, Decimal(1), True)])
    profile.refresh_from_db()
    assert profile.status == ProfileStatus.DRAFT and profile.revision == 1
    assert profile.history.filter(status=ProfileStatus.APPROVED).exists()
    services.profile_approve(profile=profile, actor=co_signer(hr), password=TEST_PASSWORD, change_note="Raised to 4")
    profile.refresh_from_db()
    assert profile.revision == 2
    old = Requirement.history.filter(profile_id=profile.pk, required_level=3)
    assert old.exists()


def test_saving_the_same_requirements_changes_nothing(profile, version):
    requirement = profile.requirements.get()
    services.requirements_set(profile=profile, requirements=[services.RequirementInput(
        requirement.competency, requirement.required_level, requirement.weight, requirement.critical)])
    profile.refresh_from_db()
    assert profile.status == ProfileStatus.APPROVED


def test_behaviours_and_kpis_are_kept_with_their_targets(client, profile, hr):
    client.force_login(hr)
    competency = profile.requirements.get().competency
    response = client.post(f"/profiles/{profile.pk}/behaviours/", {
        "behaviour-TOTAL_FORMS": "2", "behaviour-INITIAL_FORMS": "0",
        "behaviour-0-competency": str(competency.pk), "behaviour-0-text": "Checks the risk register weekly.",
        "behaviour-1-competency": "", "behaviour-1-text": "",
        "kpi-TOTAL_FORMS": "2", "kpi-INITIAL_FORMS": "0",
        "kpi-0-name": "Internal audit findings closed on time", "kpi-0-comparator": ">=", "kpi-0-target": "95",
        "kpi-0-unit": "%", "kpi-0-how_measured": "Audit log, quarterly",
        "kpi-1-name": "", "kpi-1-comparator": ">=", "kpi-1-target": "", "kpi-1-unit": "", "kpi-1-how_measured": "",
    })
    assert response.status_code == 302
    page = text(client.get(f"/profiles/{profile.pk}/"))
    assert "Internal audit findings closed on time" in page and "≥ 95 %" in page
    assert "Checks the risk register weekly." in page


def test_a_kpi_without_a_target_is_refused(client, profile, hr):
    client.force_login(hr)
    response = client.post(f"/profiles/{profile.pk}/behaviours/", {
        "behaviour-TOTAL_FORMS": "0", "behaviour-INITIAL_FORMS": "0",
        "kpi-TOTAL_FORMS": "1", "kpi-INITIAL_FORMS": "0", "kpi-0-name": "On-time delivery", "kpi-0-comparator": ">=",
        "kpi-0-target": "", "kpi-0-unit": "%", "kpi-0-how_measured": "",
    })
    assert response.status_code == 400
    assert "Give the target value." in text(response)
    assert not profile.kpis.exists()


def test_moving_to_a_newer_version_shows_changed_and_lost_requirements_then_applies(client, version, hr):
    profile = services.profile_create(name="QM", code="qm", description="", framework_version=version, actor=hr)
    services.requirements_set(profile=profile, requirements=[
        services.RequirementInput(version.competencies.get(code=code), 3, Decimal(1), False)
        for code in ("A0-00", "A0-01", "A0-02")])
    services.profile_approve(profile=profile, actor=co_signer(hr), password=TEST_PASSWORD, change_note="First")
    v2 = framework_services.version_revise(version=version, actor=hr)
    framework_services.competency_delete(competency=v2.competencies.get(code="A0-02"))
    renamed = v2.competencies.get(code="A0-01")
    framework_services.competency_update(competency=renamed, code="A0-01", name="Renamed", description="", clauses=[])
    framework_services.version_submit_for_review(version=v2, actor=hr)
    framework_services.version_approve(version=v2, actor=co_signer(hr), password=TEST_PASSWORD, change_note="Second")
    v2 = framework_services.version_publish(version=v2, actor=hr, effective_date=v2.created_at.date())

    client.force_login(hr)
    page = text(client.get(f"/profiles/{profile.pk}/move/?target={v2.pk}"))
    assert 'data-code="A0-00" data-outcome="unchanged"' in page
    assert 'data-code="A0-01" data-outcome="changed"' in page and "Renamed: “Competency 0.1” → “Renamed”" in page
    assert 'data-code="A0-02" data-outcome="lost"' in page
    response = client.post(f"/profiles/{profile.pk}/move/", {"target": v2.pk})
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.framework_version == v2 and profile.status == ProfileStatus.DRAFT
    assert sorted(profile.requirements.values_list("competency__code", "competency__version")) == [
        ("A0-00", v2.pk), ("A0-01", v2.pk)]


def test_the_profile_page_groups_requirements_by_area_and_draws_the_chart(client, profile, hr):
    client.force_login(hr)
    page = text(client.get(f"/profiles/{profile.pk}/"))
    assert 'data-testid="requirement-area"' in page and "Area 0" in page
    assert "<svg" in page and "A0-00 Competency 0.0: level 3, critical" in page


@pytest.mark.parametrize("profiles", [1, 15])
def test_the_profile_list_filters_and_counts_in_a_fixed_number_of_queries(client, version, hr, units, profiles,
                                                                         django_assert_num_queries):
    from tests.factories import PersonFactory

    client.force_login(hr)
    services.profile_create(name="P0", code="p0", description="", framework_version=version, actor=hr)
    for n in range(1, profiles):
        profile = services.profile_create(name=f"P{n}", code=f"p{n}", description="", framework_version=version,
                                          actor=hr)
        PersonFactory(role_profile=profile, org_unit=units["OPS"])
    # session, user, the choices of two filters (units, frameworks), the profiles with their requirement
    # counts, their holders counted in one grouped query
    with django_assert_num_queries(6):
        page = text(client.get("/profiles/"))
    if profiles > 1:
        assert re.search(r">P3</a>.*?<td class=\"text-end\">1</td>", page, re.S)
    page = text(client.get(f"/profiles/?org_unit={units['OPS'].pk}"))
    assert (">P3</a>" in page) == (profiles > 1) and ">P0</a>" not in page
    assert RoleProfile.objects.count() == profiles


def test_people_see_the_approved_requirements_until_a_change_is_approved(client):
    world = build_world()
    profile, hr = world.objects["profile_leader"], world.user("hr")
    competency = profile.requirements.get().competency
    services.requirements_set(profile=profile, requirements=[services.RequirementInput(competency, 5, Decimal(1), True)])
    client.force_login(world.user("leader"))
    page = text(client.get(f"/people/{world.people['leader'].pk}/"))
    assert "As approved in revision 1 of Leader role" in page and "level 3" in page and "level 5" not in page
    assert "level 3" in text(client.get("/"))
    client.force_login(hr)
    assert "changes that are not approved yet" in text(client.get(f"/profiles/{profile.pk}/"))
    services.profile_approve(profile=profile, actor=co_signer(hr), password=TEST_PASSWORD, change_note="Raised to 5")
    client.force_login(world.user("leader"))
    page = text(client.get(f"/people/{world.people['leader'].pk}/"))
    assert "As approved in revision 2" in page and "level 5" in page


def test_a_profile_never_approved_requires_nothing_of_anyone_yet(client):
    world = build_world()
    client.force_login(world.user("hr"))
    page = text(client.get(f"/people/{world.people['colleague'].pk}/"))
    assert "Not yet approved: Colleague role is a draft." in page and 'data-code="SV-01"' not in page
    client.force_login(world.user("colleague"))
    dashboard = text(client.get("/"))
    assert "is not approved yet: its requirements apply once it is" in dashboard and "SV-01" not in dashboard
    profile = text(client.get(f"/profiles/{world.objects['profile_colleague'].pk}/"))
    assert "Not approved yet" in profile and 'data-code="SV-01"' not in profile


def test_removing_a_requirement_removes_its_behaviours(version, hr):
    profile = services.profile_create(name="QM", code="qm", description="", framework_version=version, actor=hr)
    first, second = version.competencies.order_by("code")[:2]
    services.requirements_set(profile=profile, requirements=[
        services.RequirementInput(first, 3, Decimal(1), False), services.RequirementInput(second, 3, Decimal(1), False)])
    services.expectations_set(profile=profile, behaviours=[(first, "One"), (second, "Two")], kpis=[])
    services.requirements_set(profile=profile, requirements=[services.RequirementInput(first, 3, Decimal(1), False)])
    assert list(profile.behaviours.values_list("text", flat=True)) == ["One"]


def test_the_profile_page_shows_how_many_hold_the_role_only_to_those_who_see_everyone(client):
    world = build_world()
    profile = world.objects["profile_leader"]
    client.force_login(world.user("leader"))
    assert "hold this role" not in text(client.get(f"/profiles/{profile.pk}/"))
    client.force_login(world.user("auditor"))
    assert "1 person holds this role" in text(client.get(f"/profiles/{profile.pk}/"))


def test_a_leader_reading_their_role_profile_sees_what_is_approved(client):
    world = build_world()
    profile, hr = world.objects["profile_leader"], world.user("hr")
    competency = profile.requirements.get().competency
    services.requirements_set(profile=profile, requirements=[services.RequirementInput(competency, 5, Decimal(1), True)])
    services.expectations_set(profile=profile, behaviours=[(competency, "A draft behaviour")],
                              kpis=[{"name": "Draft KPI", "comparator": ">=", "target": Decimal(1)}])
    client.force_login(world.user("leader"))
    page = text(client.get(f"/profiles/{profile.pk}/"))
    assert "level 3" in page and "level 5" not in page
    assert "A draft behaviour" not in page and "Draft KPI" not in page
    client.force_login(hr)
    page = text(client.get(f"/profiles/{profile.pk}/"))
    assert "level 5" in page and "A draft behaviour" in page


def test_moving_a_profile_follows_a_competency_whose_code_changed(version, hr):
    from competency import services as framework_services

    profile = services.profile_create(name="QM", code="qm", description="", framework_version=version, actor=hr)
    competency = version.competencies.get(code="A0-00")
    services.requirements_set(profile=profile, requirements=[services.RequirementInput(competency, 3, Decimal(1), False)])
    services.expectations_set(profile=profile, behaviours=[(competency, "Keeps it")], kpis=[])
    v2 = framework_services.version_revise(version=version, actor=hr)
    renamed = v2.competencies.get(code="A0-00")
    framework_services.competency_update(competency=renamed, code="NEW-00", name=renamed.name, description="", clauses=[])
    framework_services.version_submit_for_review(version=v2, actor=hr)
    framework_services.version_approve(version=v2, actor=co_signer(hr), password=TEST_PASSWORD, change_note="Codes")
    v2 = framework_services.version_publish(version=v2, actor=hr, effective_date=v2.created_at.date())
    rows = services.migration_preview(profile, v2)
    assert [(row.outcome, row.details) for row in rows] == [("changed", ["Code changed: A0-00 → NEW-00."])]
    services.profile_migrate(profile=profile, target=v2, actor=hr)
    assert list(profile.requirements.values_list("competency__code", flat=True)) == ["NEW-00"]
    assert list(profile.behaviours.values_list("competency__code", flat=True)) == ["NEW-00"]
