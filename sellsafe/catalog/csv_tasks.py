"""The catalog CSV import as a background task, with its progress in the cache.

A job has no model: its state is a small record in the shared cache keyed by the shop and a
random job id (a UUID) (status, phase, done/total, then the result with the problem report), and the task's
own django.tasks result holds the same result. The key includes the shop id, so another shop's
job id is simply not found. The uploaded file is kept in default storage under a random name in
`imports/<shop-id>/` only until the task has read it.
"""

from __future__ import annotations

import secrets
import time
import uuid
from typing import Any

from django.core.cache import cache
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from sellsafe.catalog.csv_import import REFUSED, import_csv
from sellsafe.catalog.csv_import.reading import FileRefused, max_bytes, read_bytes, too_large
from sellsafe.core import tenancy
from sellsafe.core.errors import DomainError
from sellsafe.shops.models import Membership, Shop

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
    return found if isinstance(found, dict) else None


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


def _reporter(shop_id: Any, job_id: str) -> Any:
    last = [0.0]

    def report(phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] < _UPDATE_EVERY and done < total:
            return
        last[0] = now
        _update(shop_id, job_id, status=RUNNING, phase=phase, done=done, total=total)

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
