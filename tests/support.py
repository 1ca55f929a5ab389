"""Helpers shared by the test suites (fixtures live in the root conftest.py)."""

STRONG_PASSWORD = "correct horse battery staple on a quiet tuesday"


def totp_now(secret: str, offset: int = 0) -> str:
    """The code an authenticator app shows now for `secret`."""
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    counter = next(iter(yield_hotp_counters_from_time())) + offset
    return format_hotp_value(hotp_value(secret, counter))
