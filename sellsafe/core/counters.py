"""The rate-limit counter table (used when no Redis is configured); see core/ratelimit.py."""

from __future__ import annotations

from typing import ClassVar

from django.db import models


class RateCounter(models.Model):
    """Hits of one hashed key in its current fixed window. One row per key, rewritten in place by
    a single upsert; rows of ended windows are deleted by a periodic job."""

    key = models.CharField(primary_key=True, max_length=64)  # sha256 hex: no address or email
    window_end = models.BigIntegerField()  # epoch seconds; a hit past it starts a new window
    hits = models.IntegerField(default=0)

    objects: ClassVar[models.Manager[RateCounter]] = models.Manager()

    class Meta:
        db_table = "core_rate_counter"
        indexes = [models.Index(fields=["window_end"], name="rate_counter_window_end")]

    def __str__(self) -> str:
        return f"{self.hits} hits"
