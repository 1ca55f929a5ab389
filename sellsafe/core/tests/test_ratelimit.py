"""Rate-limit counters: one statement (database) or one pipeline (Redis) per hit, fixed windows,
hashed keys, exact under concurrency, ended windows cleaned up."""

import os
import threading
import uuid

import pytest
from django.db import close_old_connections, connection, connections
from django.test.utils import CaptureQueriesContext

from sellsafe.core import ratelimit
from sellsafe.core.counters import RateCounter

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
HOUR = 3600
T0 = 1_699_999_200.0  # in the past, on a window boundary (divisible by 3600)


@pytest.fixture(autouse=True)
def database_counters(request, settings):
    """The database path, whatever cache the run is configured with (CI's PostgreSQL run uses
    Redis); the Redis tests below set their own cache."""
    if "redis_cache" not in request.fixturenames:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.mark.django_db
def test_counts_per_window_in_one_statement():
    with CaptureQueriesContext(connection) as queries:
        counts = [ratelimit.hit("ip:abc", window_seconds=HOUR, now=T0 + i) for i in range(3)]
    assert counts == [1, 2, 3]
    assert len(queries.captured_queries) == 3
    assert ratelimit.hit("ip:other", window_seconds=HOUR, now=T0) == 1
    assert ratelimit.hit("ip:abc", window_seconds=HOUR, now=T0 + HOUR) == 1  # new window
    assert ratelimit.hit("ip:abc", window_seconds=HOUR, now=T0 + HOUR + 5) == 2


@pytest.mark.django_db
def test_several_keys_in_one_statement():
    with CaptureQueriesContext(connection) as queries:
        first = ratelimit.hits(["ip:a", "email:b"], window_seconds=HOUR, now=T0)
        second = ratelimit.hits(["email:b", "ip:c"], window_seconds=HOUR, now=T0 + 1)
    assert (first, second) == ([1, 1], [2, 1])
    assert len(queries.captured_queries) == 2
    with pytest.raises(ValueError):
        ratelimit.hits(["ip:a", "ip:a"], window_seconds=HOUR)


@pytest.mark.django_db
def test_keys_are_hashed_and_ended_windows_forgotten():
    ratelimit.hit("email:ada@example.com", window_seconds=HOUR, now=T0)
    ratelimit.hit("ip:198.51.100.7", window_seconds=HOUR, now=T0 + HOUR)
    keys = list(RateCounter.objects.values_list("key", flat=True))
    assert all("@" not in k and "198.51" not in k and len(k) == 64 for k in keys)
    assert ratelimit.forget_ended(now=T0 + HOUR + 1) == 1  # the first window has ended
    assert ratelimit.forget_ended(now=T0 + HOUR + 1) == 0
    assert RateCounter.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="Concurrent hits need PostgreSQL")
def test_exact_under_concurrent_hits():
    threads_n, per_thread = 8, 25
    barrier = threading.Barrier(threads_n)
    seen: list[int] = []
    lock = threading.Lock()

    def worker():
        close_old_connections()
        try:
            barrier.wait(timeout=10)
            got = [ratelimit.hit("ip:race", window_seconds=HOUR) for _ in range(per_thread)]
            with lock:
                seen.extend(got)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # Every count handed out exactly once: no lost updates, no duplicates.
    assert sorted(seen) == list(range(1, threads_n * per_thread + 1))


@pytest.fixture
def redis_cache(settings):
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis is not reachable at {REDIS_URL}")
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    yield client, prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


@pytest.mark.redis
@pytest.mark.django_db
def test_redis_counts_without_touching_the_database(redis_cache):
    client, prefix = redis_cache
    with CaptureQueriesContext(connection) as queries:
        counts = [ratelimit.hit("email:ada@example.com", window_seconds=HOUR) for _ in range(3)]
    assert counts == [1, 2, 3]
    assert ratelimit.hits(["email:ada@example.com", "ip:x"], window_seconds=HOUR) == [4, 1]
    assert queries.captured_queries == []
    keys = list(client.scan_iter(f"{prefix}:*"))
    assert len(keys) == 2
    # Not b"ada": three hex letters, which a key's digest holds now and then (a flaky check).
    assert all(b"ada@" not in key and b"example" not in key for key in keys)
    assert all(0 < client.ttl(key) <= HOUR + 60 for key in keys)
    assert not RateCounter.objects.exists()
