"""The cart, kept in the buyer's state at the shop (storefront.state): variant id -> quantity,
bounded in size.

What the cookie holds is only a wish list: prices, availability and even whether the variant
still exists are read again from the shop's catalog on every page and at checkout.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.http import HttpRequest

from sellsafe.orders.services.placing import MAX_LINES, MAX_QUANTITY, CartLine
from sellsafe.storefront import state

KEYS_KEPT = 5  # checkout form keys remembered
CART = "cart"
KEYS = "checkout-keys"


def read(request: HttpRequest) -> dict[str, int]:
    raw = state.of(request).get(CART, {})
    if not isinstance(raw, dict):
        return {}
    cart: dict[str, int] = {}
    for key, value in list(raw.items())[:MAX_LINES]:
        if isinstance(key, str) and isinstance(value, int) and 1 <= value <= MAX_QUANTITY:
            cart[key] = value
    return cart


def write(request: HttpRequest, cart: dict[str, int]) -> None:
    state.of(request)[CART] = cart


def parse_variant_id(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def parse_quantity(value: Any, *, allow_zero: bool = False) -> int | None:
    """A whole number within 1..MAX_QUANTITY (0 too when it means "remove"); None otherwise."""
    if not isinstance(value, str) or not value.strip().isdigit() or len(value.strip()) > 3:
        return None
    number = int(value.strip())
    low = 0 if allow_zero else 1
    return number if low <= number <= MAX_QUANTITY else None


def lines(cart: dict[str, int]) -> list[CartLine]:
    return [CartLine(variant_id=pk, quantity=qty) for pk, qty in cart.items()]


# --- The checkout's idempotency key --------------------------------------------------------------


def issue_key(request: HttpRequest) -> str:
    """A fresh key for a checkout form, remembered in the buyer's state (the last few)."""
    key = secrets.token_urlsafe(24)
    keys = [k for k in state.of(request).get(KEYS, []) if isinstance(k, str)]
    state.of(request)[KEYS] = [*keys, key][-KEYS_KEPT:]
    return key


def key_issued(request: HttpRequest, key: Any) -> bool:
    """Only keys this buyer was given count: a key copied from elsewhere finds no order."""
    keys = state.of(request).get(KEYS, [])
    return isinstance(key, str) and isinstance(keys, list) and key in keys
