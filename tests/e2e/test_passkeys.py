"""Passkeys end to end in headless Debian Chromium with a virtual WebAuthn authenticator.

Chromium's DevTools WebAuthn domain gives every page a software authenticator (CTAP2, internal
transport, resident keys, user verification always "yes"), so the real allauth pages, their static
JavaScript and the fido2 server code all run exactly as they would for a person with a phone or a
laptop passkey. Covered:

1. adding a passkey after signing in with password + TOTP (audit event, security email);
2. signing in with only the passkey, from a fresh browser profile holding the same credential;
3. an account whose only second factor is a passkey gets past the second-factor gate;

and, throughout, that the strict Content Security Policy blocks nothing on these pages.
Needs `apt-get install -y chromium`.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core import mail
from django.urls import reverse

from tests.support import STRONG_PASSWORD, totp_now

STEP_MS = 15_000  # every wait in these tests is bounded by this
AUTHENTICATOR_OPTIONS = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}
# Any CSP violation is reported to the console by this listener too (Chromium logs its own
# "Refused to ..." line as well); the init script runs through DevTools, so the CSP does not apply.
REPORT_CSP_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.error('Content Security Policy violation: ' + e.violatedDirective +
                ' blocked ' + (e.blockedURI || '(inline)') + ' on ' + e.documentURI);
});
"""

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# --- Fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def base_url(live_server):
    """WebAuthn needs a secure context and a domain RP ID: http://localhost counts, an IP does not."""
    parts = urlsplit(live_server.url)
    host = "localhost" if parts.hostname in {"127.0.0.1", "::1"} else parts.hostname
    return urlunsplit((parts.scheme, f"{host}:{parts.port}", "", "", "")).rstrip("/")


class Browser:
    """Opens browser profiles (contexts) with a virtual authenticator; collects CSP violations."""

    def __init__(self, browser, base_url):
        self.browser = browser
        self.base_url = base_url
        self.contexts = []
        self.csp_violations: list[str] = []
        self.page_errors: list[str] = []
        self.console_errors: list[str] = []

    def _on_console(self, message):
        if "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)
        if message.type == "error":
            self.console_errors.append(message.text)

    def _on_page_error(self, error):
        text = str(error)
        self.page_errors.append(text)
        if "Content Security Policy" in text:
            self.csp_violations.append(text)

    def new_profile(self, credentials=()):
        """A fresh browser context + page with its own virtual authenticator, optionally holding
        copies of `credentials` (as returned by `credentials()`): the same passkey on a new device
        profile, with no cookies."""
        context = self.browser.new_context(base_url=self.base_url)
        context.set_default_timeout(STEP_MS)
        context.set_default_navigation_timeout(STEP_MS)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", self._on_console)
        page.on("pageerror", self._on_page_error)
        cdp = context.new_cdp_session(page)
        cdp.send("WebAuthn.enable")
        authenticator_id = cdp.send(
            "WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR_OPTIONS}
        )["authenticatorId"]
        for credential in credentials:
            cdp.send(
                "WebAuthn.addCredential",
                {"authenticatorId": authenticator_id, "credential": credential},
            )
        page.passkey_cdp = (cdp, authenticator_id)
        page.passkey_console_errors = self.console_errors
        return page

    @staticmethod
    def credentials(page):
        cdp, authenticator_id = page.passkey_cdp
        return cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})[
            "credentials"
        ]

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def browser_session(browser, base_url, transactional_db):
    session = Browser(browser, base_url)
    yield session
    session.close()


# --- Steps ------------------------------------------------------------------------------------------


def path_of(page) -> str:
    return urlsplit(page.url).path


def wait_for_path(page, path: str) -> None:
    page.wait_for_url(lambda url: urlsplit(url).path == path, timeout=STEP_MS)


def sign_in_with_password(page, user) -> None:
    page.goto(reverse("account_login"))
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(STRONG_PASSWORD)
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")
    if path_of(page) == reverse("mfa_authenticate"):
        # A browser round trip can take seconds on a busy machine: read a code with time to spare.
        page.locator("input[name=code]").fill(totp_now(user.totp_secret, margin=8))
        with page.expect_navigation():
            page.locator("input[name=code]").press("Enter")
        assert path_of(page) != reverse("mfa_authenticate"), page.locator("main").inner_text()
    assert path_of(page) != reverse("account_login"), page.content()


def add_passkey(page) -> None:
    """Open "add security key", re-authenticate if asked, tick "passwordless", click "Add"."""
    add_url = reverse("mfa_add_webauthn")
    page.goto(add_url)
    if path_of(page) == reverse("account_reauthenticate"):
        page.locator("input[name=password]").fill(STRONG_PASSWORD)
        with page.expect_navigation():
            page.locator("input[name=password]").press("Enter")
    assert path_of(page) == add_url, page.url
    passwordless = page.locator("input[name=passwordless]")
    if passwordless.count():
        passwordless.check()
    with webauthn_ceremony(page, "registration"):
        page.locator("#mfa_webauthn_add").click()  # the authenticator answers by itself
    assert path_of(page) != add_url, page.locator("main").inner_text()


@contextmanager
def webauthn_ceremony(page, what: str):
    """Expect the form the WebAuthn script submits; if it never comes, say what the page logged
    (allauth's script reports a failed ceremony with console.error)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    try:
        with page.expect_navigation(timeout=STEP_MS):
            yield
    except PlaywrightTimeoutError:
        pytest.fail(
            f"WebAuthn {what} did not submit; console errors: {page.passkey_console_errors}"
        )


def sign_out(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    assert not page.get_by_role("button", name="Sign out").count()


def sign_in_with_passkey(page) -> None:
    page.goto(reverse("account_login"))
    button = page.get_by_role("button", name="Sign in with a passkey")
    with webauthn_ceremony(page, "passkey sign-in"):
        button.click()


def assert_signed_in(page) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_role("button", name="Sign out")).to_be_visible(timeout=STEP_MS)


def webauthn_authenticators(user):
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.WEBAUTHN)


def audit_actions(user, after: set | None = None) -> list[str]:
    """Actions recorded about `user`, leaving out the events whose ids are in `after`."""
    from sellsafe.audit.models import AuditEvent

    rows = AuditEvent.objects.filter(subject_user=user).values_list("pk", "action")
    return [action for pk, action in rows if pk not in (after or set())]


def audit_ids(user) -> set:
    from sellsafe.audit.models import AuditEvent

    return set(AuditEvent.objects.filter(subject_user=user).values_list("pk", flat=True))


def assert_clean(session: Browser) -> None:
    assert session.csp_violations == [], session.console_errors
    assert session.page_errors == [], session.console_errors


# --- Tests ------------------------------------------------------------------------------------------


def test_add_passkey_then_sign_in_with_it_on_a_fresh_profile(browser_session, make_user):
    from sellsafe.audit import events

    session = browser_session
    user = make_user()
    page = session.new_profile()

    # 1. Password + TOTP, then add a passkey.
    sign_in_with_password(page, user)
    wait_for_path(page, reverse("console:shop_new"))  # home sends a shopless seller to create one
    mail.outbox.clear()
    before = audit_ids(user)
    add_passkey(page)

    [authenticator] = webauthn_authenticators(user)
    from allauth.mfa.webauthn.internal.auth import WebAuthn

    assert WebAuthn(authenticator).is_passwordless
    added = audit_actions(user, after=before)
    assert events.FACTOR_ADDED in added, added
    subjects = [m.subject for m in mail.outbox if user.email in m.to]
    assert any(re.search(r"security key|passkey|webauthn", s, re.I) for s in subjects), subjects
    [credential] = session.credentials(page)
    assert credential["isResidentCredential"]

    # 2. A fresh profile (no cookies) holding the same passkey signs in without a password.
    fresh = session.new_profile(credentials=[credential])
    before = audit_ids(user)
    sign_in_with_passkey(fresh)
    wait_for_path(fresh, reverse("console:shop_new"))  # home sends a shopless seller to create one
    assert_signed_in(fresh)
    assert fresh.locator("input[name=password]").count() == 0
    assert audit_actions(user, after=before).count(events.LOGIN_SUCCEEDED) == 1
    assert session.credentials(fresh)[0]["signCount"] >= 1

    assert_clean(session)


def test_passkey_as_the_only_factor_opens_the_console(browser_session, make_user):
    from allauth.mfa.models import Authenticator

    from sellsafe.audit import events

    session = browser_session
    user = make_user(email="newseller@example.com", second_factor=False)
    page = session.new_profile()

    # Without a second factor the console sends a signed-in account to the 2FA page.
    sign_in_with_password(page, user)
    wait_for_path(page, reverse("mfa_index"))
    page.goto(reverse("console:home"))
    wait_for_path(page, reverse("mfa_index"))

    add_passkey(page)
    types = set(Authenticator.objects.filter(user=user).values_list("type", flat=True))
    assert Authenticator.Type.TOTP not in types
    assert Authenticator.Type.WEBAUTHN in types

    # 3. The gate now accepts the passkey: the console opens.
    page.goto(reverse("console:home"))
    wait_for_path(page, reverse("console:shop_new"))  # home sends a shopless seller to create one

    # And the passkey alone signs this account back in, straight to the console.
    sign_out(page)
    before = audit_ids(user)
    sign_in_with_passkey(page)
    wait_for_path(page, reverse("console:shop_new"))  # home sends a shopless seller to create one
    assert_signed_in(page)
    assert audit_actions(user, after=before).count(events.LOGIN_SUCCEEDED) == 1

    assert_clean(session)
