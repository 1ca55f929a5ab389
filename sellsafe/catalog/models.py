"""Products, their variants, categories and images."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from sellsafe.core.tenancy import ShopOwned, shop_key

MAX_OPTIONS = 3


class Category(ShopOwned):
    """A shop's own category tree."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    shop = shop_key(db_index=False)  # the (shop, ...) indexes below lead with it
    name = models.CharField(max_length=100)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        db_table = "catalog_category"
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "parent", "name"], name="category_unique_name_in_parent"
            ),
            models.UniqueConstraint(
                fields=["shop", "name"],
                condition=Q(parent__isnull=True),
                name="category_unique_top_level_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProductStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    ARCHIVED = "archived", "Archived"


class Product(ShopOwned):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    shop = shop_key(db_index=False)  # the (shop, ...) indexes below lead with it
    title = models.CharField(max_length=200)
    # Markdown as the seller typed it, and the sanitised HTML rendered from it (nh3) on save.
    description = models.TextField(blank=True, default="")
    description_html = models.TextField(blank=True, default="", editable=False)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    brand = models.CharField(max_length=100, blank=True, default="")
    tags = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=16, choices=ProductStatus.choices, default=ProductStatus.DRAFT
    )
    handle = models.SlugField(  # looked up within a shop: the (shop, handle) key serves it
        max_length=120, db_index=False, help_text="The product's web address (SEO handle)."
    )
    # Up to three option axes, e.g. ["Size", "Colour"]; empty for a product without options.
    option_names = models.JSONField(default=list, blank=True)
    # Lowest and highest variant price, kept by `refresh_price_range` in the same transaction as
    # every variant write: the list sorts and pages on them through an index.
    price_min = models.BigIntegerField(default=0)
    price_max = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "catalog_product"
        constraints = [
            models.UniqueConstraint(fields=["shop", "handle"], name="product_unique_handle"),
        ]
        indexes = [
            # Keyset pagination of the product list: newest first, ties broken by id.
            models.Index(fields=["shop", "-updated_at", "-id"], name="product_list_recent"),
            models.Index(fields=["shop", "title", "id"], name="product_list_title"),
            models.Index(fields=["shop", "status"], name="product_by_status"),
            models.Index(fields=["shop", "price_min", "id"], name="product_list_price"),
        ]

    def __str__(self) -> str:
        return self.title


class Variant(ShopOwned):
    """A sellable thing: one combination of option values, with its SKU, price and stock."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    shop = shop_key(db_index=False)  # the (shop, ...) indexes below lead with it
    # (product, position) below serves it.
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="variants", db_index=False
    )
    sku = models.CharField(max_length=64)
    barcode = models.CharField(max_length=64, blank=True, default="")
    # Integer minor units (cents, pence) in the shop's currency: no floating point money.
    price_minor = models.BigIntegerField()
    compare_at_minor = models.BigIntegerField(null=True, blank=True)
    option_values = models.JSONField(default=list, blank=True)
    weight_grams = models.PositiveIntegerField(null=True, blank=True)
    # Below this many units in total, the shop is told once; null means the shop's default.
    low_stock_threshold = models.PositiveIntegerField(null=True, blank=True)
    low_stock_alerted = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        db_table = "catalog_variant"
        ordering = ("position", "sku")
        constraints = [
            models.UniqueConstraint(fields=["shop", "sku"], name="variant_unique_sku"),
            models.CheckConstraint(
                condition=Q(price_minor__gte=0), name="variant_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(compare_at_minor__isnull=True) | Q(compare_at_minor__gte=0),
                name="variant_compare_at_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["shop", "barcode"], name="variant_by_barcode"),
            models.Index(fields=["product", "position"], name="variant_by_product"),
        ]

    def __str__(self) -> str:
        return self.sku


class ProductImage(ShopOwned):
    """An uploaded image, re-encoded on upload (metadata stripped) under a random name."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    position = models.PositiveSmallIntegerField(default=0)
    storage_name = models.CharField(max_length=200, unique=True)
    thumbnail_name = models.CharField(max_length=200, blank=True, default="")
    content_type = models.CharField(max_length=32)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    bytes = models.PositiveIntegerField()
    alt_text = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "catalog_product_image"
        ordering = ("position", "created_at")

    def __str__(self) -> str:
        return self.storage_name
