"""A shop's buyers. Personal data is encrypted at rest (bound to its row); email and phone also
carry a keyed blind index for exact-match search. Staff see it masked unless they reveal it."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from sellsafe.core.crypto.fields import EncryptedTextField
from sellsafe.core.tenancy import ShopOwned, shop_key


class Customer(ShopOwned):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    shop = shop_key(db_index=False)  # the (shop, ...) indexes below lead with it
    email = EncryptedTextField(blank=True, default="")
    # blind_index(normalised email, purpose=EMAIL_INDEX); "" once erased.
    email_index = models.CharField(max_length=32, blank=True, default="")
    name = EncryptedTextField(blank=True, default="")
    phone = EncryptedTextField(blank=True, default="")  # E.164
    phone_index = models.CharField(max_length=32, blank=True, default="")
    # JSON list of address dicts (see sellsafe.orders.address), encrypted as one value.
    addresses = EncryptedTextField(blank=True, default="")
    orders_count = models.PositiveIntegerField(default=0)
    total_spent_minor = models.BigIntegerField(default=0)
    first_order_at = models.DateTimeField(null=True, blank=True)
    last_order_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the customer's personal data was erased (data request or retention).
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "customers_customer"
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "email_index"],
                condition=~Q(email_index=""),
                name="customer_unique_email",
            ),
        ]
        indexes = [
            models.Index(fields=["shop", "-last_order_at", "-id"], name="customer_list_recent"),
            models.Index(fields=["shop", "phone_index"], name="customer_by_phone"),
        ]

    def __str__(self) -> str:
        return f"Customer {self.pk}"
