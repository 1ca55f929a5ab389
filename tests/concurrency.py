"""Real concurrency on PostgreSQL: jobs in threads, each with its own connection and transaction,
released together by a barrier."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import close_old_connections, connection, connections

from sellsafe.core.errors import DomainError

# Module marks for tests that need concurrent writers (SQLite serialises every write).
POSTGRES_ONLY = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Concurrent writers need PostgreSQL (SQLite serialises every write); "
        "run with DATABASE_URL=postgres://...",
    ),
]


def run_together(jobs: list[Callable[[], Any]], *, results: bool = False) -> list[Any]:
    """Run the jobs at once. Each outcome is "ok" (or, with `results=True`, what the job
    returned), or the message of the DomainError it raised; anything else it raised fails the
    test."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[Any] = [None] * len(jobs)

    def worker(index: int, job: Callable[[], Any]) -> None:
        close_old_connections()
        try:
            barrier.wait(timeout=10)
            result = job()
            outcomes[index] = result if results else "ok"
        except DomainError as error:
            outcomes[index] = error.message
        except Exception as error:  # reported by the assertion below
            outcomes[index] = f"crash: {error!r}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    crashes = [o for o in outcomes if o is None or (isinstance(o, str) and o.startswith("crash"))]
    assert crashes == [], crashes
    return outcomes
