"""Envelope encryption of single values with AES-256-GCM.

Token format (ASCII, safe for a TextField): `ss1.<kid>.<base64url(nonce || ciphertext || tag)>`
without padding. `ss1` is the format version, `kid` names the data key. The GCM associated data
is `ss1.<kid>.` followed by the caller's AAD, so the header cannot be changed either.
"""

from __future__ import annotations

import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sellsafe.core.crypto.errors import DecryptionError, KeyRingError
from sellsafe.core.crypto.keys import NONCE_BYTES, get_keyring

VERSION = "ss1"
_TAG_BYTES = 16
# base64url without padding, via binascii directly: the base64 module's wrappers cost more than AES.
_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")
_PADDING = (b"", b"===", b"==", b"=")


def encrypt(plaintext: str | bytes, *, aad: str) -> str:
    """Encrypt with the primary data key; `aad` names what the value belongs to."""
    kid, aead = get_keyring().primary()
    return _seal(kid, aead, plaintext, aad)


def encrypt_with_key(kid: str, plaintext: str | bytes, *, aad: str) -> str:
    """Encrypt with a given data key (re-encryption to the new primary during rotation)."""
    return _seal(kid, get_keyring().cipher(kid), plaintext, aad)


def _seal(kid: str, aead: AESGCM, plaintext: str | bytes, aad: str) -> str:
    if isinstance(plaintext, str):
        data = plaintext.encode()
    elif isinstance(plaintext, bytes):
        data = plaintext
    else:
        raise TypeError("encrypt() takes str or bytes.")
    if not aad:
        raise ValueError("encrypt() needs associated data naming what the value belongs to.")
    header = f"{VERSION}.{kid}."
    # A random 96-bit nonce per value: safe for up to 2**32 values per key (see the docs).
    nonce = os.urandom(NONCE_BYTES)
    sealed = aead.encrypt(nonce, data, (header + aad).encode())
    return header + _b64(nonce + sealed)


def _b64(data: bytes) -> str:
    return binascii.b2a_base64(data, newline=False).translate(_TO_URLSAFE).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    raw = text.encode("ascii").translate(_FROM_URLSAFE)
    return binascii.a2b_base64(raw + _PADDING[len(raw) % 4], strict_mode=True)


def token_key_id(token: str) -> str | None:
    """The key id a token names, or None if it is not a token of a known format."""
    version, _, rest = token.partition(".")
    kid, sep, _ = rest.partition(".")
    return kid if version == VERSION and sep and kid else None


def decrypt(token: str, *, aad: str) -> bytes:
    """Decrypt a token made by `encrypt` with the same `aad`, or raise DecryptionError."""
    if not isinstance(token, str):
        raise DecryptionError("Expected a ciphertext token (a string).")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != VERSION or not parts[1]:
        raise DecryptionError("Not a Sellsafe ciphertext token, or an unknown format version.")
    _, kid, body = parts
    try:
        blob = _unb64(body)
    except (binascii.Error, ValueError):
        raise DecryptionError("The ciphertext token is damaged.") from None
    # Re-encoding rejects non-canonical spellings (stray characters, altered padding bits), so
    # one value has exactly one token text.
    if len(blob) < NONCE_BYTES + _TAG_BYTES or _b64(blob) != body:
        raise DecryptionError("The ciphertext token is damaged.")
    try:
        aead = get_keyring().cipher(kid)
    except KeyRingError as exc:
        raise DecryptionError(str(exc)) from None
    try:
        return aead.decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], f"{VERSION}.{kid}.{aad}".encode()
        )
    except InvalidTag:
        raise DecryptionError(
            f"A value under data key {kid} failed authentication: it was altered, or it belongs "
            "to another record or field."
        ) from None


def decrypt_text(token: str, *, aad: str) -> str:
    try:
        return decrypt(token, aad=aad).decode()
    except UnicodeDecodeError:
        raise DecryptionError("The decrypted value is not UTF-8 text.") from None
