"""The sign-in and sign-up pages render without anything a strict CSP would block."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


@pytest.mark.parametrize("url_name", ["account_login", "account_signup"])
def test_page_is_csp_clean(client, url_name):
    response = client.get(reverse(url_name))

    assert response.status_code == 200
    html = response.content.decode()
    for attrs in SCRIPT_TAG.findall(html):
        assert re.search(r"\bsrc=", attrs) or 'type="application/json"' in attrs, (
            f"inline script: <script{attrs}>"
        )
    assert not re.search(r"<style\b", html, re.IGNORECASE), "<style> tag found"
    assert not re.search(r"\sstyle\s*=", html, re.IGNORECASE), "style attribute found"

    csp = response.headers["Content-Security-Policy"]
    nonce = re.search(r"script-src [^;]*'nonce-([^']+)'", csp)
    assert nonce, csp
    assert "style-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    # htmx is loaded as an external file carrying this response's nonce.
    assert f'nonce="{nonce.group(1)}"' in html
