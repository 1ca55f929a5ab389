"""Print the demo account's current TOTP code: `python -m sellsafe.demo.totp`."""

import json
import os
import sys
import time
from pathlib import Path


def current_code(secret: str, margin: float) -> tuple[str, int]:
    """The code an authenticator app shows for `secret`, and its whole seconds left, from a time
    step with at least `margin` seconds left. The server accepts only the current step (allauth's
    tolerance is 0), so a code read in a step's last moment expires before it arrives."""
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    period = app_settings.TOTP_PERIOD
    if period - time.time() % period < margin:
        time.sleep(period - time.time() % period + 0.05)
    counter = next(iter(yield_hotp_counters_from_time()))
    left = period - time.time() % period
    return format_hotp_value(hotp_value(secret, counter)), int(left)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sellsafe.settings")
    import django

    django.setup()
    from django.conf import settings

    saved = json.loads((Path(settings.DATA_DIR) / "demo-login.json").read_text())
    code, left = current_code(saved["totp_secret"], margin=5)
    print(code)
    print(f"valid for {left} more seconds", file=sys.stderr)


if __name__ == "__main__":
    main()
