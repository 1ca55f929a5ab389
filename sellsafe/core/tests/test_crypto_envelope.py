import base64
import secrets

import pytest
from django.test import override_settings

from sellsafe.core.crypto import DecryptionError, blind_index, decrypt, decrypt_text, encrypt
from sellsafe.core.crypto.keys import MasterKeyError, get_keyring, load_master_key
from sellsafe.core.models import DataKey

pytestmark = pytest.mark.django_db

AAD = "tests.thing.secret:1"


def _other_master_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def test_round_trip_text_and_bytes():
    token = encrypt("zwölf ✓ secret", aad=AAD)
    assert token.isascii()
    version, kid, _body = token.split(".")
    assert version == "ss1"
    assert DataKey.objects.get(is_primary=True).kid == kid
    assert decrypt_text(token, aad=AAD) == "zwölf ✓ secret"
    assert decrypt(encrypt(b"\x00\xff", aad=AAD), aad=AAD) == b"\x00\xff"
    assert decrypt_text(encrypt("", aad=AAD), aad=AAD) == ""


def test_same_plaintext_gives_different_tokens():
    assert encrypt("same", aad=AAD) != encrypt("same", aad=AAD)


def test_aad_is_required():
    with pytest.raises(ValueError, match="associated data"):
        encrypt("x", aad="")


def test_wrong_aad_fails():
    token = encrypt("secret", aad=AAD)
    with pytest.raises(DecryptionError, match="another record or field"):
        decrypt(token, aad="tests.thing.secret:2")


@pytest.mark.parametrize("position", [0, 5, 20, -1])
def test_tampered_body_fails(position):
    token = encrypt("secret value", aad=AAD)
    head, body = token.rsplit(".", 1)
    chars = list(body)
    chars[position] = "A" if chars[position] != "A" else "B"
    with pytest.raises(DecryptionError):
        decrypt(head + "." + "".join(chars), aad=AAD)


def test_tampered_header_fails():
    token = encrypt("secret value", aad=AAD)
    _, kid, body = token.split(".")
    with pytest.raises(DecryptionError, match="format"):
        decrypt(f"ss2.{kid}.{body}", aad=AAD)
    with pytest.raises(DecryptionError, match="not in the key ring"):
        decrypt(f"ss1.00000000.{body}", aad=AAD)
    for broken in ("", "ss1", "ss1..", f"ss1.{kid}.", f"ss1.{kid}.!!!", f"ss1.{kid}.{body[:10]}"):
        with pytest.raises(DecryptionError):
            decrypt(broken, aad=AAD)


def test_token_under_another_key_of_the_ring_fails():
    token = encrypt("secret", aad=AAD)
    body = token.split(".")[2]
    new_kid = get_keyring().rotate()
    with pytest.raises(DecryptionError):
        decrypt(f"ss1.{new_kid}.{body}", aad=AAD)


def test_error_messages_never_contain_plaintext_or_keys():
    plaintext = "hunter2-very-private"
    token = encrypt(plaintext, aad=AAD)
    messages = []
    for bad_token, aad in ((token, "other"), (token[:-2] + "xx", AAD)):
        with pytest.raises(DecryptionError) as excinfo:
            decrypt(bad_token, aad=aad)
        messages.append(str(excinfo.value))
    row = DataKey.objects.get()
    for message in messages:
        assert plaintext not in message
        assert row.wrapped_key not in message


def test_wrapped_data_key_is_bound_to_its_id():
    encrypt("x", aad=AAD)
    first = DataKey.objects.get()
    second_kid = get_keyring().rotate()
    second = DataKey.objects.get(kid=second_kid)
    # Swap the wrapped keys between rows: neither unwraps, even with the right master key.
    DataKey.objects.filter(kid=first.kid).update(wrapped_key=second.wrapped_key)
    from sellsafe.core.crypto.keys import KeyRing, KeyRingError

    fresh = KeyRing(get_keyring().source)
    with pytest.raises(KeyRingError, match="altered"):
        fresh.cipher(first.kid)


def test_wrong_master_key_is_named():
    token = encrypt("secret", aad=AAD)
    with (
        override_settings(SELLSAFE_MASTER_KEY=_other_master_key()),
        pytest.raises(DecryptionError, match="wrapped by master key"),
    ):
        decrypt(token, aad=AAD)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("not base64 at all!", "not valid base64"),
        (base64.b64encode(b"short").decode(), "32 bytes, not 5"),
        (base64.b64encode(b"x" * 64).decode(), "32 bytes, not 64"),
    ],
)
def test_bad_master_key_rejected_with_clear_message(value, message):
    with pytest.raises(MasterKeyError, match=message) as excinfo:
        load_master_key(value)
    assert isinstance(excinfo.value, ValueError)
    if value.strip():
        assert value not in str(excinfo.value)


def test_bad_master_key_in_settings_stops_encryption():
    with (
        override_settings(SELLSAFE_MASTER_KEY="c2hvcnQ="),
        pytest.raises(MasterKeyError, match="32 bytes"),
    ):
        encrypt("x", aad=AAD)


def test_master_key_accepts_standard_and_urlsafe_base64():
    raw = secrets.token_bytes(32)
    assert load_master_key(base64.b64encode(raw).decode() + "\n") == raw
    assert load_master_key(base64.urlsafe_b64encode(raw).decode()) == raw


def test_blind_index_stable_and_purpose_separated():
    a = blind_index("ana@example.com", purpose="customers.customer.email")
    assert a == blind_index("ana@example.com", purpose="customers.customer.email")
    assert len(a) == 32
    int(a, 16)
    assert a != blind_index("ana@example.com", purpose="customers.customer.phone")
    assert a != blind_index("Ana@example.com", purpose="customers.customer.email")  # no normalising
    with override_settings(SELLSAFE_MASTER_KEY=_other_master_key()):
        assert a != blind_index("ana@example.com", purpose="customers.customer.email")
    with pytest.raises(ValueError, match="purpose"):
        blind_index("x", purpose="")


def test_blind_index_needs_no_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        blind_index("x", purpose="p")


def test_encryption_is_cheap(
    django_capture_on_commit_callbacks, django_assert_num_queries, monkeypatch
):
    # Once the key is committed, encrypting costs no query, no unwrapping and no new cipher
    # object: one AES call on a cached key. (Speed is not asserted here: a timed test fails on a
    # busy machine. Measured ~170k pairs/s in the test run; a query per call would be ~10k/s.)
    from sellsafe.core.crypto import keys

    with django_capture_on_commit_callbacks(execute=True):
        encrypt("warm up", aad=AAD)
    encrypt("warm up", aad=AAD)  # reads the committed primary once; then cached for 30 s
    made: list[bytes] = []
    real_aesgcm = keys.AESGCM

    def counting_aesgcm(key: bytes):
        made.append(key)
        return real_aesgcm(key)

    monkeypatch.setattr(keys, "AESGCM", counting_aesgcm)
    monkeypatch.setattr(keys.KeyRing, "unwrap", lambda self, row: pytest.fail("unwrapped again"))
    value = "x" * 200
    with django_assert_num_queries(0):
        for _ in range(500):
            assert decrypt(encrypt(value, aad=AAD), aad=AAD) == value.encode()
    assert made == []
