"""Stock per variant per location, and the history of every change."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from sellsafe.core.tenancy import ShopOwned, shop_key


class LocationKind(models.TextChoices):
    WAREHOUSE = "warehouse", "Warehouse"
    SHOP = "shop", "Shop"
    THIRD_PARTY = "3pl", "Third-party logistics"


class Location(ShopOwned):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    shop = shop_key(db_index=False)  # the (shop, ...) indexes below lead with it
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=LocationKind.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        db_table = "inventory_location"
        constraints = [
            models.UniqueConstraint(fields=["shop", "name"], name="location_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class StockLevel(ShopOwned):
    """On hand and reserved units of one variant at one location. The database itself refuses
    negative stock and reservations beyond what is on hand."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    variant = models.ForeignKey(  # the (variant, location) key serves it
        "catalog.Variant", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)

    class Meta:
        db_table = "inventory_stock_level"
        constraints = [
            models.UniqueConstraint(fields=["variant", "location"], name="stock_unique_place"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_not_negative"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0) & Q(reserved__lte=F("on_hand")),
                name="stock_reserved_within_on_hand",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.on_hand} on hand"


class MovementReason(models.TextChoices):
    RECEIVED = "received", "Received"
    COUNTED = "counted", "Counted"
    DAMAGED = "damaged", "Damaged"
    RETURNED = "returned", "Returned"
    CORRECTION = "correction", "Correction"
    # Used by orders (next issue) through the same service.
    RESERVED = "reserved", "Reserved for an order"
    RELEASED = "released", "Reservation released"
    SOLD = "sold", "Sold"


class StockMovement(ShopOwned):
    """One change to a stock level, for the per-variant history page."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    variant = models.ForeignKey(  # (variant, -created_at) below serves it
        "catalog.Variant", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=16, choices=MovementReason.choices)
    note = models.CharField(max_length=500, blank=True, default="")
    on_hand_change = models.IntegerField(default=0)
    reserved_change = models.IntegerField(default=0)
    on_hand_after = models.IntegerField()
    reserved_after = models.IntegerField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Read only per variant, newest first: (variant, -created_at) below serves it.
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "inventory_stock_movement"
        indexes = [
            models.Index(fields=["variant", "-created_at"], name="movement_by_variant"),
        ]

    def __str__(self) -> str:
        return f"{self.reason} {self.on_hand_change:+d}"
