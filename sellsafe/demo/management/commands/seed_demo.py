from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sellsafe.demo.seed import credentials_file as login_file
from sellsafe.demo.seed import seed_owner


class Command(BaseCommand):
    help = "Create (or keep) the demo seller account and print how to sign in."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Demo data is for development only.")
        login = seed_owner()
        port = settings.SELLSAFE_BASE_URL
        self.stdout.write(
            self.style.SUCCESS(f"\nDemo seller account (kept in {login_file()}, mode 0600)\n")
            + f"  URL:        {port}/accounts/login/\n"
            + f"  Email:      {login.email}\n"
            + f"  Password:   {login.password}\n"
            + f"  TOTP secret: {login.totp_secret}  (add it to an authenticator app, or run\n"
            + "               `.venv/bin/python -m sellsafe.demo.totp` for the current code)\n"
            + "  Recovery codes (each works once): "
            + " ".join(login.recovery_codes[:4])
            + " ...\n"
            + f"  Anti-phishing code shown in every email: {login.anti_phishing_phrase!r}\n"
            + "  Mail sent in development: /dev/mailbox/\n"
        )
