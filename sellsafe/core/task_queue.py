"""The task queues. The database queue (the one-box default): django-tasks-db, with the task row
written by `core.inserts` instead of `DBTaskResult.objects.create`. RQ (the scaled
configuration): django-tasks-rq, with one Redis client per process (see RQBackend).

The row is the one the library writes (same id function, columns and values, and `run_after`
set as its pre_save handler sets it); only the query compiler is skipped, which cost more CPU
than the rest of enqueuing. Order confirmations enqueue on every checkout. Everything else
(workers, results, retries) is the library's.
"""

from __future__ import annotations

from typing import Any

import django_tasks_db
import django_tasks_rq
from django.db.models import Expression
from django_tasks_db.backend import normalize_json, task_enqueued
from django_tasks_db.models import DBTaskResult, get_date_max

from sellsafe.core.inserts import insert_later


class DatabaseBackend(django_tasks_db.DatabaseBackend):
    def enqueue(self, task: Any, args: Any, kwargs: Any) -> Any:
        """The library's enqueue, building the result once (it built it twice: for the signal
        and for the caller; ~2% of a checkout's CPU)."""
        self.validate_task(task)
        result = self._task_to_db_task(task, args, kwargs).task_result
        task_enqueued.send(type(self), task_result=result)
        return result

    def _task_to_db_task(self, task: Any, args: Any, kwargs: Any) -> DBTaskResult:
        task_id = self._get_id()
        if isinstance(task_id, Expression):  # computed by the database: the library's path
            return super()._task_to_db_task(task, args, kwargs)
        row: DBTaskResult = DBTaskResult(
            id=task_id,
            args_kwargs=normalize_json({"args": args, "kwargs": kwargs}),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            run_after=task.run_after if task.run_after is not None else get_date_max(),
            backend_name=self.alias,
        )
        insert_later([row])  # inside ride_along(), with the caller's next statement
        return row


# --- RQ (the scaled configuration) --------------------------------------------------------------

_clients: dict[tuple[str, bool, str], Any] = {}


def shared_connection(name: str = "default", use_strict_redis: bool = False) -> Any:
    """django_rq's `get_connection`, but one Redis client per queue config and process: the
    library builds a new client, pool and TCP connection on every `get_queue()`, so each enqueue
    (every checkout's confirmation email) opened a connection to Redis and spent ~1 ms of CPU on
    it (redis-py looks up its own package version for each new connection). The client's pool is
    thread-safe and starts afresh in a forked process (redis-py checks the pid)."""
    from django_rq.connection_utils import get_redis_connection
    from django_rq.settings import QUEUES

    config = QUEUES[name]
    key = (name, use_strict_redis, repr(sorted(config.items())))
    client = _clients.get(key)
    if client is None:
        client = _clients.setdefault(key, get_redis_connection(config, use_strict_redis))
    return client


class RQBackend(django_tasks_rq.RQBackend):
    """django-tasks-rq, enqueuing through one shared Redis client per process (shared_connection)."""

    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        import django_rq.queues

        # get_queue() looks the name up in its module at each call.
        django_rq.queues.get_connection = shared_connection
        super().__init__(alias, params)
