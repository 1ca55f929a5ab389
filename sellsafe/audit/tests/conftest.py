"""Fixtures for the audit log tests: shops, users, a trigger bypass, running `sellsafe audit`."""

import io
import itertools
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from sellsafe.audit import triggers

_counter = itertools.count()


@pytest.fixture
def new_shop(db):
    from sellsafe.shops.models import Shop

    def make(slug=None):
        n = next(_counter)
        return Shop.objects.create(
            slug=slug or f"audit-shop-{n}",
            name=f"Audit shop {n}",
            country="GB",
            currency="GBP",
            contact_email=f"shop{n}@example.com",
        )

    return make


@pytest.fixture
def new_user(db):
    from sellsafe.accounts.models import User

    def make():
        return User.objects.create_user(f"audit-user-{next(_counter)}@example.com", None)

    return make


@contextmanager
def triggers_lifted():
    """What an attacker with the table owner's rights does: drop the triggers, tamper, and (the
    test, not the attacker) put them back."""
    triggers.uninstall(connection)
    try:
        yield
    finally:
        triggers.install(connection)


@pytest.fixture
def audit():
    """Run `sellsafe audit ...`: returns (exit status, stdout + stderr)."""

    def run(*args):
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command("audit", *args, stdout=out, stderr=err)
        except CommandError as exc:
            return exc.returncode, out.getvalue() + err.getvalue() + str(exc)
        return 0, out.getvalue() + err.getvalue()

    return run
