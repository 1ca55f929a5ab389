"""Blind index: a keyed hash that allows exact-match search over encrypted values.

HMAC-SHA256 with a key derived (HKDF) from the master key and the purpose, so the same value has
unrelated indexes in different columns. We keep 16 bytes (32 hex chars): a chance collision among
a billion values is about 1e-21, and a shorter column indexes faster. Callers normalise values
(case, whitespace) before indexing; this function hashes exactly what it is given.
"""

from __future__ import annotations

import hmac

from sellsafe.core.crypto.keys import get_keyring

INDEX_BYTES = 16


def blind_index(value: str, *, purpose: str) -> str:
    """Hex HMAC of `value` for `purpose` (e.g. "customers.customer.email")."""
    if not isinstance(value, str):
        raise TypeError("blind_index() takes a str; normalise it first.")
    key = get_keyring().index_key(purpose)
    return hmac.digest(key, value.encode(), "sha256")[:INDEX_BYTES].hex()
