"""What one checkout writes: one audit event (the order's, listing the reserved units), stock
movements numbered with the order, and a bounded number of SQL statements."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sellsafe.audit.models import AuditEvent
from sellsafe.core import tenancy
from sellsafe.inventory.models import StockMovement
from sellsafe.orders import events
from sellsafe.orders.models import Order
from tests.storefront.conftest import BUYER, add_to_cart, checkout_key, url

pytestmark = pytest.mark.django_db

# A guard, not the goal. 14 here on SQLite (savepoints of the test's transaction included), 8 on
# PostgreSQL with Redis, 9 with the database cache: shop, one rate-limit upsert, variants, one
# stock UPDATE per line, customer (with the database task queue, the email's task row rides along
# in that statement; the test settings queue it after COMMIT), the order number with the audit
# chain's head (one round trip on PostgreSQL), movements + order + lines + audit event + chain head
# (one statement on PostgreSQL). No session: the cart is in the buyer's cookie (storefront.state).
# Was 72 (with the database cache) before the checkout was made lean, then 25, 20 and 18.
MAX_STATEMENTS = 14


def test_one_audit_event_lists_the_reserved_units(client, store):
    add_to_cart(client, store, quantity="2")
    key = checkout_key(client, store)
    before = AuditEvent.objects.filter(shop=store.shop).count()
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url(store, "checkout"), {**BUYER, "idempotency_key": key})
    assert response.status_code == 302
    # Data-key reads are cached per process in production; the test settings reset that cache.
    statements = [q for q in queries.captured_queries if "core_data_key" not in q["sql"]]
    assert len(statements) <= MAX_STATEMENTS, (len(statements), [q["sql"][:80] for q in statements])
    with tenancy.scope(store.shop):
        order = Order.objects.get()
        movement = StockMovement.objects.get(reason="reserved")
    assert movement.note == f"Order #{order.number}"
    assert (movement.reserved_change, movement.location_id) == (2, store.location.pk)
    new = list(AuditEvent.objects.filter(shop=store.shop).order_by("seq"))[before:]
    assert [e.action for e in new] == [events.ORDER_PLACED]
    assert new[0].changes["reserved"] == [
        {"sku": "MUG", "location": store.location.name, "quantity": 2}
    ]
