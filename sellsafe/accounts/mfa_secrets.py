"""allauth's TOTP secrets and recovery-code seeds live inside a JSON column, not in an
EncryptedTextField: this source lets `sellsafe keys status` count them and `keys rotate`
re-encrypt them under the new data key."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.db import transaction

from sellsafe.core.crypto import decrypt
from sellsafe.core.crypto.envelope import encrypt_with_key, token_key_id
from sellsafe.core.crypto.errors import DecryptionError
from sellsafe.core.crypto.rotation import UNENCRYPTED, ReencryptResult

# allauth passes only the text, not the row, so the binding is to the purpose; see docs/security.md.
MFA_SECRET_AAD = "allauth.mfa.authenticator.data"  # nosec B105
SECRET_KEYS = {Authenticator.Type.TOTP: "secret", Authenticator.Type.RECOVERY_CODES: "seed"}


class MFASecretsSource:
    label = "mfa.authenticator.data"

    def _rows(self) -> list[Authenticator]:
        return list(Authenticator.objects.filter(type__in=list(SECRET_KEYS)).order_by("pk"))

    def count_by_key(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for row in self._rows():
            token = str(row.data.get(SECRET_KEYS[row.type], ""))
            counts[token_key_id(token) or UNENCRYPTED] += 1
        return dict(counts)

    def reencrypt(
        self, *, target_kid: str, batch_size: int, progress: Callable[[str], None]
    ) -> ReencryptResult:
        result = ReencryptResult()
        with transaction.atomic():
            rows = Authenticator.objects.select_for_update().filter(type__in=list(SECRET_KEYS))
            for row in rows:
                key = SECRET_KEYS[row.type]
                token = str(row.data.get(key, ""))
                if token_key_id(token) == target_kid:
                    continue
                try:
                    plaintext = decrypt(token, aad=MFA_SECRET_AAD)
                except DecryptionError:
                    result.failed.append(str(row.pk))
                    continue
                data = {
                    **row.data,
                    key: encrypt_with_key(target_kid, plaintext, aad=MFA_SECRET_AAD),
                }
                Authenticator.objects.filter(pk=row.pk).update(data=data)
                result.reencrypted += 1
        progress(f"{self.label}: {result.reencrypted} re-encrypted")
        return result
