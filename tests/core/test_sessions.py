"""The session store saves an existing session in one UPDATE, and otherwise behaves as Django's."""

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from sellsafe.core.durability import NO_FLUSH
from sellsafe.core.sessions import SessionStore

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)  # autocommit, as a request runs
def test_new_session_then_one_statement_per_save():
    store = SessionStore()
    store["cart"] = {"a": 1}
    store.save()  # created (INSERT)
    assert Session.objects.filter(session_key=store.session_key).exists()
    again = SessionStore(session_key=store.session_key)
    assert again["cart"] == {"a": 1}
    again["cart"] = {"a": 2}
    with CaptureQueriesContext(connection) as queries:
        again.save()
    [save] = [q["sql"] for q in queries]
    assert save.removeprefix(NO_FLUSH).startswith("UPDATE")
    assert SessionStore(session_key=store.session_key)["cart"] == {"a": 2}


@pytest.mark.django_db(transaction=True)
def test_saving_a_deleted_session_fails_as_in_django():
    store = SessionStore()
    store["x"] = 1
    store.save()
    Session.objects.filter(session_key=store.session_key).delete()  # signed out elsewhere
    store["x"] = 2
    with pytest.raises(UpdateError):
        store.save()
    assert not Session.objects.filter(session_key=store.session_key).exists()


def test_inside_a_transaction_it_saves_as_django_does():
    store = SessionStore()
    store["x"] = 1
    store.save()
    with transaction.atomic():
        store["x"] = 3
        store.save()
    assert SessionStore(session_key=store.session_key)["x"] == 3


def test_expired_and_unknown_sessions_load_empty():
    from datetime import timedelta

    from django.utils import timezone

    store = SessionStore()
    store["cart"] = {"a": 1}
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(session_key=store.session_key)
    assert expired.load() == {}
    assert expired.session_key is None  # a new key will be made, as in Django
    assert SessionStore(session_key="x" * 32).load() == {}
    assert SessionStore(session_key="short").load() == {}  # refused by Django's key check
    with CaptureQueriesContext(connection) as queries:
        SessionStore(session_key=None).load()
    assert len(queries) == 0
