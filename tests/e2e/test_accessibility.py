"""Every page a role can open passes an automated WCAG 2.1 AA check (axe-core) in the browser.

The pages come from the access matrix (tests/access.py): each row whose GET answers 200 for the role,
with its objects from tests/world.py, one URL per URL name, so a page added to the matrix is checked
here without a change to this file. Each role signs in once and keeps its browser context.

Every page is fetched for every role; axe runs on each distinct page: when a URL name's main content
is the same, byte for byte, as one another role already had checked (HR's and quality's views of most
pages are), the result could not differ and the page is not checked twice. The shell around it (the
navigation of each role) is checked on every role's pages that are checked.

axe-core is the copy bundled with axe-playwright-python, injected into the page: nothing is fetched
from the network.
"""

from __future__ import annotations

import hashlib
import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.access import pages
from tests.e2e.conftest import sign_in
from tests.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIGNED_IN_ROLES = ("hr", "quality", "auditor", "leader", "manager")
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
#: Third-party interfaces, not Proficio's pages: Django's admin (HR as staff) and Swagger UI, the API's
#: explorer for integrators (drf-spectacular-sidecar's own markup and CSS); the API reference page is ours.
NOT_OURS = {"admin:*", "api:explorer"}
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]}
_MAIN = re.compile(r"<main\b.*?</main>", re.S)
# What differs between two renders of the same content: the session's CSRF token, the request's nonce.
_PER_REQUEST = re.compile(r'(name="csrfmiddlewaretoken" value|nonce)="[^"]*"')


def content_key(html: str) -> str | None:
    """The fingerprint of a page's main content; None for a fragment (a polled progress bar, a status
    panel) that is checked inside the page that includes it."""
    if not html.lstrip()[:15].lower().startswith("<!doctype html"):
        return None
    main = _MAIN.search(html)
    return hashlib.sha256(_PER_REQUEST.sub("", main.group(0) if main else html).encode()).hexdigest()


def violations_on(page, axe: Axe, url: str) -> list[str]:
    found = []
    for violation in axe.run(page, options=AXE_OPTIONS).response["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        for node in violation["nodes"]:
            target = " ".join(map(str, node["target"]))
            found.append(f"{url}: {violation['id']} ({violation['impact']}) at {target} — {violation['help']}")
    return found


def test_every_page_of_every_role_has_no_serious_or_critical_wcag_violation(browser, live_server):
    world = build_world()
    axe = Axe()
    checked: set[tuple[str, str]] = set()
    problems: dict[str, list[str]] = {}
    pages_checked: dict[str, int] = {}
    for role in SIGNED_IN_ROLES:
        context = browser.new_context(reduced_motion="reduce", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            sign_in(page, live_server.url, world.user(role).email)
            for row, url in pages(role, world, skip=NOT_OURS):
                name = row.name
                # `page.request` shares the signed-in session; it reads the page without rendering it.
                response = page.request.get(live_server.url + url, max_redirects=0)
                assert response.status == 200, f"{name} ({url}) answered {response.status} for {role}"
                if not response.headers.get("content-type", "").startswith("text/html"):
                    continue  # a file (CSV, XLSX, PDF), not a page
                key = content_key(response.text())
                if key is None or (name, key) in checked:
                    continue
                checked.add((name, key))
                # Stylesheets block the scripts at the end of <body>, so the page is styled by now.
                page.goto(live_server.url + url, wait_until="domcontentloaded")
                pages_checked[role] = pages_checked.get(role, 0) + 1
                problems[role] = problems.get(role, []) + violations_on(page, axe, url)
        finally:
            context.close()
    assert set(pages_checked) == set(SIGNED_IN_ROLES), f"pages checked per role: {pages_checked}"
    report = [f"as {role}:\n  " + "\n  ".join(found) for role, found in problems.items() if found]
    assert not report, "serious or critical WCAG 2.1 AA violations\n" + "\n".join(report)
