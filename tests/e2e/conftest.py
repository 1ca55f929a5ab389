"""Shared browser fixtures: Debian's Chromium driven by Playwright's sync API."""

from pathlib import Path

import pytest
from django.core.servers.basehttp import WSGIServer
from django.db import connection
from django.test.testcases import LiveServerThread


class _OneRequestAtATime(WSGIServer):
    """The live server's thread answers each request itself (it has set the shared connection)."""

    def __init__(self, *args, connections_override=None, **kwargs):
        self.connections_override = connections_override
        super().__init__(*args, **kwargs)


if connection.vendor == "sqlite":
    # The live server shares the test's in-memory SQLite connection with its request threads; a
    # page that loads several images at once then used one sqlite3 connection from two threads
    # ("bad parameter or other API misuse", seen in full runs). One request at a time on SQLite.
    LiveServerThread.server_class = _OneRequestAtATime

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


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module.

    Playwright's sync API keeps an event loop running in this thread for as long as the browser
    lives, so the ORM (test setup, assertions, the database flush after each test) must be allowed
    here. The variable is set for the module only and restored after its last test, so it never
    leaks into other tests or their subprocesses.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing; install it with `apt-get install -y chromium`")
    sync_api = pytest.importorskip("playwright.sync_api")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_api.sync_playwright() as playwright:
            launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield launched
            launched.close()
