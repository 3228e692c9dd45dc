"""A person's dossier, today and as at a past day (evidence.dossier and its page)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evidence.dossier import FLAG_TEXTS, build_dossier
from tests import test_access_matrix as matrix_test
from tests.access_evidence_dossier import ROWS
from tests.evidence.builders import build_evidence_org
from tests.helpers import visible_text
from tests.test_access_matrix import world  # noqa: F401  (the access matrix's world, for the rows below)

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(hr):
    return build_evidence_org(hr)


def _requirement(dossier, code):
    return next(r for r in dossier.requirements if r["code"] == code)


# --- acceptance 2: qualified then, flagged now -------------------------------------------------------------


def test_a_person_who_met_their_requirement_whose_certificate_has_since_expired_is_qualified_then_and_flagged_today(org):
    code = org.competencies[0].code
    then = build_dossier(org.cora, as_at=org.earlier)
    assert then.qualified
    assert _requirement(then, code)["met"]
    assert then.flags == []
    assert [c["valid_on_date"] for c in then.certificates] == [True]

    now = build_dossier(org.cora)
    assert not now.qualified
    assert not _requirement(now, code)["met"]
    assert now.flag_codes == ["expired_certificate"]
    assert [c["expired"] for c in now.certificates] == [True]


def test_the_dossier_page_says_qualified_on_the_earlier_day_and_shows_the_flag_today(client, org):
    client.force_login(org.auditor)
    url = reverse("evidence:dossier", args=[org.cora.pk])
    then = client.get(url, {"as_at": org.earlier.isoformat()})
    assert then.status_code == 200
    assert "Qualified" in visible_text(then) and "No red flag on that day" in visible_text(then)
    now = client.get(url)
    assert FLAG_TEXTS["expired_certificate"] in visible_text(now)
    assert "Not qualified" in visible_text(now)


# --- as at: the profile revision, the framework, plans and reviews as they stood ------------------------------


def test_the_role_profile_revision_then_in_force_gives_the_required_levels_of_that_day(org):
    code = org.competencies[0].code
    then, now = build_dossier(org.leader, as_at=org.earlier), build_dossier(org.leader)
    assert (then.role_profile.revision, _requirement(then, code)["required_level"]) == (1, 3)
    assert (now.role_profile.revision, _requirement(now, code)["required_level"]) == (2, 4)
    assert _requirement(then, code)["met"] and not _requirement(now, code)["met"]  # 3.5 observed
    # Each day's approval signature is valid for the revision of that day.
    assert [s.superseded for s in then.approval_signatures] == [False]
    assert [s.superseded for s in now.approval_signatures] == [False, True]


def test_before_anything_existed_the_dossier_is_empty_and_flags_the_missing_competence(org):
    dossier = build_dossier(org.leader, as_at=org.days_ago(450))
    assert dossier.person_row is None and dossier.role_profile is None and dossier.framework_version is None
    assert dossier.flag_codes == ["no_competence_defined"]
    assert dossier.results == [] and dossier.certificates == [] and dossier.plans == [] and dossier.register == []


def test_the_framework_version_in_force_is_the_published_one_effective_by_then(org):
    assert build_dossier(org.leader, as_at=org.earlier).framework_version.number == org.version.number


def test_plans_actions_and_reviews_are_shown_as_they_stood(org):
    assert build_dossier(org.leader, as_at=org.days_ago(295)).plans == []
    before_training = build_dossier(org.leader, as_at=org.days_ago(250))
    (plan,) = before_training.plans
    assert plan["row"].status == "approved"
    assert [o.code for o in plan["objectives"]] == [org.competencies[1].code, org.competencies[2].code] or \
        sorted(o.code for o in plan["objectives"]) == sorted([org.competencies[1].code, org.competencies[2].code])
    from devplans.models import Action

    linked = Action.objects.get(enrolment=org.enrolment).pk
    trained = [a for o in plan["objectives"] for a in o.actions_then if a.id == linked]
    assert [(a.status, a.enrolment_id) for a in trained] != [] and trained[0].status != "done"
    assert trained[0].enrolment_id is None  # linked to the enrolment only at T-210
    after = build_dossier(org.leader, as_at=org.days_ago(120))
    trained = [a for o in after.plans[0]["objectives"] for a in o.actions_then if a.id == linked]
    assert [a.status for a in trained] == ["done"]
    assert [(r.done_then, r.effective) for r in trained[0].reviews_then] == [(True, True)]
    (training,) = build_dossier(org.leader, as_at=org.days_ago(160)).training
    assert [(r.done_then, r.overdue_then) for r in training["reviews"]] == [(False, False)]


def test_a_review_falls_overdue_only_after_its_due_day(org):
    assert "action_without_review" not in build_dossier(org.gus, as_at=org.days_ago(141)).flag_codes
    assert "action_without_review" in build_dossier(org.gus, as_at=org.days_ago(139)).flag_codes


# --- flags -----------------------------------------------------------------------------------------------------


def test_each_red_flag_is_raised_for_whom_it_concerns(org):
    assert build_dossier(org.gus).flag_codes == ["gap_without_action", "action_without_review"]
    assert build_dossier(org.stranger).flag_codes == ["no_competence_defined"]
    assert build_dossier(org.leader).flag_codes == ["expired_certificate"]
    gus = build_dossier(org.gus)
    assert org.competencies[2].code in gus.flags[0].detail and org.competencies[1].code not in gus.flags[0].detail


def test_an_edited_profile_not_yet_approved_again_shows_its_signature_superseded(org):
    from profiles import services

    services.requirements_set(profile=org.cert_role, requirements=[
        services.RequirementInput(org.competencies[0], 4, Decimal(1), False)])
    dossier = build_dossier(org.cora)
    assert "unsigned_or_superseded" in dossier.flag_codes
    assert _requirement(dossier, org.competencies[0].code)["required_level"] == 3  # the approved revision applies
    assert "unsigned_or_superseded" not in build_dossier(org.cora, as_at=org.earlier).flag_codes


def test_a_renewed_certificate_clears_the_expiry_flag(org):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.evidence.builders import PDF
    from training.services import evidence

    evidence.certificate_add(person=org.cora, title="Safety licence (renewed)", issuer="Safety Board",
                             issued_on=org.days_ago(20), expires_on=org.today + timedelta(days=700),
                             upload=SimpleUploadedFile("renewed.pdf", PDF), competencies=[org.competencies[0]],
                             actor=org.hr)
    dossier = build_dossier(org.cora)
    assert dossier.flags == [] and dossier.qualified


# --- the register -----------------------------------------------------------------------------------------------


def test_the_register_lists_every_record_with_its_version_and_hash(org):
    dossier = build_dossier(org.leader)
    kinds = sorted({r.kind for r in dossier.register})
    assert kinds == ["acknowledgement", "action", "certificate", "effectiveness_review", "enrolment",
                     "framework_version", "objective", "plan", "result", "role_profile"]
    profile = next(r for r in dossier.register if r.kind == "role_profile")
    assert profile.version == "2" and profile.signatures and not profile.signatures[0].superseded
    assert profile.sha256 == profile.signatures[0].content_sha256
    plan = next(r for r in dossier.register if r.kind == "plan")
    assert plan.signatures and plan.signatures[0].signer_name
    assert all(len(r.sha256) == 64 for r in dossier.register)


# --- queries ---------------------------------------------------------------------------------------------------


def _queries(person, as_at=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        build_dossier(person, as_at=as_at)
    return len(captured)


def _more_records(org, n: int) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.evidence.builders import PDF
    from training.services import evidence

    for i in range(n):
        evidence.certificate_add(person=org.leader, title=f"Extra {i}", issuer="Board", issued_on=org.days_ago(5),
                                 expires_on=None, upload=SimpleUploadedFile(f"x{i}.pdf", PDF + bytes([i])),
                                 competencies=[org.competencies[i % 3]], actor=org.hr)
        evidence.signoff_add(person=org.leader, competency=org.competencies[i % 3], level=3, statement="Competent",
                             method="observation", signed_on=org.days_ago(3), actor=org.hr)


def test_the_dossier_costs_the_same_queries_whatever_the_number_of_records(org):
    today, earlier = _queries(org.leader), _queries(org.leader, org.earlier)
    _more_records(org, 6)
    assert build_dossier(org.leader).certificates[5]["title"].startswith("Extra")
    assert _queries(org.leader) == today
    assert _queries(org.leader, org.earlier) == earlier
    # person, unit, profile (+ its requirements/behaviours/KPIs as at, the framework, signatures), the
    # framework versions, results (participants; levels, cells, comments per released cycle), analyses, gap
    # rows, certificates (+ links, codes, hashes, files), qualifications, experience, sign-offs,
    # enrolments, reviews, sessions, codes, plans, objectives, actions, codes, plan signatures.
    assert today <= 75


# --- the page --------------------------------------------------------------------------------------------------


def test_the_page_shows_each_section_and_the_register(client, org):
    client.force_login(org.auditor)
    response = client.get(reverse("evidence:dossier", args=[org.leader.pk]))
    assert response.status_code == 200
    text = visible_text(response)
    for heading in ("7.2 a", "7.2 b — Released 360° results", "7.2 b — Training and certificates", "7.2 c",
                    "7.2 d — Register of records", "Red flags"):
        assert heading in text
    assert "Safety licence" in text and "Planning workshop" in text and "Cycle evidence" in text
    assert org.certificate.file.sha256[:8] in text


@pytest.mark.parametrize("value, message", [
    ("31/01/2024", "Give the day as YYYY-MM-DD"),
    ("2024-02-30", "Give the day as YYYY-MM-DD"),
    ("2999-01-01", "cannot be in the future"),
])
def test_a_bad_or_future_day_is_refused_with_a_message(client, org, value, message):
    client.force_login(org.hr)
    response = client.get(reverse("evidence:dossier", args=[org.leader.pk]), {"as_at": value})
    assert response.status_code == 400
    assert message in visible_text(response)
    assert "7.2 a" not in visible_text(response)


def test_a_forged_id_is_404_and_a_leader_is_refused_with_the_reason(client, org):
    client.force_login(org.quality)
    assert client.get(reverse("evidence:dossier", args=[987654])).status_code == 404
    client.force_login(org.leader.user)
    response = client.get(reverse("evidence:dossier", args=[org.leader.pk]))
    assert response.status_code == 403
    client.force_login(org.manager.user)
    assert client.get(reverse("evidence:dossier", args=[org.leader.pk])).status_code == 403


def test_a_suppressed_figure_is_never_shown(client, org):
    from assessments.models import CellLabel, Participant, ResultCell

    participant = Participant.objects.get(cycle=org.cycle, person=org.leader)
    ResultCell.objects.create(participant=participant, competency=org.competencies[0], label=CellLabel.PEER,
                              mean=Decimal("1.37"), count=2, responders=2, suppressed=True, weight=0, release_number=1)
    client.force_login(org.auditor)
    text = visible_text(client.get(reverse("evidence:dossier", args=[org.leader.pk])))
    assert "too few to show" in text and "1.37" not in text


def test_the_page_query_count_does_not_grow_with_records(client, org, django_assert_max_num_queries):
    client.force_login(org.auditor)
    url = reverse("evidence:dossier", args=[org.leader.pk])
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    _more_records(org, 5)
    with CaptureQueriesContext(connection) as second:
        client.get(url)
    assert len(second) == len(first)


# --- the access matrix's rows ----------------------------------------------------------------------------------


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
def test_access_rows(row, client, world):  # noqa: F811
    matrix_test.test_access_matrix(row, client, world)
