import base64
import os
import secrets
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connections, transaction
from django.db.models import QuerySet
from django.test import override_settings

from sellsafe.accounts.models import User
from sellsafe.core.crypto import decrypt_text, encrypt, keys
from sellsafe.core.crypto.fields import Ciphertext
from sellsafe.core.models import DataKey

pytestmark = pytest.mark.django_db

MFA_AAD = "allauth.mfa.authenticator.data"


def _raw_phrase(user):
    return User.objects.filter(pk=user.pk).values_list("anti_phishing_phrase", flat=True).get()


def _kid(token):
    return token.split(".")[1]


def _users(n):
    return [
        User.objects.create(email=f"u{i}@example.com", anti_phishing_phrase=f"phrase {i}")
        for i in range(n)
    ]


def test_first_encryption_creates_one_primary_key():
    assert not DataKey.objects.exists()
    encrypt("a", aad="x")
    encrypt("b", aad="x")
    [key] = DataKey.objects.all()
    assert key.is_primary
    assert key.retired_at is None
    assert key.master_key_id == keys.get_keyring().master_key_id


def test_database_allows_only_one_primary_key():
    ring = keys.get_keyring()
    ring.primary()
    with pytest.raises(IntegrityError), transaction.atomic():
        ring._insert(primary=True)


def test_losing_the_first_key_race_uses_the_winners_key(monkeypatch):
    other_process = keys.KeyRing(keys.get_keyring().source)
    winner = other_process.primary()[0]
    # Our process checked before the winner committed: its re-check finds nothing.
    monkeypatch.setattr(QuerySet, "select_for_update", lambda self, **kw: self.none())
    ring = keys.KeyRing(keys.get_keyring().source)
    assert ring.primary()[0] == winner
    assert DataKey.objects.filter(is_primary=True).count() == 1


def test_key_created_in_a_rolled_back_transaction_is_not_kept():
    class Rollback(Exception):
        pass

    ring = keys.get_keyring()
    seen = []

    def request_that_fails() -> None:
        with transaction.atomic():
            seen.append(ring.primary()[0])
            raise Rollback

    with pytest.raises(Rollback):
        request_that_fails()
    [ghost] = seen
    assert not DataKey.objects.exists()
    # The process must not go on encrypting with a key that no longer exists.
    assert _kid(encrypt("x", aad="x")) != ghost
    assert DataKey.objects.get().kid != ghost


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs DATABASE_URL pointing at PostgreSQL (threads on SQLite's in-memory test "
    "database get 'table is locked'; the SQLite race is tested with processes above)",
)
def test_concurrent_first_key_creation_ends_with_one_primary():
    source = keys.get_keyring().source
    n = 6
    barrier = threading.Barrier(n)
    kids: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            ring = keys.KeyRing(source)  # one "process" each: its own cache and connection
            barrier.wait()
            kids.append(ring.primary()[0])
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert DataKey.objects.filter(is_primary=True).count() == 1
    assert set(kids) == {DataKey.objects.get(is_primary=True).kid}


_RACER = """
import os, sys, time
import django
django.setup()
from django.core.management import call_command
from sellsafe.core.crypto.keys import primary_key_id
ready, go, first = sys.argv[1:]
if first == "1":
    call_command("migrate", "core", verbosity=0)
open(ready + ".ready", "w").close()
while not os.path.exists(go):
    time.sleep(0.001)
print(primary_key_id())
"""


def test_processes_racing_on_a_sqlite_file_end_with_one_primary(tmp_path):
    # Real processes on the real SQLite settings (IMMEDIATE transactions, busy timeout).
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        SELLSAFE_DATA_DIR=str(tmp_path),
        SELLSAFE_MASTER_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        DJANGO_SETTINGS_MODULE="sellsafe.settings",
    )
    python = sys.executable
    go = tmp_path / "go"
    racers = [
        subprocess.Popen(
            [python, "-c", _RACER, str(tmp_path / f"racer{i}"), str(go), str(int(i == 0))],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)  # two is a race; each process costs ~1.5 s of Django start-up
    ]
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("racer*.ready"))) < len(racers) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    results = [racer.communicate(timeout=60) for racer in racers]
    assert all(r.returncode == 0 for r in racers), [err for _, err in results]
    kids = {out.strip() for out, _ in results}
    assert len(kids) == 1
    with sqlite3.connect(tmp_path / "sellsafe.sqlite3") as db:
        rows = db.execute("SELECT kid FROM core_data_key WHERE is_primary").fetchall()
    assert rows == [(kids.pop(),)]


def test_rotate_command_reencrypts_and_keeps_old_values_readable(capsys):
    users = _users(7)
    mfa_token = encrypt("JBSWY3DPEHPK3PXP", aad=MFA_AAD)
    old = DataKey.objects.get(is_primary=True).kid
    assert {_kid(_raw_phrase(u)) for u in users} == {old}

    call_command("keys", "rotate", "--batch-size", "3")

    out = capsys.readouterr().out
    new = DataKey.objects.get(is_primary=True).kid
    assert new != old
    assert f"New primary data key: {new}" in out
    assert "accounts.user.anti_phishing_phrase: 7/7" in out
    assert DataKey.objects.get(kid=old).retired_at is not None
    for i, user in enumerate(users):
        assert _kid(_raw_phrase(user)) == new
        assert User.objects.get(pk=user.pk).anti_phishing_phrase == f"phrase {i}"
    # Values outside model fields stay readable: old keys are kept.
    assert decrypt_text(mfa_token, aad=MFA_AAD) == "JBSWY3DPEHPK3PXP"
    assert _kid(encrypt("new", aad="x")) == new


def test_other_processes_pick_up_a_rotation_when_their_cache_expires(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        old = keys.primary_key_id()
    ring = keys.get_keyring()
    assert ring.primary()[0] == old
    new = keys.KeyRing(ring.source).rotate()  # another process rotates
    assert ring.primary()[0] == old  # still cached: old values and keys stay valid meanwhile
    ring._primary_until = 0.0  # PRIMARY_CACHE_SECONDS later
    assert ring.primary()[0] == new


def test_reencrypt_only_finishes_an_interrupted_rotation(capsys):
    users = _users(3)
    old = keys.primary_key_id()
    new = keys.rotate()
    assert {_kid(_raw_phrase(u)) for u in users} == {old}
    call_command("keys", "rotate", "--reencrypt-only")
    assert {_kid(_raw_phrase(u)) for u in users} == {new}
    assert DataKey.objects.count() == 2
    call_command("keys", "rotate", "--reencrypt-only")
    assert "nothing to re-encrypt" in capsys.readouterr().out


def test_rotate_reports_rows_it_cannot_decrypt():
    a, b = _users(2)
    # b now carries a's token: bound to a's row, it cannot be decrypted for b.
    User.objects.filter(pk=b.pk).update(anti_phishing_phrase=Ciphertext(_raw_phrase(a)))
    with pytest.raises(CommandError, match=f"row {b.pk}"):
        call_command("keys", "rotate")
    new = keys.primary_key_id()
    assert _kid(_raw_phrase(a)) == new
    assert _kid(_raw_phrase(b)) != new


def test_status_lists_keys_and_counts(capsys):
    _users(2)
    User.objects.create(email="empty@example.com")
    old = keys.primary_key_id()
    new = keys.rotate()
    User.objects.create(email="new@example.com", anti_phishing_phrase="fresh")
    call_command("keys", "status")
    out = capsys.readouterr().out
    assert f"{new}  primary" in out
    assert f"{old}  retired" in out
    assert f"accounts.user.anti_phishing_phrase: {old}=2, {new}=1" in out


def test_rewrap_moves_keys_to_a_new_master_key(monkeypatch, capsys):
    user = _users(1)[0]
    token = encrypt("mfa secret", aad=MFA_AAD)
    new_master = base64.b64encode(secrets.token_bytes(32)).decode()
    monkeypatch.setenv("SELLSAFE_TEST_NEW_MASTER", new_master)
    call_command("keys", "rewrap", "--new-master-key-env", "SELLSAFE_TEST_NEW_MASTER")
    assert new_master not in capsys.readouterr().out
    with override_settings(SELLSAFE_MASTER_KEY=new_master):
        keys.reset_cache()
        assert decrypt_text(token, aad=MFA_AAD) == "mfa secret"
        assert User.objects.get(pk=user.pk).anti_phishing_phrase == "phrase 0"
    keys.reset_cache()
    with pytest.raises(Exception, match="wrapped by master key"):
        decrypt_text(token, aad=MFA_AAD)


def test_rewrap_rejects_a_bad_new_key(monkeypatch):
    monkeypatch.setenv("SELLSAFE_TEST_NEW_MASTER", "dG9vIHNob3J0")
    with pytest.raises(CommandError, match="SELLSAFE_TEST_NEW_MASTER must decode to 32 bytes"):
        call_command("keys", "rewrap", "--new-master-key-env", "SELLSAFE_TEST_NEW_MASTER")
    with pytest.raises(CommandError, match="not set"):
        call_command("keys", "rewrap", "--new-master-key-env", "SELLSAFE_TEST_UNSET_VARIABLE")
