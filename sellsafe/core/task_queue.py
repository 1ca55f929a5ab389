"""The database task queue (the one-box default): django-tasks-db, with the task row written by
`core.inserts` instead of `DBTaskResult.objects.create`.

The row is the one the library writes (same id function, columns and values, and `run_after`
set as its pre_save handler sets it); only the query compiler is skipped, which cost more CPU
than the rest of enqueuing. Order confirmations enqueue on every checkout. Everything else
(workers, results, retries) is the library's.
"""

from __future__ import annotations

from typing import Any

import django_tasks_db
from django.db.models import Expression
from django_tasks_db.backend import normalize_json
from django_tasks_db.models import DBTaskResult, get_date_max

from sellsafe.core.inserts import insert_later


class DatabaseBackend(django_tasks_db.DatabaseBackend):
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
