"""The catalog CSV import as a background task, with its progress in the cache.

A job has no model: its state is a small record in the shared cache keyed by the shop and a
random job id (a UUID) (status, phase, done/total, then the result with the problem report), and the task's
own django.tasks result holds the same result. The key includes the shop id, so another shop's
job id is simply not found. The uploaded file is kept in default storage under a random name in
`imports/<shop-id>/` only until the task has read it.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
import uuid
from typing import Any

from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.tasks import task
from django.utils import timezone

from sellsafe.catalog.csv_import import REFUSED, import_csv
from sellsafe.catalog.csv_import.reading import FileRefused, max_bytes, read_bytes, too_large
from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError
from sellsafe.shops.models import Membership, Shop

logger = logging.getLogger(__name__)
PROGRESS_TTL = 24 * 3600
_UPDATE_EVERY = 0.5  # seconds between progress writes
QUEUED, RUNNING, FINISHED = "queued", "running", "finished"
PHASES = {
    "reading": "Reading the file",
    "checking": "Checking every row",
    "writing": "Saving",
}


def _key(shop_id: Any, job_id: str) -> str:
    return f"catalog-import:{shop_id}:{job_id}"


def _job_key(job_id: Any) -> str | None:
    try:
        return uuid.UUID(str(job_id)).hex
    except ValueError:
        return None


def job_progress(*, shop: Shop, job_id: Any) -> dict[str, Any] | None:
    """The job's record, or None when this shop has no such job (or it expired)."""
    key = _job_key(job_id)
    if key is None:
        return None
    found = cache.get(_key(shop.pk, key))
    if not isinstance(found, dict):
        return None
    if found.get("status") == RUNNING:  # the writing phase's progress if newer (_update_elsewhere)
        saving = cache.get(_saving_key(shop.pk, key))
        if isinstance(saving, dict) and saving.get("step", 0) > found.get("step", 0):
            return {**found, **saving}
    return found


def _update(shop_id: Any, job_id: str, **values: Any) -> None:
    key = _key(shop_id, job_id)
    record = cache.get(key) or {}
    record.update(values)
    cache.set(key, record, PROGRESS_TTL)


def import_start(
    *,
    actor: Membership,
    shop: Shop,
    upload: File,
    file_name: str,
    valid_only: bool,
    reauthenticated: bool,
) -> str:
    """Store the upload under a random name and queue the import (on commit). Refuses a file
    over the size limit before storing it. Returns the job id."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes():
        raise too_large()
    job_id = uuid.uuid4().hex
    name = default_storage.save(f"imports/{shop.pk}/{secrets.token_hex(16)}.csv", upload)
    _update(
        shop.pk,
        job_id,
        status=QUEUED,
        phase="",
        done=0,
        total=0,
        file_name=file_name[:200],
        started_by=actor.user.email,
        started_at=timezone.now().isoformat(),
        valid_only=valid_only,
    )
    shop_id, member_id, short_name = str(shop.pk), str(actor.pk), file_name[:200]
    transaction.on_commit(
        lambda: run_import.enqueue(
            shop_id=shop_id,
            job_id=job_id,
            storage_name=name,
            member_id=member_id,
            file_name=short_name,
            valid_only=valid_only,
            reauthenticated=reauthenticated,
        )
    )
    return job_id


def _seen_at_once() -> bool:
    """Whether a progress write made now is visible to the page polling it. Not with the
    database cache inside the import's transaction (all or nothing: the whole writing phase): the
    row would wait for COMMIT."""
    return not (
        connection.in_atomic_block and isinstance(caches[DEFAULT_CACHE_ALIAS], DatabaseCache)
    )


def _saving_key(shop_id: Any, job_id: str) -> str:
    return f"{_key(shop_id, job_id)}:saving"


def _update_elsewhere(shop_id: Any, job_id: str, **values: Any) -> None:
    """The writing phase's progress under its own key (`job_progress` lays it over the job's
    record), on a helper thread's own database connection, committed at once (PostgreSQL). Its
    own key: no row the import's transaction holds. A lock wait is cut short all the same (a
    caller's transaction around the whole task, the cache's culling): that update is dropped,
    never waited for. SQLite cannot: the import's transaction holds its one writer lock; there
    the bar shows the writing phase when it ends."""
    if connection.vendor != "postgresql":
        return

    def write() -> None:
        try:
            with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
                cursor.execute("SET lock_timeout = '500ms'")
            cache.set(_saving_key(shop_id, job_id), values, PROGRESS_TTL)
        except DatabaseError:
            logger.info("import progress not written (lock wait)")
        finally:
            connections.close_all()  # this thread's connection

    helper = threading.Thread(target=write, name="csv-progress")
    helper.start()
    helper.join()


def _reporter(shop_id: Any, job_id: str) -> Any:
    last = [0.0, 0]  # when last written, how many written

    def report(phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] < _UPDATE_EVERY and done < total:
            return
        last[0] = now
        last[1] += 1  # which of the two records is newer (see job_progress)
        write = _update if _seen_at_once() else _update_elsewhere
        write(shop_id, job_id, status=RUNNING, phase=phase, done=done, total=total, step=last[1])

    return report


@task()
def run_import(
    *,
    shop_id: str,
    job_id: str,
    storage_name: str,
    member_id: str,
    file_name: str,
    valid_only: bool,
    reauthenticated: bool,
) -> dict[str, Any]:
    """Read the stored file, import it as the member who uploaded it, delete the file."""
    result: dict[str, Any] = {"status": REFUSED, "message": "The shop or the person is gone."}
    try:
        shop = Shop.objects.filter(pk=shop_id).first()
        if shop is None:
            return result
        with tenancy.scope(shop):
            actor = (
                Membership.objects.select_related("role", "user", "shop")
                .filter(pk=member_id)
                .first()
            )
        if actor is None:
            _update(shop_id, job_id, status=FINISHED, result=result)
            return result
        _update(shop_id, job_id, status=RUNNING, phase="reading")
        try:
            with default_storage.open(storage_name, "rb") as stored:
                data = read_bytes(stored)
            outcome = import_csv(
                actor=actor,
                shop=shop,
                data=data,
                file_name=file_name,
                valid_only=valid_only,
                reauthenticated=reauthenticated,
                progress=_reporter(shop_id, job_id),
            )
            result = outcome.as_dict()
        except FileRefused as error:
            result = {"status": REFUSED, "message": str(error)}
        except DomainError as error:
            result = {"status": REFUSED, "message": error.message}
        except Exception:
            # A bug or an outage: end the job (the page stops polling), then let the worker log it.
            result = {
                "status": REFUSED,
                "message": "The import stopped unexpectedly. Check the products and the activity "
                "log before trying again.",
            }
            _update(shop_id, job_id, status=FINISHED, result=result)
            raise
        _update(shop_id, job_id, status=FINISHED, result=result)
        return result
    finally:
        if default_storage.exists(storage_name):
            default_storage.delete(storage_name)
