"""Checking a pack file: unchanged, a record changed (named), a record gone, a broken file, not a pack;
the page and the command (`manage.py verify_pack FILE`, exit code 0 or 1)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from evidence.models import PackEvent, PackScope
from evidence.pack_pdf import render_pack_pdf
from evidence.packs import pack_request
from evidence.verify import CHANGED, GONE, SAME, verify_pack
from tests.evidence.builders import build_evidence_org
from tests.helpers import text

pytestmark = pytest.mark.django_db
URL = reverse("evidence:verify")


@pytest.fixture
def org():
    return build_evidence_org()


def pack_file(org, *, scope=PackScope.UNIT, target=None, as_at=None) -> bytes:
    pack, _document = pack_request(user=org.hr, scope=scope, target=target or org.unit, as_at=as_at)
    return render_pack_pdf(pack)


def test_an_unchanged_pack_is_confirmed_with_every_record(org):
    report = verify_pack(pack_file(org))
    assert report.ok, report.problems()
    assert report.signature.valid and report.known and report.pack_hash_ok
    assert report.records and {check.state for check in report.records} == {SAME}
    assert report.generated_by == "Hannah Reid"


def test_changing_one_record_fails_and_names_it(org):
    data = pack_file(org)
    certificate = org.cora_certificate
    certificate.issuer = "Someone else"
    certificate.save()
    report = verify_pack(data)
    assert not report.ok
    assert report.signature.valid  # the file itself is untouched
    assert [(check.model, check.pk, check.state) for check in report.changed] == [
        ("training.certificate", certificate.pk, CHANGED)]
    assert any("Changed since generation: certificate “Safety licence”" in problem and f"#{certificate.pk}" in problem
               for problem in report.problems())


def test_a_deleted_record_is_named_as_gone(org):
    from training.models import EffectivenessReview

    data = pack_file(org)
    review = EffectivenessReview.objects.filter(enrolment=org.gus_enrolment).first()
    assert review is not None
    pk = review.pk
    review.delete()
    report = verify_pack(data)
    assert [(check.model, check.pk, check.state) for check in report.changed] == [
        ("training.effectivenessreview", pk, GONE)]


def test_a_pack_as_at_a_past_day_is_compared_with_the_history_of_that_day(org):
    data = pack_file(org, as_at=org.earlier)
    certificate = org.cora_certificate
    certificate.issuer = "Changed today"
    certificate.save()
    report = verify_pack(data)
    assert report.ok, report.problems()  # what the pack showed (the record as it stood then) is unchanged


def test_a_byte_changed_in_the_file_breaks_the_signature(org):
    data = bytearray(pack_file(org))
    index = data.index(b"Evidence pack")  # in the document information, inside the signed range
    data[index] = ord("X")
    report = verify_pack(bytes(data))
    assert not report.ok
    assert not report.signature.valid and "changed after signing" in report.signature.problem
    assert not report.known  # nor is the file the one Proficio generated


def test_a_file_proficio_did_not_log_is_not_known(org):
    data = pack_file(org)
    PackEvent.objects.all().delete()
    report = verify_pack(data)
    assert not report.ok and report.signature.valid
    assert "Proficio has no record of generating this file" in " ".join(report.problems())


def test_the_page_confirms_an_unchanged_pack(client, org):
    data = pack_file(org)
    client.force_login(org.quality)
    response = client.post(URL, {"file": SimpleUploadedFile("pack.pdf", data, "application/pdf")})
    assert response.status_code == 200
    shown = text(response)
    assert "Unchanged." in shown and "its signature is valid" in shown


def test_the_page_names_the_changed_record(client, org):
    data = pack_file(org)
    org.certificate.title = "Renamed licence"
    org.certificate.save()
    client.force_login(org.hr)
    response = client.post(URL, {"file": SimpleUploadedFile("pack.pdf", data, "application/pdf")})
    assert response.status_code == 200
    shown = text(response)
    assert "Changed or not valid." in shown
    assert "Changed since generation: certificate “Safety licence”" in shown


@pytest.mark.parametrize("content, message", [
    (b"\x00\x01garbage" * 100, "This is not a PDF file"),
    (b"%PDF-1.7\nnothing more", "cannot be read as a PDF"),
])
def test_the_page_refuses_a_file_that_is_no_pack_with_400(client, org, content, message):
    client.force_login(org.hr)
    response = client.post(URL, {"file": SimpleUploadedFile("x.pdf", content, "application/pdf")})
    assert response.status_code == 400
    assert message in text(response)


def test_the_page_refuses_a_missing_or_empty_file(client, org):
    client.force_login(org.hr)
    assert client.post(URL, {}).status_code == 400
    assert client.post(URL, {"file": SimpleUploadedFile("x.pdf", b"", "application/pdf")}).status_code == 400


def test_the_page_refuses_a_file_above_the_limit_before_reading_it(client, org, settings):
    settings.MAX_PACK_FILE_BYTES = 1024
    client.force_login(org.hr)
    response = client.post(URL, {"file": SimpleUploadedFile("x.pdf", b"%PDF-" + b"0" * 2048, "application/pdf")})
    assert response.status_code == 400
    assert "packs up to 0 MB are checked" in text(response) or "MB are checked" in text(response)


def test_leaders_are_refused_the_page(client, org):
    client.force_login(org.leader.user)
    assert client.get(URL).status_code == 403


def test_the_command_exits_0_for_an_unchanged_pack_and_1_for_a_changed_one(org, tmp_path, capsys):
    path = tmp_path / "pack.pdf"
    path.write_bytes(pack_file(org))
    call_command("verify_pack", str(path))
    assert "Unchanged: the pack and every record in it are as generated." in capsys.readouterr().out
    org.cora_certificate.issuer = "Forged"
    org.cora_certificate.save()
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_pack", str(path))
    assert exit_.value.code == 1
    out = capsys.readouterr().out
    assert "Changed since generation: certificate “Safety licence”" in out and "1 changed or gone" in out


def test_the_command_exits_1_for_a_file_that_is_no_pack(org, tmp_path):
    path = tmp_path / "junk.pdf"
    path.write_bytes(b"junk")
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_pack", str(path))
    assert exit_.value.code == 1


def test_the_page_refuses_a_pdf_that_is_no_pack_with_400(client, org):
    from core.pdf import render_pdf

    client.force_login(org.hr)
    data = render_pdf("pdf/base.html", {}, title="Just a PDF")
    response = client.post(URL, {"file": SimpleUploadedFile("other.pdf", data, "application/pdf")})
    assert response.status_code == 400
    assert "it is not an evidence pack made by Proficio" in text(response)
