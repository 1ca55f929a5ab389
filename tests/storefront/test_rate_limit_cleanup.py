"""The checkout's database rate-limit counters are cleaned up by `sellsafe periodic`."""

import pytest

from sellsafe.console.management.commands.periodic import JOBS
from sellsafe.core import ratelimit
from sellsafe.core.counters import RateCounter

pytestmark = pytest.mark.django_db


def test_periodic_job_forgets_ended_windows(settings):
    # The database counters, whatever cache the run uses (CI's PostgreSQL run has Redis).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    ratelimit.hit("checkout:ip:old", window_seconds=3600, now=1_699_999_200.0)
    ratelimit.hit("checkout:ip:now", window_seconds=3600)
    [job] = [j for j in JOBS if j.name == "forget ended rate-limit windows"]
    job.run()
    assert RateCounter.objects.count() == 1
