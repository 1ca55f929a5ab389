"""Built-in roles: sets of permission codes, created for every shop."""

from __future__ import annotations

from dataclasses import dataclass

from sellsafe.shops.permissions import CODES, PERMISSIONS

OWNER = "owner"
ADMIN = "admin"
CATALOG = "catalog_manager"
FULFILMENT = "fulfilment"
CUSTOMER_SERVICE = "customer_service"
FINANCE = "finance"
ANALYST = "analyst"

# Only an owner may grant these roles (money and ownership are the attacker's prize).
OWNER_GRANTED = frozenset({OWNER, FINANCE})


@dataclass(frozen=True, slots=True)
class BuiltinRole:
    key: str
    name: str
    codes: frozenset[str]
    description: str


_READ_ONLY = frozenset(p.code for p in PERMISSIONS if p.code.endswith(".view") and not p.sensitive)

BUILTIN_ROLES: tuple[BuiltinRole, ...] = (
    BuiltinRole(OWNER, "Owner", CODES, "Everything, including ownership and payouts."),
    BuiltinRole(
        ADMIN,
        "Admin",
        CODES - {"finance.manage_payouts"},
        "Runs the shop and its staff; cannot change payouts or grant Owner or Finance.",
    ),
    BuiltinRole(
        CATALOG,
        "Catalog manager",
        frozenset({"shop.view", "catalog.view", "catalog.edit", "inventory.adjust", "orders.view"}),
        "Products, prices and stock.",
    ),
    BuiltinRole(
        FULFILMENT,
        "Fulfilment",
        frozenset(
            {"shop.view", "catalog.view", "inventory.adjust", "orders.view", "orders.fulfil"}
        ),
        "Picks, packs and ships orders; prints packing slips.",
    ),
    BuiltinRole(
        CUSTOMER_SERVICE,
        "Customer service",
        frozenset(
            {
                "shop.view",
                "catalog.view",
                "orders.view",
                "orders.refund",
                "customers.view",
                "customers.view_pii",
            }
        ),
        "Answers buyers, handles returns and refunds.",
    ),
    BuiltinRole(
        FINANCE,
        "Finance",
        frozenset(
            {"shop.view", "orders.view", "orders.refund", "finance.view", "finance.manage_payouts"}
        ),
        "Payouts, balances and refunds.",
    ),
    BuiltinRole(
        ANALYST,
        "Analyst (read-only)",
        _READ_ONLY,
        "Reads everything except personal data; changes nothing.",
    ),
)
BY_KEY: dict[str, BuiltinRole] = {role.key: role for role in BUILTIN_ROLES}
# Recommended for a phishing-resistant factor (passkey or security key) at shop setup.
PHISHING_RESISTANT_DEFAULT = (OWNER, FINANCE)
