"""The access log never carries a link that is its own key."""

from types import SimpleNamespace

from gunicorn.config import Config

from sellsafe.core.access_log import RedactingLogger, redact


def test_capability_links_are_redacted_and_queries_dropped():
    assert redact("/store/dana/orders/WyJhYmMiXQ:1x:sig/return/?email=a@b.c") == (
        "/store/dana/orders/[redacted]/return/"
    )
    assert redact("/invitations/abcDEF123/") == "/invitations/[redacted]/"
    assert redact("/account/not-me/tok.en/") == "/account/not-me/[redacted]/"
    # Console ids are not secrets: kept for debugging.
    assert redact("/s/dana/orders/7d3c2a0e-1111-2222-3333-444455556666/") == (
        "/s/dana/orders/7d3c2a0e-1111-2222-3333-444455556666/"
    )


def test_the_gunicorn_line_has_no_token():
    logger = RedactingLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/store/dana/orders/SECRET-TOKEN-123/?q=SECRET-QUERY",
        "PATH_INFO": "/store/dana/orders/SECRET-TOKEN-123/",
        "QUERY_STRING": "q=SECRET-QUERY",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }
    req = SimpleNamespace(headers=[], method="GET", uri=environ["RAW_URI"])
    resp = SimpleNamespace(status="200 OK", headers=[], sent=10, response_length=10)
    atoms = logger.atoms(resp, req, environ, SimpleNamespace(seconds=0, microseconds=1))
    line = str(atoms)
    assert "SECRET" not in line
    assert atoms["r"] == "GET /store/dana/orders/[redacted]/ HTTP/1.1"
