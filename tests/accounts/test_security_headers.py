"""Names and descriptions come from users and imported files: pages never run what they contain."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import build_framework, publish

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_no_template_has_inline_event_handlers_or_scripts():
    for path in TEMPLATES.rglob("*.html"):
        source = path.read_text()
        assert not re.search(r"\son[a-z]+\s*=", source), path
        assert not re.search(r"<script>(?!</script>)|<script\s+(?!src=)", source), path


def test_pages_carry_a_content_security_policy_that_forbids_inline_scripts(client, hr):
    client.force_login(hr)
    policy = client.get("/frameworks/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src-attr")[0]


def test_a_framework_name_with_script_is_shown_as_text(client, draft, hr):
    draft.framework.name = "Sales'+(document.title='PWNED')+'<script>alert(1)</script>"
    draft.framework.save()
    build_framework(draft, areas=1, per_area=1)
    v1 = publish(draft, hr)
    client.force_login(hr)
    page = client.get(f"/frameworks/versions/{v1.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert 'data-confirm="Retire Sales&#x27;+(document.title=&#x27;PWNED&#x27;)' in page


def test_an_html_description_keeps_its_lists_and_loses_its_scripts(client, draft, hr):
    from competency import services

    area = services.area_create(version=draft, code="A", name="Area",
                                description="<p>Clusters:</p><ul><li>Delivery</li><li>Strategy</li></ul>"
                                            '<script>alert(1)</script><img src=x onerror="alert(2)">')
    services.competency_create(area=area, code="A-1", name="One", description="Plain text & <b>bold</b>")
    client.force_login(hr)
    page = client.get(f"/frameworks/versions/{draft.pk}/").content.decode()
    assert "<ul><li>Delivery</li><li>Strategy</li></ul>" in page
    assert "alert(1)" not in page and "onerror" not in page
    assert "<b>bold</b>" in page  # markup in a description is sanitised HTML, not escaped text


def test_every_page_names_its_icon(client):
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in client.get("/accounts/login/").content.decode()
    assert client.get("/static/favicon.svg").status_code == 200
