"""Sign-in, sign-up and password reset answer the same for known and unknown emails."""

import re

import pytest
from django.contrib.auth.hashers import get_hasher
from django.urls import reverse

from tests.support import STRONG_PASSWORD

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


@pytest.fixture
def hash_calls(monkeypatch):
    """Count Argon2 computations (encode or verify): the dominant cost of these requests."""
    hasher_class = type(get_hasher())
    calls = []
    for name in ("encode", "verify"):
        original = getattr(hasher_class, name)

        def counting(self, *args, _original=original, **kwargs):
            calls.append(1)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(hasher_class, name, counting)
    return calls


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/accounts/login/", {"password": "wrong but long password"}),
        ("/accounts/signup/", {"password1": STRONG_PASSWORD}),
    ],
)
def test_known_and_unknown_emails_cost_the_same_hashing(client, known, hash_calls, url, data):
    """Similar timing: the expensive step happens whether or not the email has an account."""
    from django.test import Client

    field = "login" if "login" in url else "email"
    _post(Client(), url, {field: KNOWN, **data})
    known_calls = len(hash_calls)
    hash_calls.clear()
    _post(Client(), url, {field: UNKNOWN, **data})
    assert known_calls >= 1
    assert len(hash_calls) == known_calls


def test_signup_with_a_taken_email_mails_the_owner_instead(client, known, mailoutbox):
    _post(client, "/accounts/signup/", {"email": KNOWN, "password1": STRONG_PASSWORD})
    assert mailoutbox and mailoutbox[-1].to == [KNOWN]
    assert "already" in mailoutbox[-1].body.lower()
    assert client.get(reverse("console:home")).status_code == 302
