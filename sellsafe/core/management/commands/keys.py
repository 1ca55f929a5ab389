"""`sellsafe keys status|rotate|rewrap`: inspect and rotate the encryption key ring."""

from __future__ import annotations

import os
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sellsafe.core.crypto import keys
from sellsafe.core.crypto.rotation import UNENCRYPTED, sources
from sellsafe.core.models import DataKey


class Command(BaseCommand):
    help = "Show the data keys, rotate to a new data key, or re-wrap keys under a new master key."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{status,rotate,rewrap}")
        sub.add_parser("status", help="Data keys and how many stored values use each.")
        rotate = sub.add_parser(
            "rotate", help="Add a new primary data key and re-encrypt every value with it."
        )
        rotate.add_argument(
            "--reencrypt-only",
            action="store_true",
            help="Do not add a key; re-encrypt values still under older keys (rerun after a stop).",
        )
        rotate.add_argument("--batch-size", type=int, default=500, help="Rows per transaction.")
        rewrap = sub.add_parser(
            "rewrap", help="Re-wrap every data key under a new master key (data is untouched)."
        )
        rewrap.add_argument(
            "--new-master-key-env",
            required=True,
            metavar="VAR",
            help="Name of the environment variable holding the new master key (never the key).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            ring = keys.get_keyring()
        except keys.MasterKeyError as exc:
            raise CommandError(str(exc)) from None
        if action == "status":
            self._status(ring)
        elif action == "rotate":
            self._rotate(
                ring, reencrypt_only=options["reencrypt_only"], batch=options["batch_size"]
            )
        else:
            self._rewrap(ring, options["new_master_key_env"])

    def _status(self, ring: keys.KeyRing) -> None:
        self.stdout.write(f"Master key id: {ring.master_key_id}")
        rows = list(DataKey.objects.order_by("created_at"))
        if not rows:
            self.stdout.write("No data keys yet (the first one is made on the first encryption).")
        for row in rows:
            state = "primary" if row.is_primary else "retired"
            if row.retired_at is not None:
                state += f" {row.retired_at:%Y-%m-%d %H:%M}"
            if row.master_key_id != ring.master_key_id:
                state += f", wrapped by another master key ({row.master_key_id})"
            self.stdout.write(f"  {row.kid}  {state}  created {row.created_at:%Y-%m-%d %H:%M}")
        self.stdout.write("Stored values per data key:")
        order = {row.kid: i for i, row in enumerate(rows)}
        for source in sources():
            counts = sorted(source.count_by_key().items(), key=lambda kv: order.get(kv[0], -1))
            shown = ", ".join(f"{kid}={n}" for kid, n in counts) or "none"
            self.stdout.write(f"  {source.label}: {shown}")

    def _rotate(self, ring: keys.KeyRing, *, reencrypt_only: bool, batch: int) -> None:
        if batch < 1:
            raise CommandError("--batch-size must be at least 1.")
        if reencrypt_only:
            kid = ring.primary()[0]
            self.stdout.write(f"Re-encrypting to the primary data key {kid}.")
        else:
            kid = ring.rotate()
            self.stdout.write(f"New primary data key: {kid}. Re-encrypting stored values.")
        started = time.monotonic()
        failed: list[str] = []
        for source in sources():
            result = source.reencrypt(target_kid=kid, batch_size=batch, progress=self.stdout.write)
            failed += [f"{source.label} row {pk}" for pk in result.failed]
        remaining = 0
        unencrypted = False
        for source in sources():
            counts = source.count_by_key()
            remaining += sum(n for k, n in counts.items() if k != kid)
            unencrypted = unencrypted or UNENCRYPTED in counts
        self.stdout.write(f"Values still under other keys or not encrypted: {remaining}.")
        if unencrypted:
            self.stdout.write(self.style.WARNING("Some stored values are not encrypted tokens."))
        if not reencrypt_only and time.monotonic() - started < keys.PRIMARY_CACHE_SECONDS:
            self.stdout.write(
                f"Running processes switch to the new key within {keys.PRIMARY_CACHE_SECONDS:.0f}s;"
                " rerun with --reencrypt-only after that to catch values they wrote meanwhile."
            )
        if failed:
            raise CommandError(
                f"{len(failed)} value(s) could not be decrypted and were left as they are: "
                + "; ".join(failed[:20])
            )
        if remaining:
            self.stdout.write("Rerun `sellsafe keys rotate --reencrypt-only` to finish.")
        else:
            self.stdout.write(self.style.SUCCESS("Done: every value uses the primary key."))

    def _rewrap(self, ring: keys.KeyRing, variable: str) -> None:
        value = os.environ.get(variable, "")
        if not value:
            raise CommandError(f"The environment variable {variable} is empty or not set.")
        try:
            new = keys.KeyRing(value)
        except keys.MasterKeyError as exc:
            raise CommandError(str(exc).replace("SELLSAFE_MASTER_KEY", variable)) from None
        if new.master_key_id == ring.master_key_id:
            raise CommandError("The new master key is the same as the current one.")
        try:
            count = ring.rewrap(new)
        except keys.KeyRingError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Re-wrapped {count} data key(s) under master key id {new.master_key_id}."
        )
        self.stdout.write(
            self.style.WARNING(
                "Now set SELLSAFE_MASTER_KEY to the new key and restart every process. Processes "
                "still on the old key cannot load keys they have not cached. Blind indexes are "
                "derived from the master key: rebuild them."
            )
        )
