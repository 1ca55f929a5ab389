"""`make demo` seeds a usable shop, and running it again keeps the data and the login."""

import json

from django.core.management import call_command

from sellsafe.catalog.models import Product
from sellsafe.core import tenancy
from sellsafe.inventory.models import StockLevel
from sellsafe.orders.models import Order, OrderStatus, Refund, ReturnRequest
from sellsafe.shops.models import Membership, Shop


def test_seed_demo_is_complete_and_idempotent(db, settings, tmp_path, capsys):
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo")
    first = json.loads((tmp_path / "demo-login.json").read_text())
    assert (tmp_path / "demo-login.json").stat().st_mode & 0o777 == 0o600
    assert first["password"] in capsys.readouterr().out
    shop = Shop.objects.get(slug="dana-ceramics")
    with tenancy.scope(shop):
        products = Product.objects.count()
        assert products >= 30
        assert Membership.objects.count() == 3
        assert StockLevel.objects.filter(on_hand__gt=0).exists()
        orders = Order.objects.count()
        states = set(Order.objects.values_list("status", flat=True))
        assert states == set(OrderStatus.values), states  # an order in every state
        assert Order.objects.filter(fulfilment_status="partial").exists()
        assert Order.objects.filter(cancel_reason="Cancelled by the buyer").exists()
        assert ReturnRequest.objects.filter(status="refunded").exists()
        assert Refund.objects.exists()
    call_command("seed_demo")
    assert json.loads((tmp_path / "demo-login.json").read_text()) == first
    with tenancy.scope(shop):
        assert Product.objects.count() == products
        assert Order.objects.count() == orders
