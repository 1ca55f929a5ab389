"""Showing enough of personal data to recognise it, and no more."""

from __future__ import annotations


def mask_email(email: str) -> str:
    """j***@example.com: the first letter and the domain."""
    local, _, domain = email.partition("@")
    if not domain:
        return "***"
    return f"{local[:1]}***@{domain}"
