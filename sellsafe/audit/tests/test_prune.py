"""`sellsafe audit prune`: old events go, a signed checkpoint stays, the chain still verifies,
pruning is itself audited, and nothing else can delete."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.db import DatabaseError, transaction
from django.utils import timezone

from sellsafe.audit import events
from sellsafe.audit.models import (
    ACCOUNT_CHAIN,
    AuditCheckpoint,
    AuditEvent,
    AuditPrunePermit,
)
from sellsafe.audit.services import record
from sellsafe.audit.tests.conftest import triggers_lifted


@pytest.fixture
def aged_log(new_shop, new_user):
    """Five 800-day-old events and two recent ones in a shop chain and in the account chain."""
    shop, user = new_shop(), new_user()
    with time_machine.travel(timezone.now() - timedelta(days=800), tick=False):
        for i in range(5):
            record(action="orders.order_cancelled", actor=user, shop=shop, target_id=str(i))
            record(action=events.LOGIN_SUCCEEDED, actor=user)
    for i in range(2):
        record(action="orders.order_cancelled", actor=user, shop=shop, target_id=f"new-{i}")
        record(action=events.LOGIN_SUCCEEDED, actor=user)
    return shop


def test_prune_keeps_the_chain_verifiable(aged_log, audit):
    key = str(aged_log.pk)
    status, output = audit("prune", "--batch-size", "2")
    assert status == 0, output
    assert f"chain {key}: deleted 5 events through seq 5" in output
    assert "Pruned 10 events from 2 chain(s)." in output
    for chain in (key, ACCOUNT_CHAIN):
        assert list(
            AuditEvent.objects.filter(chain=chain).order_by("seq").values_list("seq", flat=True)
        ) == [6, 7, 8]
        # One signed checkpoint per batch; the newest is where the chain now starts.
        assert list(
            AuditCheckpoint.objects.filter(chain=chain)
            .order_by("seq")
            .values_list("seq", flat=True)
        ) == [2, 4, 5]
        pruned = AuditEvent.objects.get(chain=chain, seq=8)
        assert pruned.action == events.AUDIT_PRUNED
        assert pruned.changes["events"] == 5 and pruned.changes["through_seq"] == 5
        assert pruned.shop_id == (aged_log.pk if chain == key else None)
        first = AuditEvent.objects.get(chain=chain, seq=6)
        assert first.prev_hash == AuditCheckpoint.objects.get(chain=chain, seq=5).hash
    assert not AuditPrunePermit.objects.exists()
    status, output = audit("verify")
    assert status == 0, output
    assert "pruned through seq 5" in output


def test_prune_refuses_nothing_else(aged_log, audit):
    audit("prune")
    remaining = AuditEvent.objects.order_by("seq").first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=remaining.pk).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=remaining.pk).update(action="x")
    assert AuditEvent.objects.filter(pk=remaining.pk).exists()


def test_a_second_prune_finds_nothing(aged_log, audit):
    audit("prune")
    status, output = audit("prune")
    assert status == 0 and "Pruned 0 events from 0 chain(s)." in output
    assert AuditEvent.objects.filter(action=events.AUDIT_PRUNED).count() == 2


def test_retention_comes_from_settings_or_days(aged_log, audit, settings):
    settings.SELLSAFE_AUDIT_RETENTION_DAYS = 1000
    status, output = audit("prune")
    assert status == 0 and "(1000 days)" in output and "Pruned 0 events" in output
    status, output = audit("prune", "--days", "0")
    assert status == 1 and "at least 1 day" in output
    status, output = audit("prune", "--days", "700", "--dry-run")
    assert status == 0 and "Dry run: 10 events would be deleted." in output
    assert AuditEvent.objects.count() == 14


def test_a_fully_pruned_chain_still_verifies(new_user, audit):
    user = new_user()
    with time_machine.travel(timezone.now() - timedelta(days=800), tick=False):
        for _ in range(3):
            record(action=events.LOGOUT, actor=user)
    audit("prune")
    assert list(AuditEvent.objects.values_list("seq", "action")) == [(4, events.AUDIT_PRUNED)]
    status, output = audit("verify")
    assert status == 0, output


@pytest.mark.parametrize("tamper", ["hash", "signature", "delete"])
def test_a_tampered_prune_checkpoint_fails_verify(aged_log, audit, tamper):
    audit("prune")
    newest = AuditCheckpoint.objects.get(chain=ACCOUNT_CHAIN, seq=5)
    if tamper == "delete":
        AuditCheckpoint.objects.filter(chain=ACCOUNT_CHAIN).delete()
        expected = "missing (seqs 1..5): removed"
    elif tamper == "hash":
        AuditCheckpoint.objects.filter(pk=newest.pk).update(hash="2" * 64)
        expected = "bad signature"
    else:
        AuditCheckpoint.objects.filter(pk=newest.pk).update(signature="A" * 88)
        expected = "bad signature"
    status, output = audit("verify")
    assert status == 1 and expected in output


def test_a_prune_checkpoint_hiding_more_deletions_fails(aged_log, audit):
    """Deleting more events under a forged permit is caught: no signed checkpoint covers them."""
    audit("prune")
    with triggers_lifted():
        AuditEvent.objects.filter(chain=ACCOUNT_CHAIN, seq=6).delete()
    status, output = audit("verify", "--account")
    assert status == 1 and "missing (seq 6): removed" in output


def test_checkpoint_files_across_a_prune(new_user, audit, tmp_path):
    user = new_user()
    with time_machine.travel(timezone.now() - timedelta(days=800), tick=False):
        for _ in range(3):
            record(action=events.LOGOUT, actor=user)
        status, output = audit("checkpoint")
    at_three = tmp_path / "three.jsonl"
    at_three.write_text(output.splitlines()[0])
    assert json.loads(at_three.read_text())["seq"] == 3
    record(action=events.LOGOUT, actor=user)
    audit("prune")  # prunes seq 1..3: the checkpoint's seq is exactly the pruning checkpoint's
    status, output = audit("verify", "--checkpoint", str(at_three))
    assert status == 0, output
    with time_machine.travel(timezone.now() + timedelta(days=800), tick=False):
        audit("prune")  # now seq 4 and 5 go too
        status, output = audit("verify", "--checkpoint", str(at_three))
    assert status == 1 and "can no longer be checked" in output
