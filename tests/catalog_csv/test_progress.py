"""The import's progress is seen by the page polling it while the import writes, also with the
database cache (the embedded default), whose rows would otherwise wait for the import's COMMIT."""

import threading
import time
import uuid

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction

from sellsafe.catalog import csv_tasks

DATABASE_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "sellsafe_cache",
    }
}


@pytest.fixture
def database_cache(settings):
    """The database cache, also in a run configured with Redis (its table made if missing)."""
    call_command("createcachetable", verbosity=0)


def _seen_by_another_connection(shop, job_id):
    seen = []

    def read():
        try:
            seen.append(csv_tasks.job_progress(shop=shop, job_id=job_id))
        finally:
            connections.close_all()

    reader = threading.Thread(target=read)
    reader.start()
    reader.join()
    return seen[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer lock")
@pytest.mark.django_db(transaction=True)
def test_progress_written_inside_the_import_transaction_is_seen_at_once(
    csv_shop, database_cache, monkeypatch
):
    monkeypatch.setattr(csv_tasks, "_UPDATE_EVERY", 0)
    shop, _owner, _ = csv_shop
    job_id = uuid.uuid4().hex
    csv_tasks._update(shop.pk, job_id, status=csv_tasks.RUNNING, phase="reading")  # the task's
    report = csv_tasks._reporter(shop.pk, job_id)
    report("checking", 100, 100)
    with transaction.atomic():  # as an all-or-nothing import's writing phase runs
        report("writing", 500, 2000)
        progress = _seen_by_another_connection(shop, job_id)
        assert progress is not None
        assert (progress["phase"], progress["done"], progress["total"]) == ("writing", 500, 2000)
    # Outside a transaction the write is the plain one: seen, and not hidden by the older one.
    report("writing", 2000, 2000)
    assert _seen_by_another_connection(shop, job_id)["done"] == 2000
    csv_tasks._update(shop.pk, job_id, status=csv_tasks.FINISHED, result={"status": "done"})
    assert _seen_by_another_connection(shop, job_id)["status"] == csv_tasks.FINISHED


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer lock")
@pytest.mark.django_db
def test_a_transaction_around_the_whole_task_never_hangs_the_progress(
    csv_shop, database_cache, monkeypatch
):
    """The test's own transaction holds the job's cache row, as a caller's transaction around
    the whole task would: the helper's write waits at most its lock timeout, then is dropped."""
    monkeypatch.setattr(csv_tasks, "_UPDATE_EVERY", 0)
    shop, _owner, _ = csv_shop
    job_id = uuid.uuid4().hex
    report = csv_tasks._reporter(shop.pk, job_id)
    with transaction.atomic():
        report("writing", 1, 2)  # inserts the saving row: the helper is never blocked by us
    csv_tasks.cache.set(csv_tasks._saving_key(shop.pk, job_id), {"held": True})  # now it is
    started = time.monotonic()
    with transaction.atomic():
        report("writing", 2, 2)
    assert time.monotonic() - started < 5
    assert csv_tasks.cache.get(csv_tasks._saving_key(shop.pk, job_id)) == {"held": True}


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_progress_is_written_in_place_and_inside_never_blocks(
    csv_shop, database_cache, monkeypatch
):
    """SQLite: inside the import's transaction its one writer lock is taken, so the writing
    phase's progress is left out rather than waiting for the lock; the bar moves on after."""
    monkeypatch.setattr(csv_tasks, "_UPDATE_EVERY", 0)
    shop, _owner, _ = csv_shop
    job_id = uuid.uuid4().hex
    report = csv_tasks._reporter(shop.pk, job_id)
    report("checking", 10, 10)
    assert _seen_by_another_connection(shop, job_id)["phase"] == "checking"
    with transaction.atomic():
        report("writing", 1, 2)
    report("writing", 2, 2)
    assert _seen_by_another_connection(shop, job_id)["done"] == 2
