"""`manage.py ensure_pack_certificate`: creates the self-signed certificate evidence packs are signed with,
unless the organisation's own is configured (EVIDENCE_SIGNING_CERT / EVIDENCE_SIGNING_KEY) or it exists."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from evidence.signing_pdf import _configured, ensure_self_signed, signing_certificate


class Command(BaseCommand):
    help = "Create Proficio's self-signed certificate for signing evidence packs (when none is configured)."

    def handle(self, *args, **options) -> None:
        if _configured() is not None:
            cert = signing_certificate()
            self.stdout.write(f"The organisation's certificate is configured: {cert.subject.human_friendly}.")
            return
        folder, created = ensure_self_signed()
        cert = signing_certificate()
        state = "Created" if created else "Already there"
        self.stdout.write(f"{state}: {folder} — {cert.subject.human_friendly}, valid until "
                          f"{cert.not_valid_after:%Y-%m-%d}, SHA-256 fingerprint {cert.sha256.hex()}.")
