"""Re-encryption of stored values after a key rotation, and counts of values per data key.

Every EncryptedTextField is a source. Values encrypted outside model fields (allauth's MFA
secrets, for example) can join by registering a RotationSource; until then they stay readable,
because data keys are never deleted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import models, transaction
from django.db.models.functions import Substr

from sellsafe.core.crypto.envelope import VERSION, decrypt, encrypt_with_key, token_key_id
from sellsafe.core.crypto.errors import DecryptionError
from sellsafe.core.crypto.fields import Ciphertext, EncryptedTextField, encrypted_fields
from sellsafe.core.crypto.keys import KID_HEX_CHARS

__all__ = [
    "UNENCRYPTED",
    "FieldSource",
    "ReencryptResult",
    "RotationSource",
    "register_source",
    "sources",
]

UNENCRYPTED = "(not encrypted)"
Progress = Callable[[str], None]


@dataclass
class ReencryptResult:
    reencrypted: int = 0
    failed: list[str] = field(default_factory=list)  # row ids (never values)


class RotationSource(Protocol):
    label: str

    def count_by_key(self) -> dict[str, int]: ...

    def reencrypt(
        self, *, target_kid: str, batch_size: int, progress: Progress
    ) -> ReencryptResult: ...


class FieldSource:
    """The values of one EncryptedTextField, read through the model's base manager.

    The base manager deliberately bypasses shop scoping: rotation is an installation-wide job.
    """

    def __init__(self, field: EncryptedTextField) -> None:
        self.field = field
        self.model: type[models.Model] = field.model
        self.label = f"{self.model._meta.label_lower}.{field.name}"

    def _stored(self) -> models.QuerySet[Any]:
        attname = self.field.attname
        return self.model._base_manager.exclude(**{f"{attname}__isnull": True}).exclude(
            **{attname: ""}
        )

    def _with_head(self, length: int) -> models.QuerySet[Any]:
        # The token's head ("ss1.<kid>.") as a plain CharField, so lookups compare raw text.
        head = Substr(self.field.attname, 1, length, output_field=models.CharField())
        return self._stored().annotate(_sellsafe_head=head)

    def count_by_key(self) -> dict[str, int]:
        head_len = len(VERSION) + KID_HEX_CHARS + 2
        counts: Counter[str] = Counter()
        rows = (
            self._with_head(head_len)
            .order_by()
            .values_list("_sellsafe_head")
            .annotate(n=models.Count("pk"))
        )
        for head, n in rows:
            counts[token_key_id(head) or UNENCRYPTED] += n
        return dict(counts)

    def reencrypt(self, *, target_kid: str, batch_size: int, progress: Progress) -> ReencryptResult:
        prefix = f"{VERSION}.{target_kid}."
        pending = self._with_head(len(prefix)).exclude(_sellsafe_head=prefix)
        total = pending.count()
        result = ReencryptResult()
        if not total:
            progress(f"{self.label}: nothing to re-encrypt")
            return result
        manager = self.model._base_manager
        attname = self.field.attname
        last_pk: Any = None
        while True:
            # One transaction per batch: rows are locked while read and rewritten, so a
            # concurrent save cannot be overwritten with a stale value.
            with transaction.atomic():
                page = pending.order_by("pk")
                if last_pk is not None:
                    page = page.filter(pk__gt=last_pk)
                rows = list(page.select_for_update().values_list("pk", attname)[:batch_size])
                for pk, token in rows:
                    aad = self.field.aad(pk)
                    try:
                        plaintext = decrypt(token, aad=aad)
                    except DecryptionError:
                        result.failed.append(str(pk))
                        continue
                    new = encrypt_with_key(target_kid, plaintext, aad=aad)
                    manager.filter(pk=pk).update(**{attname: Ciphertext(new)})
                    result.reencrypted += 1
            if not rows:
                break
            last_pk = rows[-1][0]
            done = result.reencrypted + len(result.failed)
            progress(f"{self.label}: {done}/{total}")
        return result


_extra_sources: list[RotationSource] = []


def register_source(source: RotationSource) -> None:
    """Add values encrypted outside EncryptedTextFields to `keys status` and `keys rotate`."""
    if all(existing.label != source.label for existing in _extra_sources):
        _extra_sources.append(source)


def sources() -> list[RotationSource]:
    return [*(FieldSource(f) for f in encrypted_fields()), *_extra_sources]
