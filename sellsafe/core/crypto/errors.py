"""Errors of the crypto module. Their messages never contain key material or plaintext."""

from __future__ import annotations


class DecryptionError(Exception):
    """A token could not be decrypted: altered, moved to another row or field, or no key."""


class KeyRingError(RuntimeError):
    """A data key is missing from the key ring or cannot be unwrapped with the master key."""
