"""Print the demo account's current TOTP code: `python -m sellsafe.demo.totp`."""

import json
import os
from pathlib import Path


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sellsafe.settings")
    import django

    django.setup()
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )
    from django.conf import settings

    saved = json.loads((Path(settings.DATA_DIR) / "demo-login.json").read_text())
    counter = next(iter(yield_hotp_counters_from_time()))
    print(format_hotp_value(hotp_value(saved["totp_secret"], counter)))


if __name__ == "__main__":
    main()
