"""At phone width no page is wider than the screen: wide tables scroll inside themselves."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import sign_in
from tests.factories import TEST_PASSWORD
from tests.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_main_pages_fit_a_phone(phone_page, live_server):
    world = build_world()
    page, base = phone_page, live_server.url
    sign_in(page, base, world.user("hr").email, TEST_PASSWORD)
    profile, person = world.objects["profile_leader"], world.people["leader"]
    paths = [
        "/", "/frameworks/", f"/frameworks/versions/{world.objects['published'].pk}/",
        f"/frameworks/versions/{world.objects['review'].pk}/review/", "/profiles/", f"/profiles/{profile.pk}/",
        f"/profiles/{profile.pk}/requirements/", f"/profiles/{profile.pk}/behaviours/", "/people/",
        f"/people/{person.pk}/", "/org/", "/people/import/", "/frameworks/import/",
    ]
    too_wide = []
    for path in paths:
        page.goto(base + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            too_wide.append(f"{path}: {width}px")
    assert not too_wide, too_wide
