"""Audit action codes for orders, payments, fulfilment, returns and refunds."""

ORDER_PLACED = "order.placed"
ORDER_PAID = "order.paid"
ORDER_PAYMENT_RECORDED = "order.payment_recorded"
ORDER_SHIPPED = "order.shipped"
ORDER_DELIVERED = "order.delivered"
ORDER_COMPLETED = "order.completed"
ORDER_CANCELLED = "order.cancelled"
ORDER_EXPIRED = "order.expired"
ORDER_CANCELLED_BY_BUYER = "order.cancelled_by_buyer"
ORDER_NOTE_ADDED = "order.note_added"
ORDER_PACKING_SLIP_PRINTED = "order.packing_slip_printed"
ORDER_LINK_SENT = "order.link_sent"
ORDER_REFUSED = "order.refused"
RETURN_REQUESTED = "return.requested"
RETURN_APPROVED = "return.approved"
RETURN_REJECTED = "return.rejected"
RETURN_RECEIVED = "return.received"
REFUND_ISSUED = "refund.issued"
REFUND_BURST = "refund.burst"
WEBHOOK_SECRET_CREATED = "payments.webhook_secret_created"  # nosec B105 - an action code
WEBHOOK_REJECTED = "payments.webhook_rejected"
ORDER_SETTINGS_CHANGED = "orders.settings_changed"

LABELS: dict[str, str] = {
    ORDER_PLACED: "Order placed",
    ORDER_PAID: "Order paid",
    ORDER_PAYMENT_RECORDED: "Payment recorded",
    ORDER_SHIPPED: "Shipment sent",
    ORDER_DELIVERED: "Order delivered",
    ORDER_COMPLETED: "Order completed",
    ORDER_CANCELLED: "Order cancelled",
    ORDER_EXPIRED: "Unpaid order expired",
    ORDER_CANCELLED_BY_BUYER: "Order cancelled by the buyer",
    ORDER_NOTE_ADDED: "Note added to order",
    ORDER_PACKING_SLIP_PRINTED: "Packing slip printed (full address)",
    ORDER_LINK_SENT: "Order link sent to buyer",
    ORDER_REFUSED: "Refused: order action without permission",
    RETURN_REQUESTED: "Return requested",
    RETURN_APPROVED: "Return approved",
    RETURN_REJECTED: "Return rejected",
    RETURN_RECEIVED: "Return received",
    REFUND_ISSUED: "Refund issued",
    REFUND_BURST: "Many refunds in a short time",
    WEBHOOK_SECRET_CREATED: "Payment webhook secret created",
    WEBHOOK_REJECTED: "Payment webhook rejected",
    ORDER_SETTINGS_CHANGED: "Order settings changed",
}
