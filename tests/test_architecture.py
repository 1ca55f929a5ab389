"""Rules that make Sellsafe safe by construction, checked over the whole code base."""

import ast
import inspect
import logging
import pathlib

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.support import STRONG_PASSWORD

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "sellsafe"


def _source_files():
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts or "tests" in path.parts:
            continue
        yield path


# record() writes to the shop's chain or the account chain (shop=None) and reads no shop data.
UNSCOPED_SERVICES = frozenset({"sellsafe.audit.services.record"})
# Modules inside a services package that hold shared checks and parsing, not services.
SERVICE_HELPER_MODULES = frozenset({"common", "validation", "refusals"})


def test_services_are_keyword_only_and_typed():
    """Rule 2: every service (a public function of a services module or package that acts for an
    actor or in a shop) takes keyword-only arguments, declares its return type, and when it takes
    a shop runs inside that shop's scope (@tenancy.shop_service). Small pure helpers beside the
    services (parsers, predicates) are left alone."""
    import importlib

    offenders = []
    checked = 0
    paths = [*PACKAGE.rglob("services.py"), *PACKAGE.rglob("services/*.py")]
    assert len(paths) >= 20
    for path in paths:
        if path.name == "__init__.py" or path.stem in SERVICE_HELPER_MODULES:
            continue
        module_name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        module = importlib.import_module(module_name)
        for name, func in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or func.__module__ != module_name:
                continue
            signature = inspect.signature(func)
            if not {"actor", "shop"} & set(signature.parameters):
                continue
            checked += 1
            if any(
                p.kind not in (p.KEYWORD_ONLY, p.VAR_KEYWORD) for p in signature.parameters.values()
            ):
                offenders.append(f"{module_name}.{name}")
            if "return" not in func.__annotations__:
                offenders.append(f"{module_name}.{name} (no return type)")
            if (
                "shop" in signature.parameters
                and not hasattr(func, "__wrapped__")
                and f"{module_name}.{name}" not in UNSCOPED_SERVICES
            ):
                offenders.append(f"{module_name}.{name} (not a @tenancy.shop_service)")
    assert checked >= 50
    assert offenders == []


def test_audit_events_are_written_only_through_record():
    """Rule 3: nobody creates or edits AuditEvent rows except audit.services.record()."""
    offenders = []
    for path in _source_files():
        if path == PACKAGE / "audit" / "services.py":
            continue
        text = path.read_text()
        if "AuditEvent.objects.create" in text or "AuditEvent(" in text.replace(
            "class AuditEvent(", ""
        ):
            offenders.append(str(path))
    assert offenders == []


def test_domain_code_does_not_write_in_signal_handlers():
    """Rule 2: receivers call exactly one service; no model writes in them."""
    tree = ast.parse((PACKAGE / "accounts" / "receivers.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {"save", "create", "update", "delete"}:
            pytest.fail(f"receivers.py writes directly (line {node.lineno})")


def _all_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _all_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def _sample_url(route: str) -> str:
    import re

    url = "/" + route
    url = re.sub(r"<int:[^>]+>", "999999", url)
    url = re.sub(r"<[^>]+>", "zzz-not-a-real-value", url)
    return url.replace("^", "").replace("$", "").replace("\\Z", "")


HOSTILE_BODIES = [
    {},
    {"email": "a" * 5000, "password": "b" * 100_000, "login": "\x00\x01'\"<script>"},
    {"code": ["1", "2"], "phrase": "{{7*7}}", "action": "remove", "id": "-1"},
]


@pytest.mark.parametrize("signed_in", [False, True])
def test_no_url_answers_hostile_input_with_a_server_error(client, make_user, sign_in, signed_in):
    """Rule 6: every URL pattern, as a stranger and as a signed-in seller, with junk input."""
    if signed_in:
        sign_in(client, make_user())
    for route, _pattern in _all_patterns():
        url = _sample_url(route)
        if "logout" in url:
            continue
        for method in ("get", "post"):
            for body in HOSTILE_BODIES:
                response = getattr(client, method)(url, body if method == "post" else None)
                assert response.status_code < 500, (method, url, body, response.status_code)
                assert b"Traceback" not in response.content


def test_nothing_secret_reaches_the_log(client, make_user, sign_in, caplog):
    """Rule 4: a full sign-in with a wrong then right password logs no password or code."""
    caplog.set_level(logging.DEBUG)
    user = make_user()
    client.post("/accounts/login/", {"login": user.email, "password": "my wrong secret phrase x"})
    sign_in(client, user)
    text = caplog.text
    assert STRONG_PASSWORD not in text
    assert "my wrong secret phrase" not in text
    assert user.totp_secret not in text


def test_no_one_column_index_that_a_longer_index_already_starts_with():
    """A one-column index (a foreign key's or db_index=True) on a column that another index or
    unique key of the same table already leads with only costs every INSERT (the checkout's and
    the CSV import's most): such fields say db_index=False."""
    from django.apps import apps
    from django.db import models

    offenders = []
    for model in apps.get_models():
        if not model.__module__.startswith("sellsafe.") or model._meta.proxy:
            continue
        leading: set[str] = set()
        for index in model._meta.indexes:
            if len(index.fields) > 1:
                leading.add(index.fields[0].lstrip("-"))
        for constraint in model._meta.constraints:
            fields = getattr(constraint, "fields", ())
            if isinstance(constraint, models.UniqueConstraint) and len(fields) > 1:
                leading.add(fields[0])
        for together in model._meta.unique_together:
            leading.add(together[0])
        for field in model._meta.concrete_fields:
            if field.db_index and not field.unique and field.name in leading:
                offenders.append(f"{model._meta.label}.{field.name}")
    assert offenders == [], "\n".join(offenders)
