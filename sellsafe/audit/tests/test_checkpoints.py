"""Signed checkpoints: a checkpoint verifies while the log extends it; a rewritten log (hashes
recomputed after a change) and a tampered checkpoint fail."""

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from sellsafe.audit import chain, checkpoints, events
from sellsafe.audit.models import ACCOUNT_CHAIN, AuditChainHead, AuditEvent
from sellsafe.audit.services import record
from sellsafe.audit.tests.conftest import triggers_lifted
from sellsafe.core.crypto import signing


@pytest.fixture
def log(new_shop, new_user):
    shop, user = new_shop(), new_user()
    for i in range(4):
        record(action="orders.order_cancelled", actor=user, shop=shop, target_id=str(i))
        record(action=events.LOGIN_SUCCEEDED, actor=user)
    return shop


@pytest.fixture
def checkpoint_file(log, audit, tmp_path):
    status, output = audit("checkpoint")
    assert status == 0, output
    lines = [line for line in output.splitlines() if line.startswith("{")]
    assert len(lines) == 2
    path = tmp_path / "checkpoint.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_checkpoint_output(checkpoint_file, log):
    statements = [json.loads(line) for line in checkpoint_file.read_text().splitlines()]
    assert {s["chain"] for s in statements} == {ACCOUNT_CHAIN, str(log.pk)}
    for s in statements:
        assert set(s) == {"chain", "seq", "hash", "time", "public_key", "signature", "v"}
        assert s["seq"] == 4 and s["time"].endswith("Z")
        assert s["public_key"] == checkpoints.public_key()
        head = AuditChainHead.objects.get(chain=s["chain"])
        assert (head.seq, head.hash) == (s["seq"], s["hash"])


def test_the_public_key_is_derived_from_the_master_key(settings):
    first = checkpoints.public_key()
    assert checkpoints.public_key() == first  # deterministic
    assert len(base64.b64decode(first)) == 32
    settings.SELLSAFE_MASTER_KEY = base64.b64encode(b"\x01" * 32).decode()
    assert checkpoints.public_key() != first


def test_a_checkpoint_verifies_and_the_log_may_grow(checkpoint_file, log, audit, new_user):
    record(action=events.LOGOUT, actor=new_user())
    status, output = audit("verify", "--checkpoint", str(checkpoint_file))
    assert status == 0, output
    assert "checkpoint chain account seq 4" in output and "extends it by 1 events" in output
    assert "2 checkpoint(s) extended" in output


def test_a_single_object_file_works_too(checkpoint_file, audit, tmp_path):
    first = json.loads(checkpoint_file.read_text().splitlines()[0])
    path = tmp_path / "one.json"
    path.write_text(json.dumps(first, indent=2))
    status, output = audit("verify", "--checkpoint", str(path))
    assert status == 0, output


def _rewrite_from(key, seq, **change):
    """Change event `seq` and recompute every later hash and the head: an internally valid log."""
    with triggers_lifted():
        AuditEvent.objects.filter(chain=key, seq=seq).update(**change)
        prev = AuditEvent.objects.get(chain=key, seq=seq).prev_hash
        for event in AuditEvent.objects.filter(chain=key, seq__gte=seq).order_by("seq"):
            values = [getattr(event, column) for column in chain.CONTENT_COLUMNS]
            new = chain.link(prev, chain.canonical(values))
            AuditEvent.objects.filter(pk=event.pk).update(prev_hash=prev, hash=new)
            prev = new
        AuditChainHead.objects.filter(chain=key).update(hash=prev)


def test_a_rewritten_log_passes_plain_verify_but_fails_the_checkpoint(checkpoint_file, log, audit):
    key = str(log.pk)
    _rewrite_from(key, 2, target_id="rewritten")
    status, output = audit("verify")
    assert status == 0, output  # this is why checkpoints are kept off the server
    status, output = audit("verify", "--checkpoint", str(checkpoint_file))
    assert status == 1
    assert f"chain {key}, seq 4: checkpoint: the event at seq 4 now has hash" in output
    assert "rewritten at or before seq 4" in output


def test_a_shortened_log_fails_the_checkpoint(checkpoint_file, log, audit):
    with triggers_lifted():
        AuditEvent.objects.filter(chain=ACCOUNT_CHAIN, seq=4).delete()
        last = AuditEvent.objects.get(chain=ACCOUNT_CHAIN, seq=3)
        AuditChainHead.objects.filter(chain=ACCOUNT_CHAIN).update(seq=3, hash=last.hash)
    status, output = audit("verify", "--checkpoint", str(checkpoint_file))
    assert status == 1 and "the log ends at seq 3, before this checkpoint" in output


@pytest.mark.parametrize("field", ["hash", "seq", "time", "signature"])
def test_a_tampered_checkpoint_fails(checkpoint_file, audit, tmp_path, field):
    statement = json.loads(checkpoint_file.read_text().splitlines()[0])
    if field == "seq":
        statement["seq"] = 3
    elif field == "signature":
        raw = bytearray(base64.b64decode(statement["signature"]))
        raw[0] ^= 1
        statement["signature"] = base64.b64encode(bytes(raw)).decode()
    else:
        statement[field] = statement[field][:-2] + ("00" if statement[field][-2:] != "00" else "11")
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(statement))
    status, output = audit("verify", "--checkpoint", str(path))
    assert status == 1
    assert "signature does not verify: the checkpoint was altered" in output


def test_a_checkpoint_signed_by_another_key_fails_unless_trusted(checkpoint_file, audit, tmp_path):
    statement = json.loads(checkpoint_file.read_text().splitlines()[0])
    other = Ed25519PrivateKey.generate()
    public = base64.b64encode(
        other.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    ).decode()
    message = checkpoints.message(
        chain=statement["chain"],
        seq=statement["seq"],
        hash=statement["hash"],
        time=statement["time"],
    )
    statement.update(public_key=public, signature=base64.b64encode(other.sign(message)).decode())
    path = tmp_path / "other.json"
    path.write_text(json.dumps(statement))
    status, output = audit("verify", "--checkpoint", str(path))
    assert status == 1 and "signed by an unknown key" in output
    status, output = audit("verify", "--checkpoint", str(path), "--trust-key", public)
    assert status == 0, output


def test_a_broken_file_is_a_clear_error(audit, tmp_path, log):
    path = tmp_path / "junk.json"
    path.write_text('{"chain": "account"}')
    status, output = audit("verify", "--checkpoint", str(path))
    assert status == 1 and "is not a checkpoint file" in output
    status, output = audit("verify", "--checkpoint", str(tmp_path / "missing.json"))
    assert status == 1 and "Cannot read" in output


def test_checkpoint_refuses_to_sign_a_broken_log(log, audit):
    with triggers_lifted():
        AuditEvent.objects.filter(chain=ACCOUNT_CHAIN, seq=2).update(action="x")
    status, output = audit("checkpoint")
    assert status == 1 and "Not signing a broken log" in output
    status, output = audit("checkpoint", "--no-verify", "--account")
    assert status == 0 and output.count('"chain": "account"') == 1


def test_signing_helpers():
    message = b"hello"
    signature = signing.sign(message, purpose="audit-checkpoint")
    key = signing.public_key(purpose="audit-checkpoint")
    assert signing.verify(message, signature=signature, public_key=key)
    assert not signing.verify(b"hellO", signature=signature, public_key=key)
    assert not signing.verify(message, signature="not base64!", public_key=key)
    assert signing.public_key(purpose="other") != key
