"""Security headers on every page; no-store on account pages."""

import re

from django.urls import reverse


def test_csp_with_a_fresh_nonce_per_request(client, db):
    first = client.get("/accounts/login/")
    second = client.get("/accounts/login/")
    policy = first["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    nonce_a = re.search(r"'nonce-([^']+)'", policy).group(1)
    nonce_b = re.search(r"'nonce-([^']+)'", second["Content-Security-Policy"]).group(1)
    assert nonce_a != nonce_b


def test_standard_hardening_headers(client, db):
    response = client.get("/accounts/login/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert "camera=()" in response["Permissions-Policy"]
    assert "publickey-credentials-get=(self)" in response["Permissions-Policy"]


def test_account_pages_are_not_stored(client, make_user, sign_in):
    assert client.get("/accounts/login/")["Cache-Control"] == "no-store"
    sign_in(client, make_user())
    for url in ("/", reverse("console:account_activity"), reverse("usersessions_list")):
        assert client.get(url)["Cache-Control"] == "no-store", url


def test_no_server_error_details_for_unknown_paths(client, db):
    response = client.get("/definitely/not/here/")
    assert response.status_code == 404
    assert b"Traceback" not in response.content
