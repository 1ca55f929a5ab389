"""Audit action codes for the catalog."""

CATEGORY_CREATED = "category.created"
PRODUCT_CREATED = "product.created"
PRODUCT_UPDATED = "product.updated"
PRODUCT_STATUS_CHANGED = "product.status_changed"
PRODUCT_DELETED = "product.deleted"
PRICE_CHANGED = "product.price_changed"
BULK_STATUS_CHANGED = "product.bulk_status_changed"
BULK_DELETED = "product.bulk_deleted"
BULK_PRICE_CHANGED = "product.bulk_price_changed"
CATALOG_REFUSED = "catalog.refused"
IMAGE_ADDED = "product.image_added"
IMAGE_REMOVED = "product.image_removed"
IMAGE_REORDERED = "product.images_reordered"
IMAGE_ALT_CHANGED = "product.image_alt_changed"

LABELS: dict[str, str] = {
    CATEGORY_CREATED: "Category created",
    PRODUCT_CREATED: "Product created",
    PRODUCT_UPDATED: "Product changed",
    PRODUCT_STATUS_CHANGED: "Product status changed",
    PRODUCT_DELETED: "Product deleted",
    PRICE_CHANGED: "Prices changed",
    BULK_STATUS_CHANGED: "Products activated or archived in bulk",
    BULK_DELETED: "Draft products deleted in bulk",
    BULK_PRICE_CHANGED: "Prices changed in bulk",
    CATALOG_REFUSED: "Refused: catalog change without permission",
    IMAGE_ADDED: "Product image added",
    IMAGE_REMOVED: "Product image removed",
    IMAGE_REORDERED: "Product images reordered",
    IMAGE_ALT_CHANGED: "Product image description changed",
}
