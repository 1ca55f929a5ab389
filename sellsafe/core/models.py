"""Core tables that belong to the installation, not to a shop."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone


class DataKey(models.Model):
    """One AES-256 data key of the key ring, stored wrapped (encrypted) under the master key.

    Exactly one key is primary: new values are encrypted with it. The others stay to read older
    values until `sellsafe keys rotate` has re-encrypted them. Rows are never deleted, because
    values outside model fields (e.g. allauth's MFA secrets) may still name an old key.
    """

    # Short random hex id, also written into every ciphertext token (`ss1.<kid>.<...>`).
    kid = models.CharField(primary_key=True, max_length=16, editable=False)
    # base64(nonce || AES-256-GCM(wrap key, data key, aad="sellsafe.datakey.v1:<kid>")).
    wrapped_key = models.TextField(editable=False)
    # Fingerprint of the master key that wrapped this key, so a wrong master key is named as such.
    master_key_id = models.CharField(max_length=32, editable=False)
    is_primary = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # When the key stopped being primary (it is still used to read older values).
    retired_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[models.Manager[DataKey]] = models.Manager()

    class Meta:
        db_table = "core_data_key"
        ordering = ("created_at",)
        constraints = [
            # At most one primary key, even when two processes create the first key at once.
            models.UniqueConstraint(
                fields=["is_primary"],
                condition=models.Q(is_primary=True),
                name="core_data_key_one_primary",
            )
        ]

    def __str__(self) -> str:
        return f"data key {self.kid}{' (primary)' if self.is_primary else ''}"


from sellsafe.core.counters import RateCounter  # noqa: E402,F401  (registered with the core app)
