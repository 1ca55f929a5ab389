"""Errors services raise for the interface layer to turn into a clear message.

Messages are written for the person using the console: plain, specific, and never revealing
another shop's data or a secret.
"""

from __future__ import annotations


class DomainError(Exception):
    """A request that cannot be done as asked. `field` names the form field it concerns."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    """The actor lacks the right to do this (the refusal is audited by the service)."""


class ReauthenticationRequired(DomainError):
    """The change is risky enough (money, personal data, bulk prices) that the person must have
    confirmed their password or passkey in the last few minutes; the view sends them to do so."""


class NotFound(DomainError):
    """The object does not exist in this shop, or the actor may not know it does."""
