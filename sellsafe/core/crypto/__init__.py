"""Encryption at rest: AES-256-GCM envelope encryption, blind indexes, the key ring.

Public API (see docs/security-crypto.md):
    encrypt(plaintext, *, aad) -> token      decrypt(token, *, aad) -> bytes
    decrypt_text(token, *, aad) -> str       blind_index(value, *, purpose) -> hex
    DecryptionError                           fields.EncryptedTextField, keys.rotate()
"""

from sellsafe.core.crypto.blind import blind_index
from sellsafe.core.crypto.envelope import decrypt, decrypt_text, encrypt
from sellsafe.core.crypto.errors import DecryptionError

__all__ = ["DecryptionError", "blind_index", "decrypt", "decrypt_text", "encrypt"]
