"""`sellsafe customers retention [--shop SLUG]`: apply the shops' retention settings now.

Run it daily from cron (or schedule `sellsafe.customers.tasks.retention_task`). Each shop with a
retention period gets the buyers of orders completed longer ago anonymised; see
docs/customers-and-privacy.md. Safe to run repeatedly.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sellsafe.customers.services.retention import anonymise_completed_orders
from sellsafe.customers.tasks import run_retention
from sellsafe.shops.models import Shop


class Command(BaseCommand):
    help = "Customer data: apply retention (anonymise buyers of old completed orders)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        retention = sub.add_parser("retention", help="Anonymise buyers past each shop's period.")
        retention.add_argument("--shop", default="", help="Only this shop (slug).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] != "retention":
            raise CommandError("Unknown action.")
        slug = str(options.get("shop") or "")
        if slug:
            shop = Shop.objects.filter(slug=slug).first()
            if shop is None:
                raise CommandError(f"No shop with slug {slug!r}.")
            if not shop.retention_days:
                self.stdout.write(f"{slug}: retention is off.")
                return
            done = {slug: anonymise_completed_orders(shop=shop)}
        else:
            done = run_retention()
        if not any(done.values()):
            self.stdout.write("Nothing to anonymise.")
        for name, count in done.items():
            self.stdout.write(f"{name}: {count} order(s) anonymised.")
