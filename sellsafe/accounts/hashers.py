"""Argon2id with a cost tuned for this machine class (see docs/security.md for the measurements)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher


class SellsafeArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id. Django's default (t=2, m=100 MiB, p=8) costs ~150 ms per login on two cores, which
    lets a login flood starve the box; this cost keeps well above OWASP's minimum (m=19 MiB, t=2, p=1)
    while allowing the login throughput recorded in docs/security.md. Stored hashes carry their own
    parameters, so a change here upgrades each hash at its owner's next login."""

    @property
    def time_cost(self) -> int:  # type: ignore[override]
        return int(getattr(settings, "SELLSAFE_ARGON2_TIME_COST", 2))

    @property
    def memory_cost(self) -> int:  # type: ignore[override]
        return int(getattr(settings, "SELLSAFE_ARGON2_MEMORY_KIB", 47104))

    @property
    def parallelism(self) -> int:  # type: ignore[override]
        return int(getattr(settings, "SELLSAFE_ARGON2_PARALLELISM", 1))
