"""Address and phone checks per country."""

import pytest

from sellsafe.core.errors import DomainError
from sellsafe.orders import address


def addr(country, postcode, region="", city="Town"):
    return {
        "line1": "1 Street",
        "city": city,
        "region": region,
        "postcode": postcode,
        "country": country,
    }


@pytest.mark.parametrize(
    ("country", "postcode", "region", "normalised"),
    [
        ("GB", "sw1a 1aa", "", "SW1A 1AA"),
        ("US", "90210-1234", "CA", "90210-1234"),
        ("DE", "10115", "", "10115"),
        ("FR", "75001", "", "75001"),
        ("NL", "1012 ab", "", "1012 AB"),
        ("IE", "", "", ""),
        ("IE", "D02 X285", "", "D02 X285"),
        ("ES", "28001", "", "28001"),
        ("IT", "00184", "", "00184"),
        ("AU", "2000", "NSW", "2000"),
        ("CA", "K1A 0B1", "ON", "K1A 0B1"),
        ("VN", "100000", "", "100000"),
        ("PH", "1000", "", "1000"),
        ("ID", "10110", "", "10110"),
        ("TH", "10200", "", "10200"),
        ("MY", "50000", "", "50000"),
        ("SG", "018956", "", "018956"),
        ("JP", "100-0001", "", "100-0001"),  # fallback
        ("JP", "", "", ""),
    ],
)
def test_valid_addresses(country, postcode, region, normalised):
    assert address.clean_address(addr(country, postcode, region))["postcode"] == normalised


@pytest.mark.parametrize(
    ("country", "postcode", "region", "field"),
    [
        ("GB", "12345", "", "postcode"),
        ("GB", "", "", "postcode"),
        ("US", "9021", "CA", "postcode"),
        ("US", "90210", "", "region"),
        ("DE", "1011", "", "postcode"),
        ("NL", "AB 1012", "", "postcode"),
        ("AU", "2000", "", "region"),
        ("CA", "123456", "ON", "postcode"),
        ("SG", "12345", "", "postcode"),
        ("ZZ", "1", "", "country"),
        ("JP", "!!!", "", "postcode"),
    ],
)
def test_invalid_addresses(country, postcode, region, field):
    with pytest.raises(DomainError) as refusal:
        address.clean_address(addr(country, postcode, region))
    assert refusal.value.field == field


def test_singapore_needs_no_city():
    assert address.clean_address(addr("SG", "018956", city=""))["city"] == ""


@pytest.mark.parametrize(
    ("raw", "country", "e164"),
    [
        ("07911 123456", "GB", "+447911123456"),
        ("+44 7911 123456", "US", "+447911123456"),
        ("(201) 555-0123", "US", "+12015550123"),
        ("030 12345678", "DE", "+493012345678"),
        ("0912 345 6789", "PH", "+639123456789"),
        ("9123 4567", "SG", "+6591234567"),
    ],
)
def test_phone_to_e164(raw, country, e164):
    assert address.clean_phone(raw, country=country) == e164


@pytest.mark.parametrize("raw", ["", "abc", "123", "+99 123", "0" * 41, None, 447911123456])
def test_bad_phones(raw):
    with pytest.raises(DomainError) as refusal:
        address.clean_phone(raw, country="GB")
    assert refusal.value.field == "phone"
