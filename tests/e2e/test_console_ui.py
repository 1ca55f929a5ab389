"""Drive the sign-in and sign-up pages in headless Debian Chromium.

Checks the strict CSP holds in a real browser, the live password strength meter, the mobile layout,
and refreshes the screenshots in docs/img/. Needs `apt-get install -y chromium`.
"""

import os
from pathlib import Path

import pytest
from django.urls import NoReverseMatch, reverse

# Playwright's sync API runs an event loop in this thread; live_server's ORM calls must still work.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "img"
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 390, "height": 844}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run `apt-get install -y chromium` to run browser tests")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser, live_server):
    """Return a function opening a path at a viewport; records every CSP violation it logs."""
    contexts = []
    violations: list[str] = []

    def _open(path, viewport):
        context = browser.new_context(viewport=viewport, is_mobile=viewport == MOBILE)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda msg: (
                violations.append(msg.text) if "Content Security Policy" in msg.text else None
            ),
        )
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        return page

    yield _open, violations
    for context in contexts:
        context.close()


def strength_endpoint_exists() -> bool:
    try:
        reverse("password_strength")
    except NoReverseMatch:
        return False
    return True


def test_signup_and_signin_pages(open_page):
    open_, csp_violations = open_page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    signup, signin = reverse("account_signup"), reverse("account_login")

    # Desktop: navigation is expanded, no toggle.
    page = open_(signup, DESKTOP)
    assert page.locator("h1").inner_text().strip() == "Sign Up"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".menu-toggle").is_hidden()
    assert page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in").is_visible()
    password = page.locator("input[name=password1]")
    assert password.get_attribute("autocomplete") == "new-password"

    if strength_endpoint_exists():
        page.locator("input[name=email]").fill("seller@example.com")
        password.press_sequentially("password1", delay=20)
        meter = page.locator("#password-strength .strength")
        meter.wait_for(state="visible", timeout=5000)
        classes = meter.get_attribute("class") or ""
        assert "strength-0" in classes or "strength-1" in classes, classes
    page.screenshot(path=SCREENSHOTS / "signup-desktop.png", full_page=True)

    page = open_(signin, DESKTOP)
    assert page.locator("input[name=password]").get_attribute("autocomplete") == (
        "current-password"
    )
    page.screenshot(path=SCREENSHOTS / "signin-desktop.png", full_page=True)

    # Mobile: the navigation collapses behind a <details> toggle and nothing scrolls sideways.
    for name, path in (("signin", signin), ("signup", signup)):
        page = open_(path, MOBILE)
        toggle = page.locator(".menu-toggle")
        signin_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")
        assert toggle.is_visible()
        assert signin_link.is_hidden()
        assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
        page.screenshot(path=SCREENSHOTS / f"{name}-mobile.png", full_page=True)
        toggle.click()
        assert signin_link.is_visible()

    assert csp_violations == []
