"""core.task_queue: the database queue writes the same task row as django-tasks-db does."""

from datetime import UTC, datetime

import pytest
from django.tasks import task, task_backends
from django_tasks_db.models import DBTaskResult, get_date_max

pytestmark = pytest.mark.django_db

LIBRARY = "django_tasks_db.DatabaseBackend"
OURS = "sellsafe.core.task_queue.DatabaseBackend"
COMPARED = ("status", "args_kwargs", "priority", "task_path", "queue_name", "backend_name",
            "run_after", "worker_ids", "return_value", "exception_class_path", "traceback",
            "started_at", "finished_at")  # fmt: skip


@task(priority=3)
def _noted(*, note: str) -> str:
    return note


def _enqueue(settings, backend: str, **options) -> DBTaskResult:
    settings.TASKS = {"default": {"BACKEND": backend}}
    queued = (_noted.using(**options) if options else _noted).enqueue(note="hello")
    assert type(task_backends["default"]).__name__ == "DatabaseBackend"
    return DBTaskResult.objects.get(id=queued.id)


@pytest.mark.parametrize("options", [{}, {"run_after": datetime(2030, 1, 2, 3, 4, tzinfo=UTC)}])
def test_same_row_as_the_library(settings, options):
    theirs = _enqueue(settings, LIBRARY, **options)
    ours = _enqueue(settings, OURS, **options)
    for name in COMPARED:
        assert getattr(ours, name) == getattr(theirs, name), name
    assert ours.id != theirs.id and ours.enqueued_at >= theirs.enqueued_at
    if not options:
        assert ours.run_after == get_date_max()  # "as soon as possible", as the library stores it


def test_the_worker_runs_it(settings, transactional_db):
    from django.core.management import call_command

    row = _enqueue(settings, OURS)
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*")
    row.refresh_from_db()
    assert (row.status, row.return_value) == ("SUCCESSFUL", "hello")


@pytest.mark.parametrize("backend", [LIBRARY, OURS])
def test_enqueuing_announces_the_result_it_returns(settings, backend):
    from django.tasks.signals import task_enqueued

    announced = []

    def heard(sender, task_result, **_):
        announced.append(task_result)

    settings.TASKS = {"default": {"BACKEND": backend}}
    task_enqueued.connect(heard)
    try:
        queued = _noted.enqueue(note="hello")
    finally:
        task_enqueued.disconnect(heard)
    assert [r.id for r in announced] == [queued.id]
    assert announced[0].task.func is _noted.func and announced[0].args == queued.args
