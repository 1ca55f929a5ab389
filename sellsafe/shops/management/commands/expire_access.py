from typing import Any

from django.core.management.base import BaseCommand

from sellsafe.shops.services import access_expire_due


class Command(BaseCommand):
    help = (
        "End staff access whose end date has passed: remove the membership, end the person's "
        "sessions and record it. Run it every few minutes (cron or a systemd timer); access is "
        "refused at request time from the end date either way."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        ended = access_expire_due()
        self.stdout.write(f"Ended {ended} expired staff access(es).")
