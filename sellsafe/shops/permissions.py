"""Permission codes. A role is a set of these; each console view and API endpoint names the one it
needs, and the server checks it.

Codes for domains built in later issues (catalog, orders, customers, finance) are declared here so
roles can be complete from the start; they move to their app's permissions module with the app.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Permission:
    code: str
    label: str
    sensitive: bool = False  # personal data, money or security: never part of read-only roles


PERMISSIONS: tuple[Permission, ...] = (
    Permission("shop.view", "Open the shop's console"),
    Permission("shop.settings", "Edit shop details"),
    Permission("staff.view", "See staff and their roles"),
    Permission("staff.manage", "Invite, change and remove staff; edit custom roles", True),
    Permission("security.manage", "Set the shop's security policy", True),
    Permission("audit.view", "Read the shop's activity log"),
    Permission("audit.export", "Export the activity log", True),
    Permission("catalog.view", "See products and stock"),
    Permission("catalog.edit", "Create and edit products and prices"),
    Permission("inventory.adjust", "Adjust stock levels"),
    Permission("orders.view", "See orders"),
    Permission("orders.fulfil", "Fulfil and ship orders"),
    Permission("orders.refund", "Record payments, cancel and refund orders", True),
    Permission("customers.view", "See customers (masked personal data)"),
    Permission("customers.view_pii", "Reveal customers' personal data", True),
    Permission("customers.export", "Export or erase customer data", True),
    Permission("finance.view", "See payouts and balances"),
    Permission("finance.manage_payouts", "Change payout bank details and payouts", True),
    Permission("analytics.view", "See reports"),
)

CODES: frozenset[str] = frozenset(p.code for p in PERMISSIONS)
LABELS: dict[str, str] = {p.code: p.label for p in PERMISSIONS}


def is_known(code: str) -> bool:
    return code in CODES
