"""The admin adds and deletes nothing; only org units and people, whose saves go through the services,
can be changed there."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory

from accounts.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGED_THROUGH_SERVICES = {"profiles.orgunit", "profiles.person"}


def test_every_admin_page_and_inline_adds_and_deletes_nothing():
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(role=Role.HR, is_staff=True, is_superuser=True)
    changeable = set()
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        inlines = model_admin.get_inline_instances(request)
        for page in [model_admin, *inlines]:
            assert not page.has_add_permission(request), label
            assert not page.has_delete_permission(request), label
        assert not any(inline.has_change_permission(request) for inline in inlines), label
        if model_admin.has_change_permission(request):
            changeable.add(label)
    assert changeable == CHANGED_THROUGH_SERVICES


def test_read_only_pages_with_inlines_open(client, scale):
    client.force_login(UserFactory(role=Role.HR, is_staff=True, is_superuser=True))
    for url in ["/admin/competency/proficiencyscale/", f"/admin/competency/proficiencyscale/{scale.pk}/change/",
                "/admin/competency/isoclause/", "/admin/accounts/invitation/", "/admin/profiles/roleprofile/",
                "/admin/axes/accessattempt/"]:
        assert client.get(url).status_code == 200, url
