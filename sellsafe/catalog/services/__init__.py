"""Catalog writes: categories, products and variants, bulk actions. Every one is keyword-only,
checks `catalog.edit` itself (refusals are audited), runs in one transaction and records an
audit event."""

from sellsafe.catalog.services.bulk import (
    ReauthenticationRequired,
    bulk_activate,
    bulk_archive,
    bulk_delete_drafts,
    bulk_price_change,
)
from sellsafe.catalog.services.categories import category_create
from sellsafe.catalog.services.products import (
    product_create,
    product_set_status,
    product_update,
)
from sellsafe.catalog.services.validation import CatalogInvalid

__all__ = [
    "CatalogInvalid",
    "ReauthenticationRequired",
    "bulk_activate",
    "bulk_archive",
    "bulk_delete_drafts",
    "bulk_price_change",
    "category_create",
    "product_create",
    "product_set_status",
    "product_update",
]
