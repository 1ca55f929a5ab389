"""The buyer's personal data: normalising, blind indexes, the address as encrypted JSON, masking.

One place decides how email and phone are normalised before their blind index is taken, so the
checkout, the order search and the customer search always agree.
"""

from __future__ import annotations

import json
from typing import Any

from sellsafe.core.crypto.blind import blind_index
from sellsafe.core.masking import mask_email

EMAIL_INDEX = "orders.buyer.email"
PHONE_INDEX = "orders.buyer.phone"
ADDRESS_KEYS = ("line1", "line2", "city", "region", "postcode", "country")


def normalise_email(email: str) -> str:
    return " ".join(str(email).split()).lower()


def email_index(email: str) -> str:
    value = normalise_email(email)
    return blind_index(value, purpose=EMAIL_INDEX) if value else ""


def phone_index(e164: str) -> str:
    """`e164` as stored (+447700900123); "" stays ""."""
    value = "".join(str(e164).split())
    return blind_index(value, purpose=PHONE_INDEX) if value else ""


def address_dumps(address: dict[str, str]) -> str:
    return json.dumps({key: str(address.get(key, "")) for key in ADDRESS_KEYS}, sort_keys=True)


def address_loads(text: str) -> dict[str, str]:
    if not text:
        return dict.fromkeys(ADDRESS_KEYS, "")
    data: Any = json.loads(text)
    return {key: str(data.get(key, "")) for key in ADDRESS_KEYS}


def mask_phone(e164: str) -> str:
    """***-***-1234: the last four digits only."""
    digits = [c for c in str(e164) if c.isdigit()]
    return f"***-***-{''.join(digits[-4:])}" if len(digits) >= 4 else ("***" if digits else "")


def mask_name(name: str) -> str:
    """J*** S***: initials only."""
    return " ".join(f"{part[:1]}***" for part in str(name).split()[:3])


def mask_email_full(email: str) -> str:
    """j***@e***.com: first letter of the local part and of the domain, and the last label."""
    masked = mask_email(email)
    local, _, domain = masked.partition("@")
    if not domain:
        return masked
    head, _, tld = domain.rpartition(".")
    if not head:
        return f"{local}@{domain[:1]}***"
    return f"{local}@{head[:1]}***.{tld}"


def masked_place(address: dict[str, str]) -> str:
    """City and country only."""
    return ", ".join(part for part in (address.get("city", ""), address.get("country", "")) if part)
