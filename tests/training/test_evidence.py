"""Certificates and the other evidence of competence as their users meet them: uploads refused unless
their content is a PDF, PNG or JPEG within the size limit (nothing stored otherwise), files kept in the
private store and handed out only to those who may read the person's record, verification, the expiry
reminder sent once, and the competence record showing per requirement which evidence exists — with
expired certificates flagged in words, and completed training never counted by itself."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from core.history import history_mismatches
from training import uploads
from training.models import (Certificate, EffectivenessReview, Enrolment, EnrolmentStatus, EvidenceFile, Programme,
                             ProgrammeKind, ProgrammeTarget, ReviewMethod, Session, SignOff)
from training.services import evidence
from training.tasks_evidence import send_expiry_reminders
from tests.factories import OrgUnitFactory, PersonFactory, UserFactory
from tests.helpers import approved_profile, published_framework, visible_text

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 17
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 60
HTML = b"<!DOCTYPE html><html><script>alert(1)</script></html>"


@pytest.fixture(autouse=True)
def private_store(tmp_path, settings, monkeypatch):
    """Evidence goes to a private folder of this test (the field's storage is built at import)."""
    root = tmp_path / "private-media"
    settings.PRIVATE_MEDIA_ROOT = root
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(EvidenceFile._meta.get_field("file"), "storage", FileSystemStorage(location=root))
    return root


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.fixture
def team():
    """hr; a published framework (A0-00, A0-01 …); `boss` manages `lea`, who holds a role requiring A0-00 at 3
    and A0-01 at 2; `cora` is in another unit."""
    hr = UserFactory(role=Role.HR, email="hr@example.com")
    version = published_framework(hr, areas=1, per_area=2)
    profile = approved_profile(version, hr, levels={"A0-00": 3, "A0-01": 2})
    unit = OrgUnitFactory()
    boss = PersonFactory(org_unit=unit, user__email="boss@example.com")
    lea = PersonFactory(org_unit=unit, manager=boss, role_profile=profile, user__email="lea@example.com",
                        user__first_name="Lea")
    cora = PersonFactory(org_unit=OrgUnitFactory(), user__email="cora@example.com")
    by_code = {c.code: c for c in version.competencies.all()}
    return {"hr": hr, "version": version, "boss": boss, "lea": lea, "cora": cora, "a": by_code["A0-00"],
            "b": by_code["A0-01"]}


def post_certificate(client, person, content: bytes, name: str, browser_type: str = "application/pdf", **extra):
    today = timezone.localdate()
    data = {"title": "ISO 9001 auditor", "issuer": "Quality Academy", "issued_on": today - timedelta(days=10),
            "expires_on": today + timedelta(days=365), "file": SimpleUploadedFile(name, content, browser_type)}
    data.update(extra)
    return client.post(reverse("training:certificate_add", kwargs={"pk": person.pk}), data)


def certificate(team, *, content=PDF, verified=True, expires_in=365, issued_ago=30, person=None, competencies=None,
                title="ISO 9001 auditor", enrolment=None):
    today = timezone.localdate()
    made = evidence.certificate_add(
        person=person or team["lea"], title=title, issuer="Quality Academy",
        issued_on=today - timedelta(days=issued_ago),
        expires_on=None if expires_in is None else today + timedelta(days=expires_in),
        upload=SimpleUploadedFile("c.pdf", content),
        competencies=[team["a"]] if competencies is None else competencies, actor=team["hr"], enrolment=enrolment)
    return evidence.certificate_verify(made, actor=team["hr"]) if verified else made


# --- uploads -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("content, name, says", [
    (EXE, "cert.pdf", "a program (executable)"),
    (HTML, "cert.png", "an HTML or XML document"),
    (b"PK\x03\x04" + b"\x00" * 30, "cert.jpg", "a ZIP archive"),
    (b"Just some text, honestly a PDF", "cert.pdf", "not a PDF, PNG or JPEG file"),
])
def test_a_file_that_is_not_a_pdf_png_or_jpeg_by_content_is_refused_whatever_its_name(
        client, team, private_store, content, name, says):
    """A renamed executable called cert.pdf, HTML called .png, a ZIP, text: 400 with what is accepted; no file
    and no row is stored."""
    client.force_login(team["hr"])
    response = post_certificate(client, team["lea"], content, name)
    assert response.status_code == 400
    page = visible_text(response)
    assert says in page and "Proficio accepts PDF, PNG or JPEG files only" in page
    assert not Certificate.objects.exists() and not EvidenceFile.objects.exists()
    assert stored_files(private_store) == []


def test_an_empty_file_is_refused(client, team, private_store):
    client.force_login(team["hr"])
    response = post_certificate(client, team["lea"], b"", "cert.pdf")
    assert response.status_code == 400
    assert "The file is empty" in visible_text(response) or "The submitted file is empty" in visible_text(response)
    assert not EvidenceFile.objects.exists() and stored_files(private_store) == []


def test_an_oversized_file_is_refused_with_the_limit(client, team, settings, private_store):
    settings.MAX_EVIDENCE_FILE_BYTES = 2 * 1024 * 1024
    client.force_login(team["hr"])
    response = post_certificate(client, team["lea"], PDF + b"\x00" * (2 * 1024 * 1024), "big.pdf")
    assert response.status_code == 400
    assert "The file is 2.0 MB; Proficio accepts evidence files of up to 2.0 MB" in visible_text(response)
    assert not EvidenceFile.objects.exists() and stored_files(private_store) == []


class Upload:
    """An upload that records how much was read from it (and fails if read at all when `unreadable`)."""

    def __init__(self, content: bytes, size: int, unreadable: bool = False):
        self.content, self.size, self.unreadable, self.asked = content, size, unreadable, []
        self.name = "x.pdf"

    def seek(self, position):
        pass

    def read(self, n=-1):
        if self.unreadable:
            raise AssertionError("an oversized file was read")
        self.asked.append(n)
        return self.content if n < 0 else self.content[:n]


def test_the_declared_size_is_checked_before_reading_and_at_most_the_limit_plus_one_byte_is_read(settings):
    settings.MAX_EVIDENCE_FILE_BYTES = 1000
    with pytest.raises(ValidationError, match="The file is 953.7 MB; Proficio accepts evidence files of up to 1 KB"):
        uploads.read_evidence(Upload(b"", size=10**9, unreadable=True))
    lying = Upload(PDF + b"x" * 5000, size=10)  # says 10 bytes, holds 5 KB
    with pytest.raises(ValidationError, match="larger than"):
        uploads.read_evidence(lying)
    assert lying.asked == [1001]


@pytest.mark.parametrize("content, sniffed", [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")])
def test_a_pdf_png_or_jpeg_is_stored_privately_with_the_sniffed_type_and_downloaded_by_record_readers_only(
        client, team, private_store, content, sniffed):
    client.force_login(team["hr"])
    # The browser claims text: the stored type comes from the content.
    response = post_certificate(client, team["lea"], content, "scan.txt", browser_type="text/plain",
                                competencies=[team["a"].pk])
    assert response.status_code == 302, visible_text(response)
    stored = Certificate.objects.select_related("file").get()
    evidence_file = stored.file
    assert (evidence_file.content_type, evidence_file.size, evidence_file.filename) == (
        sniffed, len(content), "scan.txt")
    assert evidence_file.sha256 == hashlib.sha256(content).hexdigest()
    path = Path(evidence_file.file.path).resolve()
    assert path.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
    assert not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert not path.is_relative_to(Path(settings.STATIC_ROOT).resolve())
    assert "scan" not in path.name  # the stored name says nothing about the person or their file
    assert path.read_bytes() == content
    assert list(stored.competencies.all()) == [team["a"]]

    url = reverse("training:certificate_download", kwargs={"pk": stored.pk})
    for who in (team["lea"].user, team["boss"].user, team["hr"]):
        client.force_login(who)
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == content
        assert response["Content-Type"] == sniffed
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
    client.force_login(team["cora"].user)  # another leader: not told it exists
    assert client.get(url).status_code == 404


def test_a_leader_cannot_download_another_leaders_certificate(client, team):
    mine = certificate(team, person=team["cora"])
    client.force_login(team["lea"].user)
    assert client.get(reverse("training:certificate_download", kwargs={"pk": mine.pk})).status_code == 404
    assert client.get(reverse("training:certificate_download", kwargs={"pk": 999999})).status_code == 404


@pytest.mark.parametrize("change, field, message", [
    ({"expires_on": "2000-01-01"}, "expires_on", "The expiry must come after the date it was issued."),
    ({"issued_on": (timezone.localdate() + timedelta(days=3)).isoformat(), "expires_on": ""}, "issued_on",
     "The date cannot be in the future."),
])
def test_impossible_dates_are_refused_and_nothing_is_stored(client, team, private_store, change, field, message):
    client.force_login(team["hr"])
    response = post_certificate(client, team["lea"], PDF, "c.pdf", **change)
    assert response.status_code == 400
    assert message in visible_text(response)
    assert not EvidenceFile.objects.exists() and stored_files(private_store) == []


def test_a_competency_of_an_unpublished_version_is_refused(team):
    from competency import services

    draft = services.version_revise(version=team["version"], actor=team["hr"])
    with pytest.raises(ValidationError, match="published framework versions"):
        certificate(team, competencies=[draft.competencies.first()])
    assert not EvidenceFile.objects.exists()


def test_a_leader_cannot_add_evidence_to_their_own_record_and_a_stranger_is_not_told_it_exists(client, team):
    client.force_login(team["lea"].user)
    assert post_certificate(client, team["lea"], PDF, "c.pdf").status_code == 403
    client.force_login(team["cora"].user)
    assert post_certificate(client, team["lea"], PDF, "c.pdf").status_code == 404
    client.force_login(team["boss"].user)  # the manager may
    assert post_certificate(client, team["lea"], PDF, "c.pdf").status_code == 302
    assert Certificate.objects.get().file.uploaded_by == team["boss"].user


# --- verification --------------------------------------------------------------------------------------------


def test_hr_verifies_a_certificate_once_and_the_history_names_them(client, team):
    made = certificate(team, verified=False)
    url = reverse("training:certificate_verify", kwargs={"pk": made.pk})
    client.force_login(team["boss"].user)
    assert client.post(url).status_code == 403
    quality = UserFactory(role=Role.QUALITY)
    client.force_login(quality)
    assert client.post(url).status_code == 302
    made.refresh_from_db()
    assert made.verified_by == quality and made.verified_at is not None
    assert made.history.first().history_user == quality
    response = client.post(url, follow=True)
    assert "was verified already, by" in visible_text(response)
    assert made.history.count() == 3  # added, competencies linked, verified: the second try changed nothing
    assert history_mismatches() == []


# --- reminders -----------------------------------------------------------------------------------------------


def test_a_certificate_expiring_within_30_days_is_reminded_once_to_the_person_with_the_manager_in_copy(team):
    soon = certificate(team, expires_in=12, title="First aid")
    certificate(team, expires_in=45, title="Forklift")  # later than 30 days
    certificate(team, expires_in=-2, title="Old", issued_ago=400)  # expired already
    certificate(team, expires_in=None, title="Lifelong")
    assert evidence.send_expiry_reminders() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["lea@example.com"] and message.cc == ["boss@example.com"]
    assert "“First aid”" in message.subject
    assert f"expires on {soon.expires_on:%d %b %Y}" in message.body
    assert f"{settings.SITE_URL.rstrip('/')}/training/people/{team['lea'].pk}/record/" in message.body
    soon.refresh_from_db()
    assert soon.expiry_reminded_on == timezone.localdate()
    # Again (the command without Redis, the Celery task with it): nothing is sent twice.
    call_command("send_certificate_reminders")
    assert send_expiry_reminders.apply().get() == 0
    assert len(mail.outbox) == 1
    assert history_mismatches() == []


def test_the_reminder_window_follows_the_setting_and_a_later_day(team, settings):
    settings.CERTIFICATE_REMINDER_DAYS = 60
    certificate(team, expires_in=45, title="Forklift")
    assert evidence.send_expiry_reminders(timezone.localdate() - timedelta(days=20)) == 0  # 65 days away then
    assert evidence.send_expiry_reminders() == 1


# --- sign-offs, qualifications, experience ------------------------------------------------------------------


def test_the_manager_signs_off_as_the_named_assessor_on_the_scale(client, team):
    client.force_login(team["boss"].user)
    url = reverse("training:signoff_add", kwargs={"pk": team["lea"].pk})
    today = timezone.localdate().isoformat()
    data = {"competency": team["a"].pk, "level": 6, "statement": "Competent to work unsupervised",
            "method": "observation", "signed_on": today}
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Level 6 is not on the scale of A0-00: choose one of 1, 2, 3, 4, 5." in visible_text(response)
    assert not SignOff.objects.exists()
    assert client.post(url, {**data, "level": 3}).status_code == 302
    sign_off = SignOff.objects.get()
    assert (sign_off.assessor, sign_off.level, sign_off.method) == (team["boss"].user, 3, "observation")
    assert sign_off.history.get().history_user == team["boss"].user
    client.force_login(team["lea"].user)  # a leader does not sign off themself
    assert client.post(url, {**data, "level": 3}).status_code == 403


def test_qualifications_and_experience_go_on_the_record_with_their_history(client, team):
    client.force_login(team["hr"])
    lea = team["lea"]
    response = client.post(reverse("training:qualification_add", kwargs={"pk": lea.pk}), {
        "kind": "degree", "title": "MSc Quality Management", "issuer": "Uni", "awarded_on": "2015-06-30",
        "competencies": [team["b"].pk], "file": SimpleUploadedFile("d.jpg", JPEG)})
    assert response.status_code == 302, visible_text(response)
    response = client.post(reverse("training:experience_add", kwargs={"pk": lea.pk}), {
        "role": "Plant manager", "organisation": "Acme", "started_on": "2018-01-01", "ended_on": "2017-01-01"})
    assert response.status_code == 400 and "The end cannot come before the start." in visible_text(response)
    response = client.post(reverse("training:experience_add", kwargs={"pk": lea.pk}), {
        "role": "Plant manager", "organisation": "Acme", "started_on": "2018-01-01", "ended_on": "2020-12-31",
        "competencies": [team["b"].pk]})
    assert response.status_code == 302
    qualification, experience = lea.qualifications.get(), lea.experience.get()
    assert qualification.file.content_type == "image/jpeg"
    assert experience.recorded_by == team["hr"]
    assert qualification.history.first().history_user == team["hr"] == experience.history.first().history_user
    assert history_mismatches() == []


# --- the record ----------------------------------------------------------------------------------------------


def completed_training(team, programme_title="Metrics coaching", competency=None):
    hr = team["hr"]
    programme = Programme.objects.create(title=programme_title, kind=ProgrammeKind.COACHING, duration_hours=4,
                                         created_by=hr)
    ProgrammeTarget.objects.create(programme=programme, competency=competency or team["b"], level=2)
    start = timezone.now() - timedelta(days=20)
    session = Session.objects.create(programme=programme, starts_at=start, ends_at=start + timedelta(hours=4),
                                     capacity=10, created_by=hr)
    return Enrolment.objects.create(session=session, person=team["lea"], status=EnrolmentStatus.COMPLETED,
                                    requested_by=hr, completed_on=timezone.localdate() - timedelta(days=19))


def record_rows(response) -> dict[str, str]:
    import re

    html = response.content.decode()
    rows = re.findall(r'<tr data-code="([^"]+)" data-evidence="([^"]+)">(.*?)</tr>', html, re.S)
    return {code: (state, " ".join(re.sub(r"<[^>]+>", " ", body).split())) for code, state, body in rows}


def test_the_record_shows_per_requirement_which_evidence_exists_and_flags_expired_certificates(client, team):
    today = timezone.localdate()
    expired = certificate(team, expires_in=-1, issued_ago=400, title="Old auditor")
    certificate(team, verified=False, title="Unverified auditor")  # not evidence until verified
    evidence.signoff_add(person=team["lea"], competency=team["b"], level=1, statement="", method="observation",
                         signed_on=today, actor=team["boss"].user)  # below the required 2: not shown as evidence
    completed_training(team)
    client.force_login(team["boss"].user)
    response = client.get(reverse("training:record", kwargs={"pk": team["lea"].pk}))
    assert response.status_code == 200
    rows = record_rows(response)
    state_a, text_a = rows["A0-00"]
    assert state_a == "yes"
    assert f"Certificate: Old auditor (Quality Academy, {expired.issued_on:%-d %b %Y}) expired on " \
           f"{expired.expires_on:%-d %b %Y}" in text_a
    assert "Unverified auditor" not in text_a
    assert 'class="text-danger" data-testid="expired">expired on' in response.content.decode()
    state_b, text_b = rows["A0-01"]
    assert state_b == "none"
    assert "No evidence" in text_b
    assert "Completed Metrics coaching" in text_b and "attendance alone is not evidence" in text_b
    page = visible_text(response)
    assert "Unverified auditor" in page and "awaiting verification" in page  # listed below, for HR to verify

    # A sign-off at the required level is evidence; the training then has other evidence beside it.
    evidence.signoff_add(person=team["lea"], competency=team["b"], level=2, statement="", method="observation",
                         signed_on=today, actor=team["boss"].user)
    response = client.get(reverse("training:record", kwargs={"pk": team["lea"].pk}))
    state_b, text_b = record_rows(response)["A0-01"]
    assert state_b == "yes" and "Sign-off at level 2 by" in text_b and "attendance alone" not in text_b
    assert "attendance alone is not evidence" not in visible_text(response)


def review(enrolment, competency, *, effective, reviewer, reviewed=True):
    today = timezone.localdate()
    return EffectivenessReview.objects.create(
        enrolment=enrolment, competency=competency, due_on=today, planned_method=ReviewMethod.OBSERVATION,
        effective=effective if reviewed else None, reviewed_by=reviewer if reviewed else None,
        reviewed_on=today - timedelta(days=2) if reviewed else None)


def test_an_effective_review_is_evidence_on_the_record_and_a_pending_or_ineffective_one_is_not(client, team):
    """A completed training whose review found it effective for a requirement is evidence for that
    requirement, named with the programme, the date and the reviewer; a review pending or finding it not
    effective leaves the training as attendance only."""
    boss = team["boss"].user
    boss.first_name, boss.last_name = "Bo", "Boss"
    boss.save()
    worked = completed_training(team, programme_title="Metrics coaching", competency=team["b"])
    review(worked, team["b"], effective=True, reviewer=boss)
    failed = completed_training(team, programme_title="Audit basics", competency=team["a"])
    review(failed, team["a"], effective=False, reviewer=boss)
    pending = completed_training(team, programme_title="Audit refresher", competency=team["a"])
    review(pending, team["a"], effective=None, reviewer=boss, reviewed=False)
    client.force_login(boss)
    response = client.get(reverse("training:record", kwargs={"pk": team["lea"].pk}))
    rows = record_rows(response)
    state_b, text_b = rows["A0-01"]
    reviewed_on = timezone.localdate() - timedelta(days=2)
    assert state_b == "yes"
    assert f"Effective training: Metrics coaching, reviewed {reviewed_on:%-d %b %Y} by Bo Boss" in text_b
    assert "attendance alone" not in text_b
    state_a, text_a = rows["A0-00"]
    assert state_a == "none" and "Effective training" not in text_a
    assert "Completed Audit basics" in text_a and "Completed Audit refresher" in text_a
    assert "attendance alone is not evidence" in text_a
    trainings = response.content.decode().split('data-testid="trainings"')[1].split("</ul>")[0]
    assert "Metrics coaching" in trainings and visible_text(response).count("attendance alone is not evidence") == 4


def test_the_record_is_read_by_the_person_their_manager_and_readers_only(client, team):
    url = reverse("training:record", kwargs={"pk": team["lea"].pk})
    for who, status in ((team["lea"].user, 200), (team["boss"].user, 200), (team["hr"], 200),
                        (UserFactory(auditor=True), 200), (team["cora"].user, 404)):
        client.force_login(who)
        assert client.get(url).status_code == status


def fill_record(team, count: int) -> None:
    today = timezone.localdate()
    for n in range(count):
        certificate(team, title=f"Certificate {n}", competencies=[team["a"], team["b"]])
        evidence.qualification_add(person=team["lea"], kind="degree", title=f"Degree {n}", issuer="Uni",
                                   awarded_on=today, expires_on=None, competencies=[team["a"]], actor=team["hr"])
        evidence.experience_add(person=team["lea"], role=f"Role {n}", organisation="Acme", started_on=today,
                                ended_on=None, competencies=[team["b"]], actor=team["hr"])
        evidence.signoff_add(person=team["lea"], competency=team["a"], level=3, statement="", method="test",
                             signed_on=today, actor=team["hr"])
        trained = completed_training(team, programme_title=f"Programme {n}")
        review(trained, team["b"], effective=True, reviewer=team["hr"])


@pytest.mark.parametrize("count", [2, 8])
def test_the_record_page_keeps_its_query_count_whatever_the_record_holds(client, team, count,
                                                                         django_assert_num_queries):
    fill_record(team, count)
    client.force_login(team["boss"].user)
    url = reverse("training:record", kwargs={"pk": team["lea"].pk})
    client.get(url)  # warm the session
    with django_assert_num_queries(QUERIES):
        response = client.get(url)
    html = response.content.decode()
    assert html.count("Certificate: Certificate") == 2 * count  # under A0-00 and A0-01
    assert html.count("Effective training: Programme") == count  # under A0-01


QUERIES = 16


def test_an_expired_certificate_is_flagged_on_the_leaders_gaps_page(client):
    """The gaps page shows competence too: an expired certificate of the leader's is flagged there, with
    the date it expired, and a valid one is not."""
    from datetime import timedelta

    from django.urls import reverse
    from django.utils import timezone

    from assessments.models import CellLabel
    from tests.gaps.builders import analyse, stored_cycle, stored_leader
    from training.models import Certificate, EvidenceFile

    cycle, (a, _b) = stored_cycle(code="flag")
    participant = stored_leader(cycle, requirements={a: (3, 1, False)}, cells={a: {CellLabel.MANAGER: 2}})
    analyse(cycle)
    person, today = participant.person, timezone.localdate()
    for title, expires in (("First aid", today - timedelta(days=3)), ("Lead auditor", today + timedelta(days=300))):
        stored = EvidenceFile.objects.create(file=f"evidence/x/{title}", filename=f"{title}.pdf", content_type="application/pdf",
                                             size=10, sha256=title.ljust(64, "0")[:64], uploaded_by=cycle.created_by)
        Certificate.objects.create(person=person, title=title, issuer="Red Cross", issued_on=today - timedelta(days=900),
                                   expires_on=expires, file=stored)
    client.force_login(person.user)
    html = client.get(reverse("gaps:mine")).content.decode()
    flagged = html.split('data-testid="expired-certificates"', 1)[1].split("</div>", 1)[0]
    assert "First aid" in flagged and f"expired on {(today - timedelta(days=3)):%-d %b %Y}" in flagged
    assert "Lead auditor" not in flagged
