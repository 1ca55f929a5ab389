"""Ed25519 signing keys derived from the master key, for statements kept off the server.

A signing key is derived deterministically with HKDF from SELLSAFE_MASTER_KEY and a purpose
(info label `sellsafe/v1/signing:<purpose>`), so every process of one installation signs with
the same key, nothing extra is stored, and the public key can be printed for an auditor to pin.
Changing the master key (`sellsafe keys rewrap`) changes every derived signing key: statements
signed before stay checkable with the public key printed in them (`verify(..., public_key=...)`).

Public keys and signatures travel as standard base64 (44 and 88 characters).
"""

from __future__ import annotations

import base64
import binascii
import threading

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from sellsafe.core.crypto.keys import _derive, get_keyring, load_master_key

__all__ = ["derive_key", "public_key", "sign", "verify"]

_SEED_BYTES = 32
_cache: dict[tuple[str, str], Ed25519PrivateKey] = {}
_lock = threading.Lock()


def derive_key(*, purpose: str, length: int = 32) -> bytes:
    """Key material for `purpose`, derived from the master key (HKDF-SHA256, no salt)."""
    if not purpose:
        raise ValueError("A derived key needs a purpose.")
    master = load_master_key(get_keyring().source)
    return _derive(master, b"sellsafe/v1/signing:" + purpose.encode(), length)


def _private_key(purpose: str) -> Ed25519PrivateKey:
    # Keyed by the master key setting too: a changed SELLSAFE_MASTER_KEY gives a new key.
    cache_key = (get_keyring().source, purpose)
    key = _cache.get(cache_key)
    if key is None:
        with _lock:
            key = Ed25519PrivateKey.from_private_bytes(
                derive_key(purpose=purpose, length=_SEED_BYTES)
            )
            _cache[cache_key] = key
    return key


def public_key(*, purpose: str) -> str:
    """Base64 of the raw 32-byte Ed25519 public key for `purpose`."""
    raw = _private_key(purpose).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def sign(message: bytes, *, purpose: str) -> str:
    """Base64 Ed25519 signature of `message` with the key for `purpose`."""
    return base64.b64encode(_private_key(purpose).sign(message)).decode("ascii")


def verify(message: bytes, *, signature: str, public_key: str) -> bool:
    """True if `signature` (base64) is a valid signature of `message` by `public_key` (base64)."""
    try:
        raw_key = base64.b64decode(public_key, validate=True)
        raw_signature = base64.b64decode(signature, validate=True)
        Ed25519PublicKey.from_public_bytes(raw_key).verify(raw_signature, message)
    except (binascii.Error, ValueError, TypeError, InvalidSignature):
        return False
    return True
