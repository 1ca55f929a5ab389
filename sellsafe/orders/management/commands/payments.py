"""`sellsafe payments webhook-secret --shop SLUG`: create the payment provider's webhook secret.

The secret is printed once, with the endpoint path and the signature header format to give the
provider; older secrets stop working at once. Only its ciphertext is stored. See
docs/payments-returns-refunds.md.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from sellsafe.orders.services.payments import webhook_secret_create
from sellsafe.shops.models import Shop


class Command(BaseCommand):
    help = "Payment provider webhooks: create the shared secret."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{webhook-secret}")
        secret = sub.add_parser("webhook-secret", help="Create a new shared secret (printed once).")
        secret.add_argument("--shop", required=True, metavar="SLUG")

    def handle(self, *args: Any, **options: Any) -> None:
        shop = Shop.objects.filter(slug=options["shop"]).first()
        if shop is None:
            raise CommandError(f"No shop with the slug {options['shop']!r}.")
        value = webhook_secret_create(shop=shop, actor=None)
        path = reverse("hooks:payment_webhook", args=[shop.slug])
        self.stdout.write(f"Secret (shown once, store it in the provider's settings): {value}")
        self.stdout.write(f"Endpoint: POST {path}")
        self.stdout.write("Header: Sellsafe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>")
        self.stdout.write('  signed text: f"{t}." + raw request body; key: the secret above')
        self.stdout.write("Any earlier secret for this shop no longer works.")
