"""Drive the sign-in and sign-up pages in headless Debian Chromium.

Checks that the strict CSP holds in a real browser, the live password strength meter and the mobile
layout, and refreshes the screenshots in docs/img/. Needs `apt-get install -y chromium`.
"""

from pathlib import Path

import pytest
from django.urls import NoReverseMatch, reverse

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "img"
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 390, "height": 844}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def open_page(browser, live_server, settings):
    """Yield open(path, viewport) -> page, plus the CSP violations and failed loads of its pages."""
    settings.SELLSAFE_DEV_MAILBOX = False  # keeps the development badge out of the screenshots
    contexts = []
    violations: list[str] = []
    failed_loads: list[str] = []

    def on_console(message):
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    def on_response(response):
        if response.status >= 400:
            failed_loads.append(f"{response.status} {response.url}")

    def open_(path, viewport):
        context = browser.new_context(viewport=viewport, is_mobile=viewport is MOBILE)
        contexts.append(context)
        page = context.new_page()
        page.on("console", on_console)
        page.on("response", on_response)
        page.goto(live_server.url + path, wait_until="load")
        return page

    yield open_, violations, failed_loads
    for context in contexts:
        context.close()


def strength_endpoint_exists() -> bool:
    try:
        reverse("password_strength")
    except NoReverseMatch:
        return False
    return True


def sign_in_link(page):
    return page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")


def test_signup_and_signin_pages(open_page):
    open_, csp_violations, failed_loads = open_page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    signup, signin = reverse("account_signup"), reverse("account_login")

    # Desktop: the navigation is expanded and there is no menu toggle.
    page = open_(signup, DESKTOP)
    assert page.evaluate("document.styleSheets[0].cssRules.length"), failed_loads
    assert page.locator("h1").inner_text().strip() == "Sign Up"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".menu-toggle").is_hidden()
    assert sign_in_link(page).is_visible()
    password = page.locator("input[name=password1]")
    assert password.get_attribute("autocomplete") == "new-password"

    if strength_endpoint_exists():
        page.locator("input[name=email]").fill("seller@example.com")
        password.press_sequentially("password1", delay=20)
        meter = page.locator("#password-strength .strength")
        meter.wait_for(state="visible", timeout=15_000)
        classes = meter.get_attribute("class") or ""
        assert "strength-0" in classes or "strength-1" in classes, classes
    page.screenshot(path=SCREENSHOTS / "signup-desktop.png", full_page=True)

    page = open_(signin, DESKTOP)
    autocomplete = page.locator("input[name=password]").get_attribute("autocomplete")
    assert autocomplete == "current-password"
    page.screenshot(path=SCREENSHOTS / "signin-desktop.png", full_page=True)

    # Mobile: the navigation collapses behind a <details> toggle and nothing scrolls sideways.
    for name, path in (("signin", signin), ("signup", signup)):
        page = open_(path, MOBILE)
        toggle = page.locator(".menu-toggle")
        assert toggle.is_visible()
        assert sign_in_link(page).is_hidden()
        assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
        page.screenshot(path=SCREENSHOTS / f"{name}-mobile.png", full_page=True)
        toggle.click()
        assert sign_in_link(page).is_visible()

    assert csp_violations == []
    assert failed_loads == []
