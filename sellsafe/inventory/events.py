"""Audit action codes for inventory."""

STOCK_ADJUSTED = "stock.adjusted"
STOCK_RESERVED = "stock.reserved"
STOCK_RELEASED = "stock.released"
STOCK_SOLD = "stock.sold"
STOCK_LOW = "stock.low"
STOCK_COUNTED = "stock.counted"
LOCATION_CREATED = "location.created"
LOCATION_UPDATED = "location.updated"
THRESHOLD_CHANGED = "stock.threshold_changed"
SHOP_DEFAULT_THRESHOLD_CHANGED = "stock.default_threshold_changed"
INVENTORY_REFUSED = "stock.refused"

LABELS: dict[str, str] = {
    STOCK_ADJUSTED: "Stock adjusted",
    STOCK_RESERVED: "Stock reserved for an order",
    STOCK_RELEASED: "Stock reservation released",
    STOCK_SOLD: "Reserved stock sold",
    STOCK_COUNTED: "Stock counted (many variants at one location)",
    STOCK_LOW: "Stock fell below its low-stock threshold",
    LOCATION_CREATED: "Stock location created",
    LOCATION_UPDATED: "Stock location changed",
    THRESHOLD_CHANGED: "Low-stock threshold changed",
    SHOP_DEFAULT_THRESHOLD_CHANGED: "Shop's default low-stock threshold changed",
    INVENTORY_REFUSED: "Refused: stock change without permission",
}
