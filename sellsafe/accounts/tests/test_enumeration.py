"""Sign-in, sign-up and password reset answer the same for known and unknown emails."""

import re

import pytest
from django.contrib.auth.hashers import get_hasher
from django.urls import reverse

from conftest import STRONG_PASSWORD

KNOWN = "seller@example.com"
UNKNOWN = "nobody@example.com"


def _normalise(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r"nonce=\"[^\"]+\"", "", html)
    html = re.sub(r"[A-Za-z0-9]{64}", "TOKEN", html)  # CSRF tokens in forms and htmx headers
    return html.replace(KNOWN, "EMAIL").replace(UNKNOWN, "EMAIL")


@pytest.fixture
def known(make_user):
    return make_user(email=KNOWN)


def _post(client, url, data):
    client.get(url)
    return client.post(url, data)


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/accounts/login/", lambda e: {"login": e, "password": "wrong but long password"}),
        ("/accounts/signup/", lambda e: {"email": e, "password1": STRONG_PASSWORD}),
        ("/accounts/password/reset/", lambda e: {"email": e}),
    ],
)
def test_identical_responses_for_known_and_unknown_emails(client, known, url, data):
    from django.test import Client

    a = _post(Client(), url, data(KNOWN))
    b = _post(Client(), url, data(UNKNOWN))
    assert a.status_code == b.status_code
    assert a.get("Location") == b.get("Location")
    if a.status_code == 200:
        assert _normalise(a.content.decode()) == _normalise(b.content.decode())


def test_login_hashes_a_password_for_unknown_emails_too(client, known, monkeypatch):
    """Similar timing: an unknown email still costs one Argon2 computation."""
    hasher = get_hasher()
    calls = []
    original = type(hasher).encode

    def counting_encode(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    original_verify = type(hasher).verify

    def counting_verify(self, *args, **kwargs):
        calls.append(1)
        return original_verify(self, *args, **kwargs)

    monkeypatch.setattr(type(hasher), "encode", counting_encode)
    monkeypatch.setattr(type(hasher), "verify", counting_verify)
    _post(client, "/accounts/login/", {"login": KNOWN, "password": "wrong but long password"})
    known_calls = len(calls)
    calls.clear()
    _post(client, "/accounts/login/", {"login": UNKNOWN, "password": "wrong but long password"})
    assert known_calls >= 1
    assert len(calls) >= 1


def test_signup_with_a_taken_email_mails_the_owner_instead(client, known, mailoutbox):
    _post(client, "/accounts/signup/", {"email": KNOWN, "password1": STRONG_PASSWORD})
    assert mailoutbox and mailoutbox[-1].to == [KNOWN]
    assert "already" in mailoutbox[-1].body.lower()
    assert client.get(reverse("console:home")).status_code == 302
