"""Records named in packs: content, hash, version, signatures, and "as it was" from the audit history."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from evidence import records
from tests.evidence.builders import build_evidence_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(hr):
    return build_evidence_org(hr)


def _every_kind(org):
    from assessments.models import Participant
    from devplans.models import Action, Objective

    return [org.version, org.role, org.certificate, org.enrolment, org.review, org.plan,
            Objective.objects.filter(plan=org.plan).first(), Action.objects.filter(objective__plan=org.plan).first(),
            Participant.objects.get(cycle=org.cycle, person=org.leader)]


def test_a_history_row_gives_the_content_the_record_had_at_that_moment(org):
    now = timezone.now()
    for obj in _every_kind(org):
        then = records.as_at(records.model_label(type(obj)), obj.pk, now)
        assert records.content_of(then) == records.content_of(obj), obj
        assert records.sha256_of(then) == records.sha256_of(obj)
        assert records.ref(then, "x").version == records.ref(obj, "x").version


def test_a_changed_record_hashes_differently_and_its_earlier_state_stays_readable(org):
    before = records.sha256_of(org.certificate)
    moment = timezone.now()
    org.certificate.title = "Safety licence (forged)"
    org.certificate.save()
    assert records.sha256_of(org.certificate) != before
    assert records.sha256_of(records.as_at("training.certificate", org.certificate.pk, moment)) == before
    assert records.content_of(records.as_at("training.certificate", org.certificate.pk, moment))["title"] == "Safety licence"


def test_a_profile_as_at_reads_its_requirements_as_they_stood(org):
    earlier = timezone.make_aware(timezone.datetime.combine(org.earlier, timezone.datetime.min.time()))
    then = records.content_of(records.as_at("profiles.roleprofile", org.role.pk, earlier))
    now = records.content_of(org.role)
    assert [r[:2] for r in then["requirements"]][0] == [org.competencies[0].code, 3]
    assert [r[:2] for r in now["requirements"]][0] == [org.competencies[0].code, 4]


def test_a_profile_hash_is_what_its_approval_signed(org):
    ref = records.ref(org.role, "role_profile")
    assert ref.version == "2"
    assert ref.signatures[0].content_sha256 == ref.sha256 and not ref.signatures[0].superseded
    assert ref.signatures[1].superseded


def test_a_certificate_names_its_file_hash_and_competencies(org):
    content = records.content_of(org.certificate)
    assert content["file_sha256"] == org.certificate.file.sha256
    assert content["competencies"] == [org.competencies[0].code]


def test_results_are_hashed_over_the_stored_shown_cells_with_the_release_number(org):
    from assessments.models import Participant

    participant = Participant.objects.get(cycle=org.cycle, person=org.leader)
    ref = records.ref(participant, "result")
    assert ref.version == "release 1"
    content = records.content_of(participant)
    assert [c[:3] for c in content["cells"]][0] == [org.competencies[0].code, "manager", "3.50"]


def test_a_record_without_its_own_version_is_versioned_by_its_history_row(org):
    version = records.version_of(org.enrolment)
    assert re.fullmatch(r"h\d+", version)
    org.enrolment.note = "Changed"
    org.enrolment.save()
    assert records.version_of(org.enrolment) != version


def test_resolve_finds_the_record_now_and_nothing_for_a_deleted_or_unknown_one(org):
    assert records.resolve("training.certificate", org.certificate.pk) == org.certificate
    assert records.resolve("training.certificate", 987654) is None
    assert records.resolve("nowhere.thing", 1) is None
    assert records.as_at("training.certificate", org.certificate.pk, timezone.now() - timedelta(days=500)) is None


def test_the_manifest_entry_is_json_data(org):
    import json

    entry = records.ref(org.role, "role_profile").as_manifest()
    assert json.loads(json.dumps(entry))["sha256"] == entry["sha256"]


def test_no_evidence_module_names_raw_answers():
    for path in Path(records.__file__).parent.glob("*.py"):
        assert not re.search(r"\bAnswer\b", path.read_text()), path
