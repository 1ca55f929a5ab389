"""A random, long-lived cookie per browser tells a known device from a new one.

Only its keyed hash is stored, so a database reader cannot replay it.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from sellsafe.core.crypto import blind_index

COOKIE_MAX_AGE = 400 * 24 * 3600  # browsers cap cookie lifetime at 400 days


def fingerprint(cookie_value: str) -> str:
    return blind_index(cookie_value, purpose="device-cookie")


def cookie_value(request: HttpRequest) -> str | None:
    value = request.COOKIES.get(settings.SELLSAFE_DEVICE_COOKIE, "")
    # Our values are 32 url-safe characters; anything else is ignored rather than trusted.
    if len(value) == 32 and value.replace("-", "").replace("_", "").isalnum():
        return value
    return None


def ensure_cookie(request: HttpRequest, response: HttpResponse) -> None:
    if cookie_value(request) is None:
        response.set_cookie(
            settings.SELLSAFE_DEVICE_COOKIE,
            secrets.token_urlsafe(24),
            max_age=COOKIE_MAX_AGE,
            secure=settings.HTTPS,
            httponly=True,
            samesite="Lax",
        )
