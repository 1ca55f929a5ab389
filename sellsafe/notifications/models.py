"""In-app notifications for a shop's staff (low stock now; orders and security later)."""

from __future__ import annotations

import uuid

from django.db import models

from sellsafe.core.tenancy import ShopOwned, shop_key


class Notification(ShopOwned):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    shop = shop_key(db_index=False)  # the (shop, ...) indexes below lead with it
    kind = models.CharField(max_length=32)
    # Which permission a member needs to see it (e.g. catalog.view for low stock).
    permission = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    body = models.CharField(max_length=1000, blank=True, default="")
    link = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "notifications_notification"
        indexes = [models.Index(fields=["shop", "-created_at"], name="notification_recent")]

    def __str__(self) -> str:
        return self.title
