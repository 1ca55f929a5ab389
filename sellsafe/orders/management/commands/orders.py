"""`sellsafe orders expire`: cancel unpaid orders whose time ran out and give their stock back.

Run it every few minutes from cron or a systemd timer (like `sellsafe expire_access`). Running
it twice, or at the same time as a payment arrives, changes nothing twice.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sellsafe.orders.tasks import BATCH, expire_due


class Command(BaseCommand):
    help = "Order housekeeping. `sellsafe orders expire` expires unpaid orders that are due."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        expire = sub.add_parser("expire", help="Expire unpaid orders past their payment time.")
        expire.add_argument("--batch", type=int, default=BATCH, help="Orders per round.")

    def handle(self, *args: Any, **options: Any) -> None:
        batch = max(1, min(int(options["batch"]), 10_000))
        total = 0
        while True:  # in rounds, so a backlog is cleared without loading it all at once
            expired = expire_due(limit=batch)
            total += expired
            if expired < batch:
                break
        self.stdout.write(f"Expired {total} unpaid order(s).")
