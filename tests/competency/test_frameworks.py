"""The framework list, a framework's own page, and tidying up: renaming, describing, deleting drafts."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError

from competency import services
from competency.models import Competency, Framework, FrameworkVersion
from core.history import history_mismatches
from tests.factories import UserFactory
from tests.helpers import build_framework, publish, text

pytestmark = pytest.mark.django_db


def test_the_list_counts_each_frameworks_own_competencies(client, draft, hr, scale):
    build_framework(draft, areas=1, per_area=3)
    services.framework_create(name="Empty", code="empty", description="", scale=scale, owner=hr)
    client.force_login(hr)
    page = text(client.get("/frameworks/"))
    rows = re.findall(r'class="fw-semibold">([^<]+)</a>.*?<td class="text-end">(\d+)</td>', page, re.S)
    assert dict(rows) == {"Empty": "0", "Leadership": "3"}


def test_readers_are_not_told_about_drafts(client, draft, hr):
    build_framework(draft, areas=1, per_area=1)
    v1 = publish(draft, hr)
    services.version_revise(version=v1, actor=hr)
    client.force_login(UserFactory())
    page = text(client.get("/frameworks/"))
    assert ">v2<" not in page and "Draft" not in page and "v1" in page
    filtered = text(client.get("/frameworks/?status=draft"))  # not a choice for readers: refused, not answered
    assert "Select a valid choice" in filtered and ">v2<" not in filtered


def test_readers_are_not_told_about_drafts_after_the_api_schema_was_built(client, draft, hr):
    """The OpenAPI schema builds the class's filter fields with every status; a reader's page must not show them."""
    from competency.filters import FrameworkFilter

    assert "draft" in dict(FrameworkFilter.base_filters["status"].field.choices)  # as the schema generator does
    build_framework(draft, areas=1, per_area=1)
    client.force_login(UserFactory())
    page = text(client.get("/frameworks/"))
    assert "Draft" not in page


def test_the_list_costs_the_same_for_few_or_many_frameworks(client, hr, scale, django_assert_num_queries):
    client.force_login(hr)
    for number in range(3):
        services.framework_create(name=f"F{number}", code=f"f{number}", description="", scale=scale, owner=hr)
    # session, user, the count of the page, the page with its versions and counts as subqueries
    with django_assert_num_queries(4):
        assert client.get("/frameworks/").status_code == 200
    for number in range(3, 20):
        services.framework_create(name=f"F{number}", code=f"f{number}", description="", scale=scale, owner=hr)
    with django_assert_num_queries(4):
        assert client.get("/frameworks/").status_code == 200


def test_hr_renames_and_describes_a_framework_and_the_history_says_who(client, draft, hr):
    build_framework(draft, areas=1, per_area=1)
    publish(draft, hr)
    client.force_login(hr)
    framework = draft.framework
    response = client.post(f"/frameworks/{framework.pk}/edit/", {"name": "Leadership for quality",
                                                                 "description": "<p>What our leaders do.</p>"})
    assert response.status_code == 302
    framework.refresh_from_db()
    assert framework.name == "Leadership for quality"
    assert "What our leaders do." in text(client.get(f"/frameworks/{framework.pk}/"))
    newest = framework.history.latest()
    assert (newest.name, newest.history_user) == ("Leadership for quality", hr)
    assert client.post(f"/frameworks/{framework.pk}/edit/", {"name": "", "description": ""}).status_code == 400
    framework.refresh_from_db()
    assert framework.name == "Leadership for quality"


def test_a_framework_that_never_left_draft_can_be_deleted_with_its_content(client, draft, hr):
    build_framework(draft, areas=2, per_area=2)
    client.force_login(hr)
    page = text(client.get(f"/frameworks/{draft.framework_id}/"))
    assert "Delete</a>" in page
    assert client.get(f"/frameworks/{draft.framework_id}/delete/").status_code == 200
    response = client.post(f"/frameworks/{draft.framework_id}/delete/")
    assert response.status_code == 302
    assert not Framework.objects.exists() and not FrameworkVersion.objects.exists() and not Competency.objects.exists()
    assert "Leadership deleted." in text(client.get(response.url))
    assert history_mismatches() == []  # every deleted record's history ends with its deletion


def test_a_framework_that_was_reviewed_stays_on_record(client, draft, hr):
    build_framework(draft, areas=1, per_area=1)
    services.version_submit_for_review(version=draft, actor=hr)
    client.force_login(hr)
    response = client.post(f"/frameworks/{draft.framework_id}/delete/")
    assert response.status_code == 403
    assert "only a framework whose versions are all drafts can be deleted" in text(response)
    with pytest.raises(ValidationError, match="only a framework whose versions are all drafts"):
        services.framework_delete(framework=draft.framework, actor=hr)  # the service checks again, under its lock
    assert Framework.objects.exists()
    services.version_return_to_draft(version=draft, actor=hr)
    assert client.post(f"/frameworks/{draft.framework_id}/delete/").status_code == 302


def test_readers_cannot_edit_or_delete_frameworks(client, draft, hr):
    build_framework(draft, areas=1, per_area=1)
    v1 = publish(draft, hr)
    client.force_login(UserFactory())
    assert client.post(f"/frameworks/{v1.framework_id}/edit/", {"name": "Mine", "description": ""}).status_code == 403
    assert Framework.objects.get().name == "Leadership"
