"""Orders, their lines, payments, shipments, returns, refunds and notes.

Money is integer minor units in the order's currency. The buyer's personal data is encrypted at
rest (EncryptedTextField, bound to the row); email and phone carry blind indexes for exact search.
The database refuses the impossible: refunds beyond what was paid, lines shipped or returned
beyond what was ordered.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from sellsafe.core.crypto.fields import EncryptedTextField
from sellsafe.core.tenancy import ShopOwned, shop_key


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", "Pending payment"
    PAID = "paid", "Paid"
    FULFILLED = "fulfilled", "Shipped"
    DELIVERED = "delivered", "Delivered"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class FulfilmentStatus(models.TextChoices):
    UNFULFILLED = "unfulfilled", "Not shipped"
    PARTIAL = "partial", "Partly shipped"
    FULFILLED = "fulfilled", "Shipped"


class PaymentMethod(models.TextChoices):
    COD = "cod", "Cash on delivery"
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    PROVIDER = "provider", "Online payment (provider)"


class Order(ShopOwned):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    shop = shop_key(db_index=False)  # the (shop, ...) indexes below lead with it
    number = models.PositiveIntegerField()  # per shop, from Shop.order_counter
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING_PAYMENT
    )
    fulfilment_status = models.CharField(
        max_length=12, choices=FulfilmentStatus.choices, default=FulfilmentStatus.UNFULFILLED
    )
    payment_method = models.CharField(max_length=16, choices=PaymentMethod.choices)
    # What the buyer quotes when paying by bank transfer (and what a provider echoes back).
    payment_reference = models.CharField(max_length=32)
    currency = models.CharField(max_length=3)
    subtotal_minor = models.BigIntegerField()
    shipping_minor = models.BigIntegerField(default=0)
    total_minor = models.BigIntegerField()
    paid_minor = models.BigIntegerField(default=0)
    refunded_minor = models.BigIntegerField(default=0)

    customer = models.ForeignKey(  # (customer, -placed_at) below serves it
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    buyer_email = EncryptedTextField(blank=True, default="")
    buyer_email_index = models.CharField(max_length=32, blank=True, default="")
    buyer_name = EncryptedTextField(blank=True, default="")
    buyer_phone = EncryptedTextField(blank=True, default="")  # E.164
    buyer_phone_index = models.CharField(max_length=32, blank=True, default="")
    # JSON of the validated address (sellsafe.orders.address), encrypted as one value.
    shipping_address = EncryptedTextField(blank=True, default="")
    ship_country = models.CharField(max_length=2, blank=True, default="")
    delivery_note = EncryptedTextField(blank=True, default="")

    # The checkout's idempotency key: a double click or a retry finds this order again.
    idempotency_key = models.CharField(max_length=64)
    # Random per order; signed buyer links carry it, so they name exactly one order.
    link_key = models.CharField(max_length=32)

    placed_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)  # unpaid orders release stock then
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True, default="")
    completed_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "orders_order"
        constraints = [
            models.UniqueConstraint(fields=["shop", "number"], name="order_unique_number"),
            models.UniqueConstraint(
                fields=["shop", "idempotency_key"], name="order_unique_idempotency_key"
            ),
            models.UniqueConstraint(
                fields=["shop", "payment_reference"], name="order_unique_payment_reference"
            ),
            models.CheckConstraint(
                condition=Q(subtotal_minor__gte=0)
                & Q(shipping_minor__gte=0)
                & Q(total_minor=F("subtotal_minor") + F("shipping_minor")),
                name="order_total_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(paid_minor__gte=0) & Q(paid_minor__lte=F("total_minor")),
                name="order_paid_within_total",
            ),
            models.CheckConstraint(
                condition=Q(refunded_minor__gte=0) & Q(refunded_minor__lte=F("paid_minor")),
                name="order_refund_within_paid",
            ),
        ]
        indexes = [
            models.Index(fields=["shop", "-placed_at", "-id"], name="order_list_recent"),
            models.Index(fields=["shop", "status", "-placed_at", "-id"], name="order_list_status"),
            models.Index(fields=["shop", "buyer_email_index"], name="order_by_email"),
            models.Index(fields=["shop", "buyer_phone_index"], name="order_by_phone"),
            models.Index(fields=["status", "expires_at"], name="order_expiry"),
            models.Index(fields=["customer", "-placed_at"], name="order_by_customer"),
        ]

    def __str__(self) -> str:
        return f"#{self.number}"


class OrderLine(ShopOwned):
    """What was bought, as it was when bought (title, SKU and price are copied)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        "catalog.Variant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Where the units are reserved (and leave from when shipped).
    location = models.ForeignKey(
        "inventory.Location", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sku = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    options = models.CharField(max_length=200, blank=True, default="")
    unit_price_minor = models.BigIntegerField()
    quantity = models.PositiveIntegerField()
    total_minor = models.BigIntegerField()
    quantity_shipped = models.PositiveIntegerField(default=0)
    quantity_returned = models.PositiveIntegerField(default=0)  # received back
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        db_table = "orders_order_line"
        ordering = ("position",)
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(unit_price_minor__gte=0)
                & Q(total_minor=F("unit_price_minor") * F("quantity")),
                name="line_total_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(quantity_shipped__lte=F("quantity")), name="line_shipped_within"
            ),
            models.CheckConstraint(
                condition=Q(quantity_returned__lte=F("quantity_shipped")),
                name="line_returned_within_shipped",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"


class Payment(ShopOwned):
    """Money received for an order: recorded by staff (bank transfer, cash) or by the provider's
    webhook (with its event id)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    amount_minor = models.BigIntegerField()
    method = models.CharField(max_length=16, choices=PaymentMethod.choices)
    reference = models.CharField(max_length=100, blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "orders_payment"
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="payment_positive"),
        ]


class Shipment(ShopOwned):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    carrier = models.CharField(max_length=60)
    tracking_number = models.CharField(max_length=100, blank=True, default="")
    shipped_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        db_table = "orders_shipment"
        ordering = ("shipped_at",)


class ShipmentLine(ShopOwned):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        db_table = "orders_shipment_line"
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="shipment_line_positive"),
        ]


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    RECEIVED = "received", "Received"
    REFUNDED = "refunded", "Refunded"


class ReturnRequest(ShopOwned):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="returns")
    status = models.CharField(
        max_length=12, choices=ReturnStatus.choices, default=ReturnStatus.REQUESTED
    )
    reason = EncryptedTextField(blank=True, default="")  # buyers write personal things here
    by_buyer = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "orders_return"
        ordering = ("created_at",)


class ReturnLine(ShopOwned):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    return_request = models.ForeignKey(
        ReturnRequest, on_delete=models.CASCADE, related_name="lines"
    )
    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    # Chosen when the parcel is received: back on the shelf (at `location`) or not.
    restock = models.BooleanField(null=True, blank=True)
    location = models.ForeignKey(
        "inventory.Location", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        db_table = "orders_return_line"
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="return_line_positive"),
        ]


class Refund(ShopOwned):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    shop = shop_key(db_index=False)  # the (shop, ...) indexes below lead with it
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds")
    return_request = models.ForeignKey(
        ReturnRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="refunds"
    )
    amount_minor = models.BigIntegerField()
    reason = models.CharField(max_length=200, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "orders_refund"
        ordering = ("created_at",)
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="refund_positive"),
        ]
        indexes = [models.Index(fields=["shop", "-created_at"], name="refund_recent")]


class OrderNote(ShopOwned):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "orders_note"
        ordering = ("created_at",)


class WebhookEndpoint(ShopOwned):
    """The shared secret a payment provider signs its webhooks with (one active per shop)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    secret = EncryptedTextField()
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "orders_webhook_endpoint"


class WebhookEvent(ShopOwned):
    """Every provider event handled, by its id: a replay finds it and changes nothing."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    shop = shop_key(db_index=False)  # the (shop, ...) indexes below lead with it
    event_id = models.CharField(max_length=100)
    kind = models.CharField(max_length=40)
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=40)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "orders_webhook_event"
        constraints = [
            models.UniqueConstraint(fields=["shop", "event_id"], name="webhook_event_once"),
        ]
