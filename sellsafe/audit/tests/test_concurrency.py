"""Concurrent writers keep one linear chain per shop (PostgreSQL: row lock on the chain head)."""

import threading

import pytest
from django.db import connection, connections, transaction

from sellsafe.audit import chain
from sellsafe.audit.models import ACCOUNT_CHAIN, AuditEvent
from sellsafe.audit.services import record

THREADS = 6
PER_THREAD = 30


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_valid_chain(new_shop):
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs DATABASE_URL pointing at PostgreSQL: SQLite serialises all writers with "
            "BEGIN IMMEDIATE, and threads on its in-memory test database share one connection"
        )
    shops = [new_shop(), new_shop()]
    start = threading.Barrier(THREADS)
    errors = []

    def write(n):
        try:
            start.wait()  # every chain is new: the threads also race to create its head
            for i in range(PER_THREAD):
                with transaction.atomic():
                    shop = None if i % 3 == 0 else shops[(n + i) % 2]
                    record(action="bench.write", shop=shop, target_id=f"{n}-{i}")
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    writing = threading.Event()
    writing.set()
    seen_problems = []
    rounds = []

    def verify_while_writing():
        try:
            while writing.is_set():
                seen_problems.extend(chain.verify().problems)
                rounds.append(1)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(THREADS)]
    verifier = threading.Thread(target=verify_while_writing)
    for thread in threads:
        thread.start()
    verifier.start()
    for thread in threads:
        thread.join()
    writing.clear()
    verifier.join()
    assert errors == []
    assert seen_problems == []  # a live log verifies while it grows
    assert rounds
    assert AuditEvent.objects.count() == THREADS * PER_THREAD
    for key in [ACCOUNT_CHAIN, *(str(shop.pk) for shop in shops)]:
        seqs = list(
            AuditEvent.objects.filter(chain=key).order_by("seq").values_list("seq", flat=True)
        )
        assert seqs == list(range(1, len(seqs) + 1))
    summary = chain.verify()
    assert summary.problems == []
    assert summary.events == THREADS * PER_THREAD
