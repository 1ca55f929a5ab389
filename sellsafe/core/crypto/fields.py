"""EncryptedTextField: a text field stored as an AES-GCM token bound to its model, field and row.

In Python the attribute is the plaintext str; in the database the column holds the token. The
associated data is f"{model label}.{field name}:{primary key}", so a token copied to another row or
column fails to decrypt. Hence the primary key must be known before saving (a UUID with a default).

How it works:
- `from_db_value` wraps the column in `Ciphertext` (a str marker): nothing is decrypted on load.
- The attribute descriptor decrypts on first access (it has the instance, hence the primary key)
  and caches the plaintext on the instance.
- `pre_save` encrypts a plain str, reuses the token of an unchanged value, and re-binds a token
  when the row was copied to a new primary key.
- `get_prep_value` refuses any other str, so plaintext never reaches the database by a path that
  skips `pre_save`: `QuerySet.update()`, `bulk_update()`, lookups, raw saves (loaddata).
The empty string is stored as the empty string (not encrypted): it reveals only that the value is
empty, and lets `default=""` work in migrations. `values()` returns the raw tokens.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core import checks
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import class_prepared, post_init

from sellsafe.core.crypto.envelope import decrypt_text, encrypt

__all__ = ["Ciphertext", "EncryptedFieldError", "EncryptedTextField", "encrypted_fields"]

# Per-instance state kept in instance.__dict__ (it travels with copies and pickles).
_TOKENS = "_sellsafe_tokens"  # {attname: (plaintext, token, aad)} of values known to be stored
_ORIGIN_PK = "_sellsafe_origin_pk"  # primary key when loaded: the row the tokens are bound to


class Ciphertext(str):
    """A token as stored in the database, not decrypted. Also marks a value safe to write."""

    __slots__ = ()


class EncryptedFieldError(ValueError):
    """An encrypted field was used in a way that would store or compare plaintext."""


class EncryptedAttribute(DeferredAttribute):
    """Data descriptor: decrypts lazily on attribute access and caches the plaintext."""

    field: EncryptedTextField

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, Ciphertext):
            value = self.field.decrypt_for(instance, value)
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        # Being a data descriptor makes every read go through __get__, even once set.
        instance.__dict__[self.field.attname] = value


class EncryptedTextField(models.TextField):
    description = "Text encrypted at rest (AES-256-GCM, bound to its row)"
    descriptor_class = EncryptedAttribute

    def aad(self, pk: Any) -> str:
        if pk is None:
            raise EncryptedFieldError(
                f"{self.model._meta.label}.{self.name} is encrypted with its row's primary key as "
                "associated data, so the primary key must be set before saving. Give the model a "
                "primary key with a default, e.g. UUIDField(primary_key=True, default=uuid.uuid4)."
            )
        pk_field = self.model._meta.pk
        assert pk_field is not None
        # Normalise (e.g. a UUID given as a string) so the same row always gets the same AAD.
        return f"{self.model._meta.label_lower}.{self.name}:{pk_field.to_python(pk)}"

    def decrypt_for(self, instance: models.Model, token: Ciphertext) -> str:
        data = instance.__dict__
        aad = self.aad(data.get(_ORIGIN_PK, instance.pk))
        plaintext = decrypt_text(token, aad=aad)
        data[self.attname] = plaintext
        data.setdefault(_TOKENS, {})[self.attname] = (plaintext, str(token), aad)
        return plaintext

    # --- Django field API -------------------------------------------------------------------
    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return Ciphertext(value) if value else value

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        data = model_instance.__dict__
        value = (
            data[self.attname] if self.attname in data else getattr(model_instance, self.attname)
        )
        if value is None or value == "":
            return value
        aad = self.aad(model_instance.pk)
        if isinstance(value, Ciphertext):
            origin_aad = self.aad(data.get(_ORIGIN_PK, model_instance.pk))
            if origin_aad == aad:
                return value  # never read, unchanged, bound to this row
            plaintext = decrypt_text(value, aad=origin_aad)  # row copied to a new primary key
        else:
            plaintext = self.to_python(value)
            known = data.get(_TOKENS, {}).get(self.attname)
            if known is not None and known[2] == aad and known[0] == plaintext:
                return Ciphertext(known[1])  # unchanged since load or last save: no new token
        token = encrypt(plaintext, aad=aad)
        data[self.attname] = plaintext
        data.setdefault(_TOKENS, {})[self.attname] = (plaintext, token, aad)
        return Ciphertext(token)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "" or isinstance(value, Ciphertext):
            return value
        raise EncryptedFieldError(
            f"{self.model._meta.label}.{self.name} is encrypted: plaintext cannot be written by "
            "QuerySet.update()/bulk_update()/raw saves or used in a lookup. Assign it to the "
            "instance and save(), or search with a blind index."
        )

    def get_db_prep_value(
        self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False
    ) -> Any:
        if not prepared:
            value = self.get_prep_value(value)
        return None if value is None else str(value)  # plain str for the database driver

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        return [*super().check(**kwargs), *self._check_primary_key()]

    def _check_primary_key(self) -> list[checks.CheckMessage]:
        pk = self.model._meta.pk
        if pk is None or pk.has_default() or (pk.remote_field and pk.remote_field.parent_link):
            return []
        return [
            checks.Error(
                "EncryptedTextField needs the row's primary key before the row is saved.",
                hint="Use id = models.UUIDField(primary_key=True, default=uuid.uuid4, "
                "editable=False).",
                obj=self,
                id="sellsafe.E101",
            )
        ]


def _remember_origin(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    instance.__dict__[_ORIGIN_PK] = instance.pk


def _connect_origin(sender: type[models.Model], **kwargs: Any) -> None:
    # post_init only for models with encrypted fields (incl. multi-table children); historical
    # models built by migrations are skipped.
    if sender.__module__ == "__fake__" or sender._meta.abstract:
        return
    for model in (sender, *sender._meta.get_parent_list()):
        if any(isinstance(f, EncryptedTextField) for f in model._meta.local_fields):
            post_init.connect(_remember_origin, sender=sender)
            return


class_prepared.connect(_connect_origin)


def encrypted_fields() -> list[EncryptedTextField]:
    """Every EncryptedTextField of every installed model, once (on the model that defines it)."""
    return [
        field
        for model in apps.get_models()
        for field in model._meta.local_concrete_fields
        if isinstance(field, EncryptedTextField)
    ]
