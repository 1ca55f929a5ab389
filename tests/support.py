"""Helpers shared by the test suites (fixtures live in the root conftest.py)."""

STRONG_PASSWORD = "correct horse battery staple on a quiet tuesday"


def totp_now(secret: str, margin: float = 1.0) -> str:
    """The code an authenticator app shows now for `secret`, with at least `margin` seconds left
    to reach the server (only the current step is accepted)."""
    from sellsafe.demo.totp import current_code

    return current_code(secret, margin)[0]
