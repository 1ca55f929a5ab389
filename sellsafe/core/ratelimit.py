"""Fixed-window hit counters for rate limits, one round trip per hit.

With Redis as the cache (REDIS_URL): INCR and EXPIRE in one pipeline on a key per window. Without:
one upsert on `core_rate_counter` (PostgreSQL, or SQLite >= 3.35):
`INSERT ... ON CONFLICT (key) DO UPDATE ... RETURNING hits`, exact under concurrency because the
conflicting row is locked by the statement itself. (Django's cache add + incr on the database cache
cost ~11 statements and 2 commits per counter, with a COUNT(*) cull each time.)

Keys are hashed here, so neither store ever holds an address or an email in plain text.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection

from sellsafe.core.counters import RateCounter
from sellsafe.core.durability import execute_unflushed

_UPSERT = (
    'INSERT INTO core_rate_counter ("key", window_end, hits) VALUES {rows}'
    ' ON CONFLICT ("key") DO UPDATE SET'
    " hits = CASE WHEN core_rate_counter.window_end = excluded.window_end"
    " THEN core_rate_counter.hits + 1 ELSE 1 END,"
    " window_end = excluded.window_end"
    ' RETURNING "key", hits'
)


def _hashed(key: str) -> str:
    return hashlib.sha256(f"sellsafe-ratelimit:{key}".encode()).hexdigest()


def _redis_client() -> object | None:
    """The redis-py client behind Django's RedisCache, or None with any other cache."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    return backend._cache.get_client(None, write=True)


def hit(key: str, *, window_seconds: int, now: float | None = None) -> int:
    """Count one hit for `key` in the current window; the number of hits so far in it."""
    return hits([key], window_seconds=window_seconds, now=now)[0]


def hits(keys: list[str], *, window_seconds: int, now: float | None = None) -> list[int]:
    """Count one hit for each (distinct) key in one round trip; the counts, in order."""
    now = time.time() if now is None else now
    window_end = (int(now) // window_seconds + 1) * window_seconds
    hashed = [_hashed(key) for key in keys]
    if len(set(hashed)) != len(hashed):
        raise ValueError("Count each key once per call.")
    client = _redis_client()
    if client is not None:
        pipe = client.pipeline(transaction=False)  # type: ignore[attr-defined]
        for digest in hashed:
            name = caches["default"].make_key(f"rate:{digest}:{window_end}")
            pipe.incr(name)
            pipe.expire(name, max(1, window_end - int(now)) + 60)
        replies = pipe.execute()
        return [int(count) for count in replies[::2]]
    # One multi-row upsert; only placeholders are formatted into the statement.
    rows = ", ".join(["(%s, %s, 1)"] * len(hashed))
    params: list[str | int] = []
    for name in hashed:
        params += [name, window_end]
    with connection.cursor() as cursor:
        # A count lost in a database crash is harmless: no WAL flush wait (core.durability).
        execute_unflushed(cursor, connection, _UPSERT.format(rows=rows), params)
        counts = {str(k): int(n) for k, n in cursor.fetchall()}
    return [counts[name] for name in hashed]


def forget_ended(*, now: float | None = None) -> int:
    """Delete the database counters of windows that have ended (periodic job); how many."""
    now = time.time() if now is None else now
    deleted, _ = RateCounter.objects.filter(window_end__lte=int(now)).delete()
    return int(deleted)
