"""A shop's time zone: pages show dates in it, date filters read typed days in it.

Stored timestamps stay UTC (USE_TZ); only what people read and type is local. A name that is not
a known IANA zone (an old row, a hand-edited database) falls back to UTC rather than failing.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, tzinfo
from functools import lru_cache

from django.utils import timezone


@lru_cache(maxsize=512)
def zone_named(name: str) -> tzinfo:
    """The zone called `name`; UTC for a blank or unknown name."""
    if not name or name == "UTC":
        return UTC
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return UTC


@contextmanager
def local_time(name: str) -> Iterator[None]:
    """Render (templates' `|date`, `timezone.localtime`) in the zone `name` inside the block;
    the previous zone comes back afterwards, even on an exception."""
    with timezone.override(zone_named(name)):
        yield


def day_start(day: date, name: str) -> datetime:
    """00:00 of `day` in the zone `name`, as an aware datetime (compare it with UTC columns)."""
    return datetime.combine(day, time.min, tzinfo=zone_named(name))
