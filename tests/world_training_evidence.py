"""The training world's evidence objects (tests/world.py calls add(world) in order: catalogue, enrolments,
evidence, reviews).

    certificate          `leader`'s certificate for the published competency, a small real PDF, verified by hr
    expired_certificate  `manager`'s certificate (a PNG), verified, expired yesterday
"""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17


def add(world) -> None:
    from training.services import evidence

    hr = world.user("hr")
    today = timezone.localdate()
    competency = world.objects["published_competency"]
    certificate = evidence.certificate_add(
        person=world.people["leader"], title="ISO 9001 internal auditor", issuer="Quality Academy",
        issued_on=today - timedelta(days=200), expires_on=today + timedelta(days=700),
        upload=SimpleUploadedFile("auditor.pdf", PDF, content_type="application/pdf"),
        competencies=[competency], actor=hr)
    expired = evidence.certificate_add(
        person=world.people["manager"], title="First aid", issuer="Red Cross",
        issued_on=today - timedelta(days=800), expires_on=today - timedelta(days=1),
        upload=SimpleUploadedFile("first-aid.png", PNG, content_type="image/png"),
        competencies=[competency], actor=hr)
    world.objects.update(certificate=evidence.certificate_verify(certificate, actor=hr),
                         expired_certificate=evidence.certificate_verify(expired, actor=hr))
