"""`{{ amount|money:currency }}`: minor units shown as "12.34 GBP"."""

from __future__ import annotations

from typing import Any

from django import template

from sellsafe.core.money import format_minor

register = template.Library()


@register.filter
def money(minor: Any, currency: str = "") -> str:
    if not isinstance(minor, int) or isinstance(minor, bool):
        return ""
    text = format_minor(minor, currency)
    return f"{text} {currency}".strip()
