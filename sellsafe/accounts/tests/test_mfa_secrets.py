"""Second-factor secrets are encrypted at rest and follow key rotation."""

import sqlite3

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command
from django.db import connection

from sellsafe.core.crypto.envelope import token_key_id
from sellsafe.core.crypto.keys import primary_key_id


@pytest.mark.django_db(transaction=True)  # VACUUM INTO cannot run inside a transaction
def test_totp_secret_is_not_in_the_database_in_clear(make_user, tmp_path):
    user = make_user()
    totp = Authenticator.objects.get(user=user, type="totp")
    assert user.totp_secret not in str(totp.data)
    assert totp.data["secret"].startswith("ss1.")
    if connection.vendor == "sqlite":
        # The whole database file, as a thief would copy it.
        dump = tmp_path / "copy.sqlite3"
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(dump)])
        raw = dump.read_bytes()
        assert user.totp_secret.encode() not in raw
        assert (
            sqlite3.connect(dump).execute("select count(*) from mfa_authenticator").fetchone()[0]
            == 2
        )
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT data::text FROM mfa_authenticator")
            assert all(user.totp_secret not in row[0] for row in cursor.fetchall())


def test_key_rotation_reencrypts_mfa_secrets_and_sign_in_still_works(client, make_user, sign_in):
    user = make_user()
    old_kid = token_key_id(Authenticator.objects.get(user=user, type="totp").data["secret"])
    call_command("keys", "rotate")
    new_kid = primary_key_id()
    assert new_kid != old_kid
    for row in Authenticator.objects.filter(user=user, type__in=["totp", "recovery_codes"]):
        token = row.data.get("secret") or row.data.get("seed")
        assert token_key_id(token) == new_kid
    response = sign_in(client, user)
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("field", ["secret"])
def test_a_secret_moved_between_purposes_fails(make_user, field):
    from sellsafe.core.crypto import DecryptionError, decrypt

    user = make_user()
    token = Authenticator.objects.get(user=user, type="totp").data[field]
    with pytest.raises(DecryptionError):
        decrypt(token, aad="accounts.user.anti_phishing_phrase:" + str(user.pk))
