"""Health of the parts Sellsafe depends on, for /healthz. Never reveals hosts or credentials."""

from __future__ import annotations

import time
import uuid
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.tasks import task_backends


def _timed(check: Any) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        detail = check() or {}
        ok = True
    except Exception:
        detail, ok = {}, False
    return {"ok": ok, "ms": round((time.perf_counter() - started) * 1000, 1), **detail}


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("cache read-back failed")
    cache.delete(key)


def _tasks() -> dict[str, Any]:
    backend = task_backends["default"]
    name = type(backend).__name__
    if name == "DatabaseBackend":
        from django_tasks_db.models import DBTaskResult

        return {"backend": "database", "queued": DBTaskResult.objects.ready().count()}
    if name == "RQBackend":
        import django_rq

        queue = django_rq.get_queue("default")
        queue.connection.ping()
        return {"backend": "rq", "queued": queue.count}
    return {"backend": name}


def status() -> dict[str, Any]:
    parts = {"database": _timed(_database), "cache": _timed(_cache), "tasks": _timed(_tasks)}
    return {"status": "ok" if all(p["ok"] for p in parts.values()) else "degraded", **parts}
