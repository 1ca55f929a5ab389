"""Money as integer minor units (cents, pence): parsing what a person typed, and formatting.

No floating point anywhere: "12.34" becomes 1234 through Decimal, strictly.
"""

from __future__ import annotations

import re
from decimal import Decimal

# ISO 4217 currencies without minor units (the ones a shop is likely to use).
ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV"}
    | {"XAF", "XOF", "XPF"}
)
MAX_MINOR = 10**12
_AMOUNT = re.compile(r"\A([0-9]{1,13})(?:\.([0-9]{1,2}))?\Z")
_AMOUNT_WHOLE = re.compile(r"\A([0-9]{1,13})\Z")


class MoneyError(ValueError):
    """The text is not an amount of money this shop accepts; the message says why."""


def decimals(currency: str) -> int:
    return 0 if (currency or "").upper() in ZERO_DECIMAL else 2


def parse(text: str | int | None, currency: str = "") -> int:
    """Parse "12.34" (or "12", "12.3") into minor units. Rejects negatives, more decimals than the
    currency has, thousands separators, exponents and amounts of 10**12 minor units or more."""
    if text is None:
        raise MoneyError("Enter an amount.")
    if isinstance(text, bool):
        raise MoneyError("Enter an amount such as 12.34.")
    if isinstance(text, int):
        text = str(text)
    if not isinstance(text, str):
        raise MoneyError("Enter an amount such as 12.34.")
    cleaned = text.strip()
    if not cleaned:
        raise MoneyError("Enter an amount.")
    if len(cleaned) > 20:
        raise MoneyError("That amount is too large.")
    if cleaned.startswith("-"):
        raise MoneyError("The amount cannot be negative.")
    places = decimals(currency)
    match = (_AMOUNT if places else _AMOUNT_WHOLE).match(cleaned)
    if not match:
        if places and re.fullmatch(r"[0-9]+\.[0-9]{3,}", cleaned):
            raise MoneyError("Use at most two decimal places.")
        if not places and re.fullmatch(r"[0-9]+\.[0-9]*", cleaned):
            raise MoneyError(f"{currency.upper()} amounts have no decimal places.")
        raise MoneyError("Enter an amount such as 12.34.")
    minor = int(Decimal(cleaned) * (10**places))
    if minor >= MAX_MINOR:
        raise MoneyError("That amount is too large.")
    return minor


def format_minor(minor: int | None, currency: str = "") -> str:
    """1234 -> "12.34" (or "1234" for a zero-decimal currency); None -> ""."""
    if minor is None:
        return ""
    places = decimals(currency)
    if not places:
        return str(minor)
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), 10**places)
    return f"{sign}{whole}.{cents:0{places}d}"
