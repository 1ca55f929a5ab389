"""The master key and the key ring of data keys.

The master key (SELLSAFE_MASTER_KEY, 32 random bytes) never encrypts data directly. HKDF derives
from it, with separate `info` labels: the key that wraps data keys, the blind-index keys and a
public fingerprint. Data keys are random AES-256 keys stored wrapped in `core.DataKey`; one is
primary. Unwrapped keys are cached per process as ready AESGCM objects, so encryption costs one
AES call.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import threading
import time
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.signals import setting_changed
from django.db import IntegrityError, transaction
from django.utils import timezone

from sellsafe.core.crypto.errors import KeyRingError

if TYPE_CHECKING:
    from sellsafe.core.models import DataKey

__all__ = [
    "KeyRing",
    "KeyRingError",
    "MasterKeyError",
    "get_keyring",
    "load_master_key",
    "primary_key_id",
    "reset_cache",
    "rotate",
]

KEY_BYTES = 32
NONCE_BYTES = 12
KID_HEX_CHARS = 8
# How long a process trusts its cached primary key id. After `keys rotate`, other processes move
# to the new primary within this time; values they wrote meanwhile use the old (still valid) key.
PRIMARY_CACHE_SECONDS = 30.0

_GENERATE_HINT = (
    'Generate one with: python -c "import base64, secrets; '
    'print(base64.b64encode(secrets.token_bytes(32)).decode())"'
)


class MasterKeyError(ValueError):
    """The configured master key is missing or malformed. The message never echoes the value."""


def load_master_key(value: str) -> bytes:
    """Decode SELLSAFE_MASTER_KEY (standard or URL-safe base64 of exactly 32 bytes)."""
    if not isinstance(value, str) or not value.strip():
        raise MasterKeyError(f"SELLSAFE_MASTER_KEY is empty. {_GENERATE_HINT}")
    text = value.strip().replace("-", "+").replace("_", "/")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        # `from None`: the underlying error could quote part of the value.
        raise MasterKeyError(f"SELLSAFE_MASTER_KEY is not valid base64. {_GENERATE_HINT}") from None
    if len(raw) != KEY_BYTES:
        raise MasterKeyError(
            f"SELLSAFE_MASTER_KEY must decode to {KEY_BYTES} bytes, not {len(raw)}. "
            + _GENERATE_HINT
        )
    return raw


def _derive(master: bytes, info: bytes, length: int = KEY_BYTES) -> bytes:
    # The master key is uniformly random, so HKDF needs no salt; `info` separates the uses.
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(master)


def _wrap_aad(kid: str) -> bytes:
    # Binds a wrapped key to its id: swapping two rows' wrapped keys makes both fail to unwrap.
    return f"sellsafe.datakey.v1:{kid}".encode()


def _valid_kid(kid: str) -> bool:
    return 4 <= len(kid) <= 16 and all(c in "0123456789abcdef" for c in kid)


class KeyRing:
    """Data keys for one master key. Thread-safe: caches only ever hold valid entries."""

    def __init__(self, setting_value: str) -> None:
        master = load_master_key(setting_value)
        self.source = setting_value
        self.master_key_id = _derive(master, b"sellsafe/v1/master-key-id", 8).hex()
        self._master = master
        self._wrapper = AESGCM(_derive(master, b"sellsafe/v1/key-wrap"))
        self._ciphers: dict[str, AESGCM] = {}
        self._index_keys: dict[str, bytes] = {}
        self._primary: tuple[str, AESGCM] | None = None
        self._primary_until = 0.0
        # Keys this process created in a transaction that has not committed yet. They must not be
        # cached as primary: if the transaction rolls back, the key never existed for anyone else.
        self._unconfirmed: set[str] = set()

    # --- wrapping ---------------------------------------------------------------------------
    def wrap(self, kid: str, key: bytes) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._wrapper.encrypt(nonce, key, _wrap_aad(kid))
        return base64.b64encode(nonce + sealed).decode("ascii")

    def unwrap(self, row: DataKey) -> bytes:
        if row.master_key_id != self.master_key_id:
            raise KeyRingError(
                f"Data key {row.kid} was wrapped by master key {row.master_key_id}, but the "
                f"configured SELLSAFE_MASTER_KEY has id {self.master_key_id}."
            )
        try:
            blob = base64.b64decode(row.wrapped_key, validate=True)
            key = self._wrapper.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _wrap_aad(row.kid))
        except (binascii.Error, ValueError, InvalidTag):
            raise KeyRingError(
                f"Data key {row.kid} cannot be unwrapped: its row was altered."
            ) from None
        if len(key) != KEY_BYTES:
            raise KeyRingError(f"Data key {row.kid} has the wrong length.")
        return key

    # --- lookups ----------------------------------------------------------------------------
    def cipher(self, kid: str) -> AESGCM:
        """The AESGCM object for a key id, loading and unwrapping it on first use."""
        aead = self._ciphers.get(kid)
        if aead is not None:
            return aead
        from sellsafe.core.models import DataKey

        row = DataKey.objects.filter(kid=kid).first() if _valid_kid(kid) else None
        if row is None:
            raise KeyRingError(f"Data key {kid[:16]!r} is not in the key ring.")
        aead = AESGCM(self.unwrap(row))
        self._ciphers[kid] = aead
        return aead

    def primary(self) -> tuple[str, AESGCM]:
        """(key id, AESGCM) of the primary key; creates the first key on first use."""
        cached = self._primary
        if cached is not None and time.monotonic() < self._primary_until:
            return cached
        return self._refresh_primary()

    def index_key(self, purpose: str) -> bytes:
        key = self._index_keys.get(purpose)
        if key is None:
            if not purpose:
                raise ValueError("A blind index needs a purpose.")
            key = _derive(self._master, b"sellsafe/v1/blind-index:" + purpose.encode())
            self._index_keys[purpose] = key
        return key

    def _refresh_primary(self) -> tuple[str, AESGCM]:
        from sellsafe.core.models import DataKey

        row = DataKey.objects.filter(is_primary=True).first()
        if row is None:
            row = self._create_first()
        aead = self._ciphers.get(row.kid)
        if aead is None:
            aead = AESGCM(self.unwrap(row))
            self._ciphers[row.kid] = aead
        entry = (row.kid, aead)
        if row.kid in self._unconfirmed:
            self._primary = None
        else:
            self._primary_until = time.monotonic() + PRIMARY_CACHE_SECONDS
            self._primary = entry
        return entry

    # --- changes ----------------------------------------------------------------------------
    def _insert(self, *, primary: bool) -> DataKey:
        from sellsafe.core.models import DataKey

        kid = secrets.token_hex(KID_HEX_CHARS // 2)
        key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
        row = DataKey.objects.create(
            kid=kid,
            wrapped_key=self.wrap(kid, key),
            master_key_id=self.master_key_id,
            is_primary=primary,
        )
        self._ciphers[kid] = AESGCM(key)
        return row

    def _note_created(self, kid: str) -> None:
        self._primary = None
        if transaction.get_connection().in_atomic_block:
            self._unconfirmed.add(kid)

            def confirmed() -> None:
                self._unconfirmed.discard(kid)
                self._primary = None

            transaction.on_commit(confirmed)

    def _create_first(self) -> DataKey:
        """Create the first primary key. Racing processes end with one: the partial unique
        constraint on is_primary rejects the loser, which then reads the winner's key."""
        from sellsafe.core.models import DataKey

        for _attempt in range(3):
            try:
                with transaction.atomic():
                    row = DataKey.objects.select_for_update().filter(is_primary=True).first()
                    if row is not None:
                        return row
                    row = self._insert(primary=True)
            except IntegrityError:
                existing = DataKey.objects.filter(is_primary=True).first()
                if existing is not None:
                    return existing
                continue
            self._note_created(row.kid)
            return row
        raise KeyRingError("Could not create the first data key; please retry.")

    def rotate(self) -> str:
        """Make a new primary data key; the old one stays for reading. Returns the new key id."""
        from sellsafe.core.models import DataKey

        for _attempt in range(3):
            try:
                with transaction.atomic():
                    DataKey.objects.filter(is_primary=True).update(
                        is_primary=False, retired_at=timezone.now()
                    )
                    row = self._insert(primary=True)
            except IntegrityError:
                continue  # a concurrent rotation won the race; rotate on top of it
            self._note_created(row.kid)
            return row.kid
        raise KeyRingError("Could not create a new data key; please retry.")

    def rewrap(self, new: KeyRing) -> int:
        """Re-wrap every data key under another master key, in one transaction."""
        from sellsafe.core.models import DataKey

        count = 0
        with transaction.atomic():
            for row in DataKey.objects.select_for_update().order_by("created_at"):
                if row.master_key_id == new.master_key_id:
                    continue
                row.wrapped_key = new.wrap(row.kid, self.unwrap(row))
                row.master_key_id = new.master_key_id
                row.save(update_fields=["wrapped_key", "master_key_id"])
                count += 1
        return count


_ring: KeyRing | None = None
_ring_lock = threading.Lock()


def get_keyring() -> KeyRing:
    """The key ring for SELLSAFE_MASTER_KEY, built on first use (this is on every encryption's
    path, so it reads no setting: a change of the setting resets it through `setting_changed`)."""
    ring = _ring
    if ring is not None:
        return ring
    return _build_keyring()


def _build_keyring() -> KeyRing:
    global _ring
    with _ring_lock:
        if _ring is None:
            _ring = KeyRing(getattr(settings, "SELLSAFE_MASTER_KEY", ""))
        return _ring


def reset_cache() -> None:
    """Forget cached keys (tests that flush tables; after restoring a database)."""
    global _ring
    _ring = None


def _on_setting_changed(*, setting: str, **kwargs: object) -> None:
    if setting == "SELLSAFE_MASTER_KEY":
        reset_cache()


setting_changed.connect(_on_setting_changed)


def primary_key_id() -> str:
    return get_keyring().primary()[0]


def rotate() -> str:
    """Create a new primary data key and return its id. Re-encryption is `sellsafe keys rotate`."""
    return get_keyring().rotate()
