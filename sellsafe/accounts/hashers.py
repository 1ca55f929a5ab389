"""Argon2id with a cost tuned for this machine class (see docs/security.md for the measurements)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher


class SellsafeArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id at t=1, m=46 MiB, p=1 (one of OWASP's recommended settings): about 55-60 ms of CPU
    per verification here, against ~150-250 ms for Django's default (t=2, m=100 MiB, p=8), which
    lets a login flood starve a two-core box. Measurements: docs/passwords.md. Stored hashes carry
    their own parameters, so a change here upgrades each hash at its owner's next login."""

    @property
    def time_cost(self) -> int:  # type: ignore[override]
        return int(getattr(settings, "SELLSAFE_ARGON2_TIME_COST", 1))

    @property
    def memory_cost(self) -> int:  # type: ignore[override]
        return int(getattr(settings, "SELLSAFE_ARGON2_MEMORY_KIB", 47104))

    @property
    def parallelism(self) -> int:  # type: ignore[override]
        return int(getattr(settings, "SELLSAFE_ARGON2_PARALLELISM", 1))
