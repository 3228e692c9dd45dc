"""Headless Chromium driven by Playwright against Django's live test server."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import chromium_path, skip_or_fail
from tests.factories import TEST_PASSWORD

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        skip_or_fail("Chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.failed_in_call = report.failed
    return report


def _open_page(browser, request, **context_options):
    # Reduced motion turns Bootstrap's collapse and fade transitions off, so a
    # click never lands on a menu that is still opening.
    context = browser.new_context(reduced_motion="reduce", **context_options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


@pytest.fixture
def page(browser, request):
    context, page = _open_page(browser, request, viewport={"width": 1280, "height": 900})
    yield page
    _keep_screenshot_on_failure(page, request)
    context.close()


@pytest.fixture
def phone_page(browser, request):
    context, page = _open_page(browser, request, viewport=PHONE, is_mobile=True, has_touch=True)
    yield page
    _keep_screenshot_on_failure(page, request)
    context.close()


def _keep_screenshot_on_failure(page, request) -> None:
    if getattr(request.node, "failed_in_call", False):
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / (re.sub(r"\W+", "-", request.node.name) + ".png")), full_page=True)


def sign_in(page, base_url: str, email: str, password: str = TEST_PASSWORD) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def open_menu(page, name: str) -> None:
    """Follows an item of the main navigation (other links on the page may share its words)."""
    page.locator("#main-nav").get_by_role("link", name=name, exact=True).click()
