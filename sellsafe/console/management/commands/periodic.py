"""`sellsafe periodic`: the jobs that run on a clock, for boxes without cron.

Every job is idempotent (conditional updates; a second run finds nothing left to do), so running
this on more than one machine at scale is safe, only wasteful. With cron or systemd timers, call
the individual commands instead (`sellsafe expire_access`, `sellsafe orders expire`,
`sellsafe customers retention`) or `sellsafe periodic --once` every minute.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from sellsafe.core.ratelimit import forget_ended
from sellsafe.customers.tasks import run_retention
from sellsafe.orders.tasks import expire_due
from sellsafe.shops.services import access_expire_due

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    every_seconds: int
    run: Callable[[], Any]


JOBS: tuple[Job, ...] = (
    Job("expire staff access", 300, access_expire_due),
    Job("expire unpaid orders", 60, expire_due),
    Job("customer data retention", 86_400, run_retention),
    Job("forget ended rate-limit windows", 3600, forget_ended),
)


def run_due(last_run: dict[str, float], now: float) -> list[str]:
    """Run each job whose interval has passed; a failing job is logged (no data) and retried on
    the next tick, and never stops the others."""
    ran = []
    for job in JOBS:
        if now - last_run.get(job.name, float("-inf")) < job.every_seconds:
            continue
        last_run[job.name] = now
        try:
            job.run()
        except Exception:
            logger.exception("periodic job failed: %s", job.name)
            continue
        ran.append(job.name)
    return ran


class Command(BaseCommand):
    help = "Run the periodic jobs (staff access expiry, unpaid order expiry, retention) forever."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Run every job once and exit.")
        parser.add_argument("--tick", type=int, default=15, help="Seconds between checks.")

    def handle(self, *args: Any, **options: Any) -> None:
        last_run: dict[str, float] = {}
        if options["once"]:
            ran = run_due(last_run, time.monotonic())
            self.stdout.write(f"Ran: {', '.join(ran) or 'nothing'}.")
            return
        stopping = False

        def stop(*_: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        tick = max(1, options["tick"])
        while not stopping:
            close_old_connections()  # a long-lived process: drop broken or expired connections
            run_due(last_run, time.monotonic())
            for _ in range(tick):
                if stopping:
                    break
                time.sleep(1)
