import uuid

import pytest
from django.core import checks
from django.db import connection, models, transaction
from django.test.utils import isolate_apps

from sellsafe.accounts.models import User
from sellsafe.core.crypto import DecryptionError, decrypt_text
from sellsafe.core.crypto.fields import (
    Ciphertext,
    EncryptedFieldError,
    EncryptedTextField,
    encrypted_fields,
)

pytestmark = pytest.mark.django_db

PHRASE = "purple-otter-marmalade"


def _make(email="a@example.com", phrase=PHRASE):
    return User.objects.create(email=email, anti_phishing_phrase=phrase)


def _raw_column(user):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT anti_phishing_phrase FROM accounts_user WHERE id = %s",
            [User._meta.pk.get_db_prep_value(user.pk, connection)],
        )
        return cursor.fetchone()[0]


def _aad(user):
    return f"accounts.user.anti_phishing_phrase:{user.pk}"


def test_create_stores_token_and_reads_back_plaintext():
    user = _make()
    raw = _raw_column(user)
    assert raw.startswith("ss1.")
    assert PHRASE not in raw
    assert decrypt_text(raw, aad=_aad(user)) == PHRASE
    assert user.anti_phishing_phrase == PHRASE
    loaded = User.objects.get(pk=user.pk)
    assert isinstance(loaded.__dict__["anti_phishing_phrase"], Ciphertext)  # not decrypted yet
    assert loaded.anti_phishing_phrase == PHRASE
    assert type(loaded.anti_phishing_phrase) is str


def test_values_returns_the_raw_token():
    user = _make()
    [row] = User.objects.filter(pk=user.pk).values("anti_phishing_phrase")
    assert row["anti_phishing_phrase"] == _raw_column(user)


def test_save_update_fields_and_refresh_from_db():
    user = _make()
    before = _raw_column(user)
    user.anti_phishing_phrase = "new phrase"
    user.save(update_fields=["anti_phishing_phrase"])
    after = _raw_column(user)
    assert after != before
    assert decrypt_text(after, aad=_aad(user)) == "new phrase"
    user.anti_phishing_phrase = "unsaved"
    user.refresh_from_db()
    assert user.anti_phishing_phrase == "new phrase"
    user.refresh_from_db(fields=["anti_phishing_phrase"])
    assert user.anti_phishing_phrase == "new phrase"


def test_unchanged_value_keeps_its_token():
    user = _make()
    token = _raw_column(user)
    loaded = User.objects.get(pk=user.pk)
    loaded.save()  # never read
    assert _raw_column(user) == token
    assert loaded.anti_phishing_phrase == PHRASE
    loaded.full_clean(exclude=["password"])
    loaded.save()  # read, unchanged
    assert _raw_column(user) == token


def test_deferred_field_loads_and_decrypts():
    user = _make()
    loaded = User.objects.only("email").get(pk=user.pk)
    assert loaded.anti_phishing_phrase == PHRASE


def test_empty_string_is_stored_empty():
    user = _make(phrase="")
    assert _raw_column(user) == ""
    assert User.objects.get(pk=user.pk).anti_phishing_phrase == ""
    assert User.objects.filter(anti_phishing_phrase="").count() == 1


def test_plaintext_absent_from_the_database():
    _make(phrase="needle-8c1f0e")
    assert "needle-8c1f0e" not in _raw_column(User.objects.get())
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        dump = "\n".join(connection.connection.iterdump())
        assert "a@example.com" in dump  # the dump does see this transaction's rows
        assert "needle-8c1f0e" not in dump


def test_ciphertext_moved_to_another_row_fails_to_decrypt():
    victim = _make("victim@example.com", "victim phrase")
    attacker = _make("attacker@example.com", "attacker phrase")
    pk = User._meta.pk
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_user SET anti_phishing_phrase = "
            "(SELECT anti_phishing_phrase FROM accounts_user WHERE id = %s) WHERE id = %s",
            [
                pk.get_db_prep_value(victim.pk, connection),
                pk.get_db_prep_value(attacker.pk, connection),
            ],
        )
    assert _raw_column(attacker) == _raw_column(victim)
    moved = User.objects.get(pk=attacker.pk)
    with pytest.raises(DecryptionError):
        _ = moved.anti_phishing_phrase
    assert User.objects.get(pk=victim.pk).anti_phishing_phrase == "victim phrase"


def test_copying_an_instance_to_a_new_row_rebinds_the_value():
    user = _make()
    copy = User.objects.get(pk=user.pk)
    copy.pk = uuid.uuid4()
    copy.email = "copy@example.com"
    copy._state.adding = True
    copy.save(force_insert=True)
    assert User.objects.get(pk=copy.pk).anti_phishing_phrase == PHRASE
    assert _raw_column(copy) != _raw_column(user)


def test_plaintext_cannot_bypass_encryption():
    user = _make()
    user.anti_phishing_phrase = "plain"
    # Each attempt in a savepoint: Django marks the transaction for rollback on these errors.
    with pytest.raises(EncryptedFieldError, match="encrypted"), transaction.atomic():
        User.objects.filter(pk=user.pk).update(anti_phishing_phrase="plain")
    with pytest.raises(EncryptedFieldError), transaction.atomic():
        User.objects.filter(anti_phishing_phrase=PHRASE).exists()
    with pytest.raises(EncryptedFieldError), transaction.atomic():
        User.objects.bulk_update([user], ["anti_phishing_phrase"])
    assert decrypt_text(_raw_column(user), aad=_aad(user)) == PHRASE


def test_pk_none_at_save_is_a_clear_error():
    field = User._meta.get_field("anti_phishing_phrase")
    with pytest.raises(EncryptedFieldError, match="primary key must be set"):
        field.aad(None)


def test_encrypted_fields_finds_the_user_phrase():
    labels = {f"{f.model._meta.label_lower}.{f.name}" for f in encrypted_fields()}
    assert "accounts.user.anti_phishing_phrase" in labels


def test_deconstructs_without_arguments():
    _name, path, args, kwargs = EncryptedTextField(blank=True, default="").deconstruct()
    assert path == "sellsafe.core.crypto.fields.EncryptedTextField"
    assert args == []
    assert kwargs == {"blank": True, "default": ""}


@isolate_apps("sellsafe.core")
def test_system_check_requires_a_primary_key_default():
    class AutoPk(models.Model):  # noqa: DJ008
        secret = EncryptedTextField()

        class Meta:
            app_label = "core"

    class UuidPk(models.Model):  # noqa: DJ008
        id = models.UUIDField(primary_key=True, default=uuid.uuid4)
        secret = EncryptedTextField()

        class Meta:
            app_label = "core"

    assert [e.id for e in AutoPk.check() if isinstance(e, checks.Error)] == ["sellsafe.E101"]
    assert not [e for e in UuidPk.check() if e.id == "sellsafe.E101"]


def test_bulk_create_encrypts():
    users = User.objects.bulk_create(
        [User(email=f"b{i}@example.com", anti_phishing_phrase=f"bulk {i}") for i in range(3)]
    )
    for i, user in enumerate(users):
        assert decrypt_text(_raw_column(user), aad=_aad(user)) == f"bulk {i}"


def test_raw_save_refuses_plaintext():
    # loaddata saves with raw=True, which skips pre_save: refuse rather than store plaintext.
    user = User(email="raw@example.com", anti_phishing_phrase="from a fixture")
    with pytest.raises(EncryptedFieldError), transaction.atomic():
        user.save_base(raw=True)
