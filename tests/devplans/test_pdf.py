"""The plan PDF: the person, role, status, objectives with current → target level and ISO clauses, the
actions with owners and resources, the timeline, the gap chart and the signatures (valid, or superseded
once the plan has changed); its source is JSON-able and changes with what it shows."""

from __future__ import annotations

import json
import re

import pytest

from devplans.models import Plan
from devplans.pdf import plan_filename, plan_pdf_source, render_plan_pdf
from devplans.services import flow
from signatures.services import signatures_for
from tests.documents.pdfcheck import check_pdf, pdf_text

pytestmark = pytest.mark.django_db


def test_the_pdf_holds_the_objectives_actions_timeline_and_signature(org, approved):
    data = render_plan_pdf(approved)
    check_pdf(data)
    shown = " ".join(pdf_text(data).split())
    assert "Development plan: Lena Leader" in shown
    assert org.role.name in shown and "Approved · version 1" in shown
    for code in ("A0-01", "A0-02", "A0-00"):
        assert code in shown
    assert re.search(r"A0-02 Competency 0.2 Level: 2\s*→\s*4 · due [0-9-]+ ISO 9001 clauses: 7.2 Competence", shown)
    assert "Planning workshop" in shown and "Mona Manager" in shown and "450" in shown
    assert "Timeline" in shown and "effectiveness check" in shown
    signature = signatures_for(approved)[0]
    assert "Valid" in shown and signature.content_sha256 in shown.replace(" ", "")
    assert "UTC" in shown and "Manager of Lena Leader" in shown


def test_a_changed_plan_prints_its_signature_as_superseded(org, approved):
    flow.plan_reopen(approved, actor=org.leader.user)
    shown = " ".join(pdf_text(render_plan_pdf(Plan.objects.get(pk=approved.pk))).split())
    assert "Superseded" in shown and "Valid" not in shown and "Draft · version 2" in shown


def test_the_source_is_json_and_changes_only_with_what_the_pdf_shows(org, approved):
    first = plan_pdf_source(approved)
    assert json.loads(json.dumps(first)) == first
    assert plan_pdf_source(approved) == first
    flow.plan_reopen(approved, actor=org.leader.user)
    assert plan_pdf_source(approved) != first
    assert plan_filename(Plan.objects.get(pk=approved.pk)) == f"plan-lena-leader-{approved.pk}-v2.pdf"
