"""The PAdES signature of evidence packs (pyHanko), and checking one.

A pack is signed with the organisation's certificate when one is configured (settings
`EVIDENCE_SIGNING_CERT`, `EVIDENCE_SIGNING_KEY`, `EVIDENCE_SIGNING_KEY_PASSWORD`: paths and password from
the environment), else with a self-signed one Proficio creates once (`manage.py ensure_pack_certificate`,
or lazily on the first signing) under `PRIVATE_MEDIA_ROOT/evidence-signing/`, never in the repository.

The signature is an incremental update (the rendered PDF/A-3b bytes stay untouched before it), invisible
(a zero-size widget, which PDF/A allows without an appearance), and covers the whole file: any byte changed
afterwards makes every PDF reader, and `check_signature`, report it.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

FIELD_NAME = "ProficioEvidencePack"
FOLDER = "evidence-signing"
CERT_FILE = "certificate.pem"
KEY_FILE = "key.pem"
#: The self-signed certificate lasts long enough to outlive the packs an audit cycle asks for.
VALID_DAYS = 10 * 365


@dataclass(frozen=True)
class SigningMaterial:
    cert_path: Path
    key_path: Path
    password: bytes | None
    self_signed: bool


def _configured() -> SigningMaterial | None:
    cert = getattr(settings, "EVIDENCE_SIGNING_CERT", "") or ""
    key = getattr(settings, "EVIDENCE_SIGNING_KEY", "") or ""
    if not cert and not key:
        return None
    if not (cert and key):
        raise ImproperlyConfigured("Set both EVIDENCE_SIGNING_CERT and EVIDENCE_SIGNING_KEY (or neither).")
    for path in (cert, key):
        if not Path(path).is_file():
            raise ImproperlyConfigured(f"The evidence signing file {path} does not exist.")
    password = getattr(settings, "EVIDENCE_SIGNING_KEY_PASSWORD", "") or ""
    return SigningMaterial(Path(cert), Path(key), password.encode() or None, self_signed=False)


def self_signed_folder() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / FOLDER


def ensure_self_signed(*, organisation: str | None = None) -> tuple[Path, bool]:
    """The folder with Proficio's self-signed certificate and key, created when missing; (folder, created).

    Safe when two workers start at once: each writes into a temporary folder and renames it into place;
    the loser of the race throws its own away and uses the winner's."""
    folder = self_signed_folder()
    if (folder / CERT_FILE).is_file() and (folder / KEY_FILE).is_file():
        return folder, False
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    from core.pdf import organisation_name

    name_text = organisation or organisation_name()
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, name_text[:64]),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{name_text[:40]} evidence packs (Proficio, self-signed)"),
    ])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=VALID_DAYS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".evidence-signing-", dir=folder.parent))
    try:
        (staging / CERT_FILE).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path = staging / KEY_FILE
        descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
        os.chmod(staging, 0o700)
        try:
            os.rename(staging, folder)
        except OSError:  # another process got there first (or an empty folder is in the way)
            if (folder / CERT_FILE).is_file() and (folder / KEY_FILE).is_file():
                return folder, False
            raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    _signer.cache_clear()
    return folder, True


def signing_material() -> SigningMaterial:
    configured = _configured()
    if configured is not None:
        return configured
    folder, _created = ensure_self_signed()
    return SigningMaterial(folder / CERT_FILE, folder / KEY_FILE, None, self_signed=True)


@lru_cache(maxsize=4)
def _signer(cert_path: str, key_path: str, password: bytes | None, mtime: float):
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load(key_path, cert_path, key_passphrase=password)
    if signer is None:
        raise ImproperlyConfigured(f"The evidence signing key {key_path} or certificate {cert_path} "
                                   "could not be loaded (wrong password or format?).")
    return signer


def current_signer():
    material = signing_material()
    mtime = material.cert_path.stat().st_mtime + material.key_path.stat().st_mtime
    return _signer(str(material.cert_path), str(material.key_path), material.password, mtime)


def signing_certificate():
    """The certificate packs are signed with now (asn1crypto), the trust anchor of `check_signature`."""
    return current_signer().signing_cert


def _outside_event_loop(function, *args, **kwargs):
    """Runs `function` here, or in a thread of its own when this thread already runs an asyncio loop:
    pyHanko's synchronous calls start a loop of their own (asyncio.run), which a running loop refuses
    (a Celery worker has none; a test process that drove Playwright's sync API does)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def sign_pdf(data: bytes, *, reason: str = "Evidence pack generated by Proficio") -> bytes:
    """`data` (a PDF/A-3b file) with a PAdES baseline signature appended as an incremental update."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.metadata.model import VENDOR
    from pyhanko.sign import fields, signers

    from core.pdf import organisation_name

    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    # PDF/A wants the document information's Producer to equal the XMP pdf:Producer; pyHanko sets the
    # XMP one to its own name and appends that name to the information's: make both the same.
    info_ref = writer.trailer.raw_get("/Info") if "/Info" in writer.trailer else None
    if info_ref is not None:
        info = info_ref.get_object()
        info["/Producer"] = generic.TextStringObject(VENDOR)
        writer.mark_update(info_ref)
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, reason=reason, location=organisation_name(), md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES)
    pdf_signer = signers.PdfSigner(metadata, signer=current_signer(),
                                   new_field_spec=fields.SigFieldSpec(sig_field_name=FIELD_NAME))
    return _outside_event_loop(pdf_signer.sign_pdf, writer).getvalue()


@dataclass(frozen=True)
class SignatureCheck:
    present: bool
    intact: bool = False  # the signed bytes hash to what was signed
    ours: bool = False  # signed with the certificate Proficio signs packs with now
    whole_file: bool = False  # nothing was added after the signature
    signer: str = ""
    signed_at: dt.datetime | None = None
    problem: str = ""

    @property
    def valid(self) -> bool:
        return self.present and self.intact and self.ours and self.whole_file


def check_signature(data: bytes) -> SignatureCheck:
    """Whether `data` carries our pack signature, unbroken, over the whole file."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError) as error:
        return SignatureCheck(present=False, problem=f"The file cannot be read as a PDF ({error}).")
    if not signatures:
        return SignatureCheck(present=False, problem="The file carries no signature.")
    signature = signatures[-1]
    anchor = signing_certificate()
    try:
        status = _outside_event_loop(validate_pdf_signature, signature, ValidationContext(trust_roots=[anchor]))
    except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError) as error:
        return SignatureCheck(present=True, problem=f"The signature cannot be checked ({error}).")
    cert = status.signing_cert
    ours = cert is not None and cert.sha256 == anchor.sha256
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    problem = ""
    if not status.intact or not status.valid:
        problem = "The signed content was changed after signing."
    elif not ours:
        problem = "It was signed with another certificate than the one Proficio signs packs with."
    elif not whole:
        problem = "Something was added to the file after it was signed."
    return SignatureCheck(present=True, intact=bool(status.intact and status.valid), ours=ours, whole_file=whole,
                          signer=cert.subject.human_friendly if cert is not None else "",
                          signed_at=status.signer_reported_dt, problem=problem)
