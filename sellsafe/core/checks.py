"""System checks that refuse unsafe production settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register


@register(Tags.security, deploy=True)
def production_safety(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    csp = getattr(settings, "SECURE_CSP", {}) or {}
    middleware = getattr(settings, "MIDDLEWARE", [])
    if not csp or "django.middleware.csp.ContentSecurityPolicyMiddleware" not in middleware:
        errors.append(
            Error(
                "A Content-Security-Policy is required.",
                hint="Set SECURE_CSP and keep ContentSecurityPolicyMiddleware in MIDDLEWARE.",
                id="sellsafe.E001",
            )
        )
    elif "'unsafe-inline'" in csp.get("script-src", []) or "frame-ancestors" not in csp:
        errors.append(
            Error(
                "The Content-Security-Policy must not allow inline scripts and must set "
                "frame-ancestors.",
                id="sellsafe.E002",
            )
        )
    if not getattr(settings, "SELLSAFE_MASTER_KEY", ""):
        errors.append(
            Error(
                "No master encryption key is configured.",
                hint="Set SELLSAFE_MASTER_KEY to 32 random bytes, base64-encoded.",
                id="sellsafe.E003",
            )
        )
    else:
        from sellsafe.core.crypto.keys import MasterKeyError, load_master_key

        try:
            load_master_key(settings.SELLSAFE_MASTER_KEY)
        except MasterKeyError as exc:
            errors.append(Error(str(exc), id="sellsafe.E004"))
    if getattr(settings, "PRODUCTION", False) and not getattr(
        settings, "SELLSAFE_REQUIRE_MFA", True
    ):
        errors.append(Error("Production cannot switch off the second factor.", id="sellsafe.E005"))
    return errors
