"""Audit action codes for customers and their personal data."""

CUSTOMER_PII_REVEALED = "customer.pii_revealed"
CUSTOMER_EXPORTED = "customer.exported"
CUSTOMER_ERASED = "customer.erased"
CUSTOMERS_RETENTION_ANONYMISED = "customers.retention_anonymised"
CUSTOMER_REFUSED = "customer.refused"

LABELS: dict[str, str] = {
    CUSTOMER_PII_REVEALED: "Customer's personal data revealed",
    CUSTOMER_EXPORTED: "Customer data exported (data request)",
    CUSTOMER_ERASED: "Customer erased (data request)",
    CUSTOMERS_RETENTION_ANONYMISED: "Old orders' buyers anonymised (retention)",
    CUSTOMER_REFUSED: "Refused: customer data without permission",
}
