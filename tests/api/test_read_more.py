"""The read side over cycles, released results, gap analyses, training records, plans and evidence packs:
what a token reads (the pages' figures, never answers), and query counts that do not grow with the data."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from assessments.models import CellLabel, Group, Questionnaire, QuestionnaireStatus, ResultComment
from assessments.services import cycles
from documents.models import Document
from evidence.models import EvidencePack, PackEvent
from tests.factories import OrgUnitFactory, PersonFactory
from tests.gaps.builders import analyse, stored_cycle, stored_leader

pytestmark = pytest.mark.django_db
M, S, O = CellLabel.MANAGER, CellLabel.SELF, CellLabel.OTHERS


def _warm(api) -> None:
    """One request first, so that the token's last use is recorded outside the counted requests."""
    assert api.get("/api/v1/org-units/").status_code == 200


# --- cycles ------------------------------------------------------------------------------------------


def test_a_cycle_shows_its_progress_and_response_rates_per_group(hr_reader):
    from tests.assessments.builders import team_cycle

    team = team_cycle(peers=2, reports=1, areas=1, per_area=1)
    answered = team.participant.questionnaires.filter(group=Group.PEER).order_by("pk").first()
    Questionnaire.objects.filter(pk=answered.pk).update(status=QuestionnaireStatus.SUBMITTED)  # one peer of two
    [listed] = hr_reader.get("/api/v1/cycles/").json()["results"]
    assert listed["status"] == "open" and listed["leaders"] == 1 and listed["results_url"] is None
    body = hr_reader.get(listed["url"]).json()
    peers = next(line for line in body["progress"]["groups"] if line["group"] == Group.PEER)
    assert (peers["invited"], peers["submitted"], peers["response_rate"]) == (2, 1, 50)
    total = body["progress"]["total"]
    assert total["invited"] == listed["invited"] and total["submitted"] == listed["submitted"] == 1
    assert total["response_rate"] == listed["response_rate"] == round(100 / listed["invited"])


def test_cycles_are_filtered_by_status_as_on_the_cycle_list(hr_reader, hr):
    released, _ = stored_cycle(hr, code="done", competencies=1)
    cycles.create_cycle(actor=hr, name="Next year", framework_version=released.framework_version,
                        opens_on=released.opens_on, closes_on=released.closes_on)
    assert [c["name"] for c in hr_reader.get("/api/v1/cycles/?status=released").json()["results"]] == [released.name]
    assert [c["name"] for c in hr_reader.get("/api/v1/cycles/?status=draft").json()["results"]] == ["Next year"]
    refused = hr_reader.get("/api/v1/cycles/?status=finished")
    assert refused.status_code == 400 and "status" in refused.json()


# --- released results --------------------------------------------------------------------------------


def _comment(participant, competency, text: str, *, withheld: bool = False) -> None:
    ResultComment.objects.create(participant=participant, competency=competency, label=CellLabel.PEER, text=text,
                                 position=ResultComment.objects.filter(participant=participant).count(),
                                 withheld=withheld)


def test_released_results_are_the_stored_shown_cells_with_suppressed_ones_empty(auditor_reader, hr):
    cycle, (first, second) = stored_cycle(hr, code="shown", competencies=2)
    leader = stored_leader(cycle, requirements={first: (3, 1, False), second: (3, 1, False)},
                           cells={first: {S: 4, M: 3}, second: {M: 2}})
    leader.cells.filter(competency=second).update(suppressed=True, count=2)  # as a release leaves a thin pool
    _comment(leader, first, "Listens well.")
    _comment(leader, first, "Withheld by HR.", withheld=True)
    [row] = auditor_reader.get(f"/api/v1/cycles/{cycle.pk}/results/").json()["results"]
    assert row["employee_id"] == leader.person.employee_id and row["comment_count"] == 1
    assert [(c["competency"], c["label"], c["mean"], c["suppressed"]) for c in row["cells"]] == [
        (first.code, S, "4.00", False), (first.code, M, "3.00", False), (second.code, M, None, True)]
    assert "Listens well." not in str(row)  # counts, not the comments' text


def test_results_of_a_cycle_not_released_are_a_404(hr_reader, hr):
    cycle, _ = stored_cycle(hr, code="early", competencies=1)
    draft = cycles.create_cycle(actor=hr, name="Draft", framework_version=cycle.framework_version,
                                opens_on=cycle.opens_on, closes_on=cycle.closes_on)
    response = hr_reader.get(f"/api/v1/cycles/{draft.pk}/results/")
    assert response.status_code == 404 and "not released" in response.json()["detail"]
    assert hr_reader.get("/api/v1/cycles/９/").status_code == 404  # a full-width digit is no id


# --- gap analyses ------------------------------------------------------------------------------------


def test_an_analysis_lists_its_leaders_with_their_requirement_lines(hr_reader, hr):
    cycle, (first, second) = stored_cycle(hr, code="gaps", competencies=2)
    leader = stored_leader(cycle, requirements={first: (3, 1, True), second: (2, 1, False)},
                           cells={first: {M: 1}, second: {M: 4}})
    analysis = analyse(cycle)
    [listed] = hr_reader.get("/api/v1/analyses/?current=true").json()["results"]
    assert (listed["id"], listed["cycle"], listed["status"], listed["leaders"]) == (analysis.pk, cycle.pk, "done", 1)
    [row] = hr_reader.get(listed["leaders_url"]).json()["results"]
    assert row["employee_id"] == leader.person.employee_id
    assert (row["requirements"], row["met"], row["critical_gaps"]) == (2, 1, 1)
    assert [(line["competency"], line["status"], line["observed"]) for line in row["lines"]] == [
        (first.code, "1critical", "1.00"), (second.code, "4met", "4.00")]


# --- training records, plans, packs (one organisation with a year of records) ------------------------


@pytest.fixture
def org():
    from tests.evidence.builders import build_evidence_org

    return build_evidence_org()


def test_a_training_record_holds_enrolments_certificates_and_reviews(org, auditor_reader):
    body = auditor_reader.get(f"/api/v1/people/{org.leader.employee_id}/training/").json()
    assert [(e["programme"], e["status"], e["result"]) for e in body["enrolments"]] == [
        ("Planning workshop", "completed", "passed")]
    [certificate] = body["certificates"]
    assert certificate["title"] == "Safety licence" and certificate["competencies"] == [org.competencies[0].code]
    [review] = body["effectiveness_reviews"]
    assert (review["competency"], review["effective"], review["level_after"]) == (org.competencies[2].code, True,
                                                                                   "4.00")
    assert auditor_reader.get("/api/v1/people/NOBODY/training/").status_code == 404


def test_plans_are_filtered_as_on_the_plan_list_and_open_with_their_objectives(org, hr_reader):
    org.plan.refresh_from_db()
    assert org.plan.status == "in_progress"  # approved, then an action done through training
    assert hr_reader.get("/api/v1/plans/?status=draft").json()["results"] == []
    [listed] = hr_reader.get(f"/api/v1/plans/?org_unit={org.unit.pk}&status=in_progress").json()["results"]
    assert listed["employee_id"] == org.leader.employee_id and listed["objectives"] == org.plan.objectives.count()
    assert hr_reader.get(f"/api/v1/plans/?org_unit={OrgUnitFactory().pk}").json()["results"] == []
    assert hr_reader.get("/api/v1/plans/?org_unit=999999999").status_code == 400  # no such unit: said, not ignored
    body = hr_reader.get(listed["url"]).json()
    assert body["status"] == "in_progress" and body["approved_by"] == org.manager.user.email
    assert {o["competency"] for o in body["objectives"]} == set(
        org.plan.objectives.values_list("competency__code", flat=True))
    assert any(action["programme"] == "Planning workshop" for o in body["objectives"] for action in o["actions"])


def test_an_auditor_token_asks_for_a_pack_follows_it_and_downloads_it(org, hr, auditor_reader,
                                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the render task, queued after the commit, runs here
        asked = auditor_reader.post("/api/v1/packs/", {"scope": "leader", "person": org.leader.employee_id.lower()},
                                    format="json")
    assert asked.status_code == 202 and asked.json()["status"] == "queued" and asked.json()["download_url"] is None
    status = auditor_reader.get(asked.json()["status_url"]).json()
    document = Document.objects.get(kind="pack")
    assert status["status"] == "done" and status["sha256"] == document.sha256
    download = auditor_reader.get(status["download_url"])
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    pack = EvidencePack.objects.get()
    # The pack and its log name the HR manager who created the token: they answer for what it does.
    assert pack.requested_by == hr == document.requested_by
    assert list(PackEvent.objects.order_by("pk").values_list("kind", "user")) == [
        ("generated", hr.pk), ("downloaded", hr.pk)]
    again = auditor_reader.post("/api/v1/packs/", {"scope": "leader", "person": org.leader.employee_id},
                                format="json").json()
    assert again["id"] == pack.pk and again["status"] == "done"  # nothing changed: the same pack, no new render
    assert Document.objects.filter(kind="pack").count() == 1


@pytest.mark.parametrize("body, field, message", [
    ({"scope": "leader"}, "person", "Give the person"),
    ({"scope": "unit", "org_unit": "NOWHERE"}, "org_unit", "There is no org unit “NOWHERE”"),
    ({"scope": "organisation", "as_at": "2999-01-01"}, "as_at", "to today"),
    ({"scope": "organisation", "as_at": "1999-12-31"}, "as_at", "Choose a day from"),
    ({"scope": "everything"}, "scope", "not a valid choice"),
])
def test_a_bad_pack_request_is_a_400_naming_the_field_and_asks_for_nothing(hr_reader, body, field, message):
    response = hr_reader.post("/api/v1/packs/", body, format="json")
    assert response.status_code == 400 and message in str(response.json()[field])
    assert not EvidencePack.objects.exists() and not Document.objects.exists()


# --- query counts --------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [2, 6])
def test_cycle_results_and_gap_lists_cost_the_same_whatever_their_size(django_assert_num_queries, hr, hr_reader,
                                                                       size):
    cycle, (first, second) = stored_cycle(hr, code="counted", competencies=2)
    for n in range(size):
        leader = stored_leader(cycle, requirements={first: (3, 1, False), second: (3, 1, False)},
                               cells={first: {S: 3, M: 2, O: 3}, second: {M: 4}})
        _comment(leader, first, f"Comment {n}")
    analysis = analyse(cycle)
    for _ in range(size - 1):  # earlier runs of the same release
        analysis = analyse(cycle)
    for n in range(size):
        cycles.create_cycle(actor=hr, name=f"Cycle {n}", framework_version=cycle.framework_version,
                            opens_on=cycle.opens_on, closes_on=cycle.closes_on)
    _warm(hr_reader)
    # The token, the page of cycles with their versions and counts (subqueries).
    with django_assert_num_queries(2):
        assert len(hr_reader.get("/api/v1/cycles/").json()["results"]) == size + 1
    # The token, the cycle with its counts, its questionnaires grouped by group and status.
    with django_assert_num_queries(3):
        hr_reader.get(f"/api/v1/cycles/{cycle.pk}/")
    # The token, the cycle, the page of leaders with their people and comment counts, their cells.
    with django_assert_num_queries(4):
        assert len(hr_reader.get(f"/api/v1/cycles/{cycle.pk}/results/").json()["results"]) == size
    # The token, the page of analyses with their cycles and versions.
    with django_assert_num_queries(2):
        assert len(hr_reader.get("/api/v1/analyses/").json()["results"]) == size
    # The token, the analysis, the page of leaders with their people, units and roles, the scale's levels, the lines.
    with django_assert_num_queries(5):
        assert len(hr_reader.get(f"/api/v1/analyses/{analysis.pk}/leaders/").json()["results"]) == size


@pytest.mark.parametrize("size", [1, 4])
def test_training_records_and_plans_cost_the_same_whatever_their_size(django_assert_num_queries, org, hr_reader,
                                                                      size):
    from devplans.models import Action, ActionKind, Plan
    from tests.evidence.builders import _certificate
    from training.models import Qualification, QualificationKind

    for n in range(size):
        _certificate(org.leader, org.competencies[n % 3], hr=org.hr, today=timezone.localdate())
        Qualification.objects.create(person=org.leader, kind=QualificationKind.DEGREE, title=f"Degree {n}",
                                     issuer="University", awarded_on=timezone.localdate()).competencies.set(
            org.competencies[:2])
        person = PersonFactory(org_unit=org.unit)
        Plan.objects.create(person=person, created_by=org.hr)
        Action.objects.create(objective=org.plan.objectives.first(), kind=ActionKind.STRETCH, title=f"Task {n}",
                              hours=Decimal(2), due_date=timezone.localdate() + timedelta(days=n))
    _warm(hr_reader)
    # The token, the person, enrolments with sessions and programmes, certificates, their competencies,
    # qualifications, their competencies, reviews with enrolments, programmes and competencies.
    with django_assert_num_queries(8):
        body = hr_reader.get(f"/api/v1/people/{org.leader.employee_id}/training/").json()
    assert len(body["certificates"]) == size + 1 and len(body["qualifications"]) == size
    # The token, the page of plans with their people and their counts and totals (subqueries).
    with django_assert_num_queries(2):
        assert len(hr_reader.get("/api/v1/plans/").json()["results"]) == size + 1
    # The token, the plan with its people, the objectives, their actions, the actions' notes.
    with django_assert_num_queries(5):
        hr_reader.get(f"/api/v1/plans/{org.plan.pk}/")
