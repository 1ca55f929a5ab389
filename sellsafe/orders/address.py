"""Checking what a buyer types at checkout: email, name, phone (to E.164) and the shipping address.

Each country has its required fields and postcode format in a small table; any other country
(a region the phone library knows) gets a lenient fallback. Errors are DomainErrors naming the
form field, so the checkout can show them next to what the buyer typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from sellsafe.core.errors import DomainError

EMAIL_MAX = 254
NAME_MAX = 200
PHONE_RAW_MAX = 40
NOTE_MAX = 1000
LIMITS = {"line1": 200, "line2": 200, "city": 100, "region": 100, "postcode": 16, "country": 2}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class CountryRule:
    name: str
    postcode: str | None  # regex on the upper-cased postcode; None: no postcode in use
    postcode_required: bool = True
    region_required: bool = False
    city_required: bool = True
    region_label: str = "State / region"


COUNTRIES: dict[str, CountryRule] = {
    "GB": CountryRule("United Kingdom", r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}"),
    "US": CountryRule("United States", r"[0-9]{5}(-[0-9]{4})?", region_required=True),
    "DE": CountryRule("Germany", r"[0-9]{5}"),
    "FR": CountryRule("France", r"[0-9]{5}"),
    "NL": CountryRule("Netherlands", r"[0-9]{4} ?[A-Z]{2}"),
    "IE": CountryRule("Ireland", r"[A-Z][0-9]{2}[0-9W]? ?[A-Z0-9]{4}", postcode_required=False),
    "ES": CountryRule("Spain", r"[0-9]{5}"),
    "IT": CountryRule("Italy", r"[0-9]{5}"),
    "AU": CountryRule("Australia", r"[0-9]{4}", region_required=True),
    "CA": CountryRule("Canada", r"[A-Z][0-9][A-Z] ?[0-9][A-Z][0-9]", region_required=True),
    "VN": CountryRule("Vietnam", r"[0-9]{5,6}", postcode_required=False, region_label="Province"),
    "PH": CountryRule("Philippines", r"[0-9]{4}", region_label="Province"),
    "ID": CountryRule("Indonesia", r"[0-9]{5}", region_label="Province"),
    "TH": CountryRule("Thailand", r"[0-9]{5}", region_label="Province"),
    "MY": CountryRule("Malaysia", r"[0-9]{5}", region_label="State"),
    "SG": CountryRule("Singapore", r"[0-9]{6}", city_required=False),
}
# Anywhere else: the postcode is optional, letters, digits, spaces and dashes.
FALLBACK = CountryRule("", r"[A-Z0-9][A-Z0-9 -]{1,10}[A-Z0-9]", postcode_required=False)


def known_country(code: str) -> bool:
    return code in COUNTRIES or code in phonenumbers.SUPPORTED_REGIONS


def country_choices() -> list[tuple[str, str]]:
    """The table's countries first (by name), then every other region code."""
    named = sorted(((code, rule.name) for code, rule in COUNTRIES.items()), key=lambda c: c[1])
    others = sorted(
        (code, code)
        for code in phonenumbers.SUPPORTED_REGIONS
        if code not in COUNTRIES and code != "001"
    )
    return named + others


def _text(value: Any, *, field: str, limit: int, label: str, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise DomainError(f"Enter {label} as text.", field=field)
    if len(value) > limit:
        raise DomainError(f"Keep {label} under {limit} characters.", field=field)
    if _CONTROL.search(value):
        raise DomainError(f"Remove the special characters from {label}.", field=field)
    value = " ".join(value.split())
    if required and not value:
        raise DomainError(f"Enter {label}.", field=field)
    return value


def clean_email(value: Any) -> str:
    email = _text(value, field="email", limit=EMAIL_MAX, label="your email", required=True)
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError("Enter a valid email address.", field="email") from None
    return email


def clean_name(value: Any) -> str:
    return _text(value, field="name", limit=NAME_MAX, label="your name", required=True)


def clean_note(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DomainError("Enter the delivery note as text.", field="delivery_note")
    if len(value) > NOTE_MAX:
        raise DomainError(
            f"Keep the delivery note under {NOTE_MAX} characters.", field="delivery_note"
        )
    if _CONTROL.search(value.replace("\r", "")):
        raise DomainError("Remove the special characters from the note.", field="delivery_note")
    return value.strip()


def clean_country(value: Any) -> str:
    code = _text(value, field="country", limit=2, label="the country", required=True).upper()
    if not known_country(code):
        raise DomainError("Choose a country from the list.", field="country")
    return code


def clean_phone(value: Any, *, country: str) -> str:
    """The phone number in E.164 (+447700900123); local numbers are read for `country`."""
    raw = _text(value, field="phone", limit=PHONE_RAW_MAX, label="your phone", required=True)
    try:
        number = phonenumbers.parse(raw, country or None)
    except phonenumbers.NumberParseException:
        raise DomainError("Enter a valid phone number.", field="phone") from None
    if not phonenumbers.is_valid_number(number):
        raise DomainError(
            "Enter a valid phone number (with the country code if it is not local).",
            field="phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_address(data: Any) -> dict[str, str]:
    """The address with keys line1, line2, city, region, postcode, country, checked for the
    country: required fields present, postcode in the country's format (normalised upper case)."""
    if not isinstance(data, dict):
        raise DomainError("Enter the shipping address.", field="line1")
    country = clean_country(data.get("country"))
    rule = COUNTRIES.get(country, FALLBACK)
    line1 = _text(
        data.get("line1"), field="line1", limit=LIMITS["line1"], label="the street", required=True
    )
    line2 = _text(
        data.get("line2"), field="line2", limit=LIMITS["line2"], label="line 2", required=False
    )
    city = _text(
        data.get("city"),
        field="city",
        limit=LIMITS["city"],
        label="the town or city",
        required=rule.city_required,
    )
    region = _text(
        data.get("region"),
        field="region",
        limit=LIMITS["region"],
        label=rule.region_label.lower(),
        required=rule.region_required,
    )
    postcode = _clean_postcode(data.get("postcode"), rule)
    return {
        "line1": line1,
        "line2": line2,
        "city": city,
        "region": region,
        "postcode": postcode,
        "country": country,
    }


def _clean_postcode(value: Any, rule: CountryRule) -> str:
    postcode = _text(
        value,
        field="postcode",
        limit=LIMITS["postcode"],
        label="the postcode",
        required=rule.postcode_required and rule.postcode is not None,
    ).upper()
    if postcode and rule.postcode and not re.fullmatch(rule.postcode, postcode):
        where = f" for {rule.name}" if rule.name else ""
        raise DomainError(f"Enter a valid postcode{where}.", field="postcode")
    return postcode
