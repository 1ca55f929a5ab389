"""Shops, their roles, members and invitations."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from sellsafe.core.crypto.fields import EncryptedTextField
from sellsafe.core.tenancy import ShopOwned, shop_key


def default_payment_methods() -> list[str]:
    return ["cod", "bank_transfer"]


class Shop(models.Model):
    """The tenant. Reached by slug in URLs; access goes through a membership check."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=120)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code")
    currency = models.CharField(max_length=3, help_text="ISO 4217 code")
    timezone = models.CharField(max_length=64, default="UTC")
    contact_email = models.EmailField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)
    # Security policy, set by owners.
    phishing_resistant_roles = models.JSONField(
        default=list,
        blank=True,
        help_text="Role keys whose members must sign in with a passkey or security key.",
    )
    session_max_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Shorter absolute session length inside this shop."
    )
    ip_allowlist = models.TextField(
        blank=True, default="", help_text="IP ranges (CIDR), one per line; empty allows any."
    )
    low_stock_default = models.PositiveIntegerField(
        default=5, help_text="Warn when a variant's total stock falls below this many units."
    )
    # Orders (settings edited on the shop's order settings page).
    order_counter = models.PositiveIntegerField(default=1000, editable=False)
    payment_methods = models.JSONField(default=default_payment_methods, blank=True)
    bank_transfer_details = EncryptedTextField(
        blank=True, default="", help_text="Account name and IBAN/number buyers pay into."
    )
    shipping_flat_minor = models.BigIntegerField(default=0)
    order_expiry_minutes = models.PositiveIntegerField(
        default=4320, help_text="Unpaid orders (bank transfer, online) are cancelled after this."
    )
    refund_reauth_minor = models.BigIntegerField(
        default=10000, help_text="Refunds above this amount ask for re-authentication."
    )
    retention_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Anonymise buyers of orders completed more than this many days ago.",
    )

    class Meta:
        db_table = "shops_shop"

    def __str__(self) -> str:
        return self.name


class Role(ShopOwned):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    shop = shop_key(db_index=False)  # the (shop, ...) indexes below lead with it
    key = models.SlugField(max_length=64)
    name = models.CharField(max_length=80)
    codes = models.JSONField(default=list)
    builtin = models.BooleanField(default=False)
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        db_table = "shops_role"
        constraints = [models.UniqueConstraint(fields=["shop", "key"], name="role_unique_key")]

    def __str__(self) -> str:
        return self.name

    @property
    def code_set(self) -> frozenset[str]:
        return frozenset(self.codes)


class Membership(ShopOwned):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    shop = shop_key(db_index=False)  # the (shop, ...) indexes below lead with it
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    access_ends_at = models.DateTimeField(
        null=True, blank=True, help_text="Access ends by itself at this time (agencies, seasonal)."
    )
    last_active_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "shops_membership"
        constraints = [
            models.UniqueConstraint(fields=["shop", "user"], name="membership_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.shop_id}"


class Invitation(ShopOwned):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    shop = shop_key(db_index=False)  # the (shop, ...) indexes below lead with it
    email = models.EmailField(max_length=254)
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="+")
    # Keyed hash of the single-use token: the token itself is only ever in the email.
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    access_ends_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "shops_invitation"
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_pending_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.email}"
