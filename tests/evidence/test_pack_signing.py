"""The packs' PAdES signature: Proficio's self-signed certificate made at set-up (once), or the
organisation's own when configured; what it signs validates with pyHanko and a changed byte breaks it."""

from __future__ import annotations

import datetime as dt
import stat

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from core.pdf import render_pdf
from evidence import signing_pdf
from evidence.signing_pdf import check_signature, sign_pdf
from tests.documents.pdfcheck import check_pdf


@pytest.fixture
def own_folder(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT / signing_pdf.FOLDER


def a_pdf() -> bytes:
    return render_pdf("pdf/base.html", {}, title="Signed document")


def test_the_command_creates_the_self_signed_certificate_once(own_folder, capsys):
    call_command("ensure_pack_certificate")
    assert "Created:" in capsys.readouterr().out
    key = own_folder / signing_pdf.KEY_FILE
    assert (own_folder / signing_pdf.CERT_FILE).is_file() and key.is_file()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600  # the private key is readable by its owner only
    made = key.read_bytes()
    call_command("ensure_pack_certificate")
    assert "Already there:" in capsys.readouterr().out
    assert key.read_bytes() == made


def test_signing_creates_the_certificate_when_set_up_did_not(own_folder):
    assert not own_folder.exists()
    signed = sign_pdf(a_pdf())
    assert own_folder.is_dir()
    check = check_signature(signed)
    assert check.valid and check.intact and check.ours and check.whole_file
    assert "self-signed" in check.signer


def test_a_signed_pdf_stays_pdf_a_3b():
    check_pdf(sign_pdf(a_pdf()))


def test_a_changed_byte_or_an_appended_revision_breaks_the_signature():
    signed = sign_pdf(a_pdf())
    changed = bytearray(signed)
    index = changed.index(b"Signed document")
    changed[index] = ord("Z")
    assert not check_signature(bytes(changed)).valid
    appended = signed + b"\n1 0 obj\n(added later)\nendobj\n"
    assert not check_signature(appended).valid


def test_an_unsigned_file_has_no_signature():
    check = check_signature(a_pdf())
    assert not check.present and check.problem == "The file carries no signature."


def _organisation_certificate(folder, password: bytes):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Acme Quality Office")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "org.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "org.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.BestAvailableEncryption(password)))
    return folder / "org.pem", folder / "org.key"


def test_the_organisations_certificate_signs_when_configured(settings, tmp_path, own_folder):
    cert, key = _organisation_certificate(tmp_path / "org", b"s3cret")
    settings.EVIDENCE_SIGNING_CERT, settings.EVIDENCE_SIGNING_KEY = str(cert), str(key)
    settings.EVIDENCE_SIGNING_KEY_PASSWORD = "s3cret"
    check = check_signature(sign_pdf(a_pdf()))
    assert check.valid and check.signer == "Common Name: Acme Quality Office"
    assert not own_folder.exists()  # no self-signed certificate is made beside it


def test_half_a_configuration_stops_with_a_clear_message(settings, tmp_path):
    settings.EVIDENCE_SIGNING_CERT, settings.EVIDENCE_SIGNING_KEY = str(tmp_path / "missing.pem"), ""
    with pytest.raises(ImproperlyConfigured, match="Set both EVIDENCE_SIGNING_CERT and EVIDENCE_SIGNING_KEY"):
        sign_pdf(a_pdf())
