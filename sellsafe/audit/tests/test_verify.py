"""`sellsafe audit verify` passes on an intact log and names the first changed, removed or
reordered event; the triggers refuse UPDATE and DELETE through the ORM and through raw SQL."""

import uuid

import pytest
from django.db import DatabaseError, connection, transaction

from sellsafe.audit import events, triggers
from sellsafe.audit.models import ACCOUNT_CHAIN, AuditChainHead, AuditEvent
from sellsafe.audit.services import record
from sellsafe.audit.tests.conftest import triggers_lifted


@pytest.fixture
def log(new_shop, new_user):
    """Two shops and the account chain, interleaved: returns {chain: [events in seq order]}."""
    shops = [new_shop(), new_shop()]
    user = new_user()
    by_chain = {}
    for i in range(5):
        for shop in shops:
            event = record(
                action="catalog.product_updated",
                actor=user,
                shop=shop,
                target_type="product",
                target_id=str(i),
                changes={"price": {"before": i, "after": i + 1}},
            )
            by_chain.setdefault(event.chain, []).append(event)
        event = record(action=events.LOGIN_SUCCEEDED, actor=user, target_type="session")
        by_chain.setdefault(event.chain, []).append(event)
    return by_chain


def shop_chain(log):
    return next(key for key in log if key != ACCOUNT_CHAIN)


def test_verify_passes_on_a_good_log(log, audit):
    status, output = audit("verify")
    assert status == 0, output
    assert "Audit log OK: 3 chain(s), 15 events verified" in output
    assert "chain account: 5 events (seq 1..5), OK" in output


def test_verify_one_shop_or_the_account_chain(log, audit):
    from sellsafe.shops.models import Shop

    slug = Shop.objects.get(pk=shop_chain(log)).slug
    status, output = audit("verify", "--shop", slug)
    assert status == 0 and "1 chain(s), 5 events" in output and f"(shop {slug})" in output
    status, output = audit("verify", "--account")
    assert status == 0 and "chain account: 5 events" in output
    status, output = audit("verify", "--shop", "no-such-shop")
    assert status == 1 and "No shop has the slug" in output


def test_an_edited_event_is_named(log, audit):
    key = shop_chain(log)
    victim = log[key][2]
    with triggers_lifted():
        AuditEvent.objects.filter(pk=victim.pk).update(changes={"price": {"before": 0, "after": 1}})
    status, output = audit("verify")
    assert status == 1
    assert f"chain {key}" in output and f"seq 3, event {victim.pk}" in output
    assert "content does not match its hash: the event was changed" in output
    # The other chains are still reported intact.
    assert "chain account: 5 events (seq 1..5), OK" in output


def test_an_edited_timestamp_or_actor_is_detected(log, audit, new_user):
    events_ = log[ACCOUNT_CHAIN]
    with triggers_lifted():
        AuditEvent.objects.filter(pk=events_[1].pk).update(actor_user=new_user())
    status, output = audit("verify", "--account")
    assert status == 1 and f"seq 2, event {events_[1].pk}" in output


def test_a_deleted_event_is_named(log, audit):
    key = shop_chain(log)
    removed, next_event = log[key][1], log[key][2]
    with triggers_lifted():
        AuditEvent.objects.filter(pk=removed.pk).delete()
    status, output = audit("verify")
    assert status == 1
    assert f"seq 3, event {next_event.pk}" in output
    assert "missing (seq 2): removed" in output


def test_a_deleted_first_or_last_event_is_named(log, audit):
    events_ = log[ACCOUNT_CHAIN]
    with triggers_lifted():
        AuditEvent.objects.filter(pk=events_[-1].pk).delete()
    status, output = audit("verify", "--account")
    assert status == 1 and "the last event(s) (seq 5) were removed" in output
    with triggers_lifted():
        AuditEvent.objects.filter(pk=events_[0].pk).delete()
    status, output = audit("verify", "--account")
    assert status == 1 and f"seq 2, event {events_[1].pk}" in output


def _swap(a, b, *, keep):
    columns = [
        f.attname for f in AuditEvent._meta.concrete_fields if f.attname not in {"id", *keep}
    ]
    first = AuditEvent.objects.filter(pk=a.pk).values(*columns).get()
    second = AuditEvent.objects.filter(pk=b.pk).values(*columns).get()
    with triggers_lifted():
        if "seq" not in keep:
            AuditEvent.objects.filter(pk=a.pk).update(seq=10**9)
        AuditEvent.objects.filter(pk=b.pk).update(**first)
        AuditEvent.objects.filter(pk=a.pk).update(**second)


@pytest.mark.parametrize("keep", [(), ("seq",)], ids=["whole-rows", "contents-in-place"])
def test_swapped_events_are_named(log, audit, keep):
    key = shop_chain(log)
    a, b = log[key][1], log[key][2]
    _swap(a, b, keep=keep)
    status, output = audit("verify")
    assert status == 1
    seq2 = AuditEvent.objects.get(chain=key, seq=2)
    assert f"chain {key}, seq 2, event {seq2.pk}" in output


def test_a_replaced_head_is_detected(log, audit):
    with triggers_lifted():
        AuditChainHead.objects.filter(chain=ACCOUNT_CHAIN).update(hash="1" * 64)
    status, output = audit("verify", "--account")
    assert status == 1 and "differs from the one its head recorded" in output


def test_missing_triggers_fail_verify(log, audit):
    triggers.uninstall(connection)
    try:
        assert triggers.missing(connection)
        status, output = audit("verify")
        assert status == 1 and "append-only triggers" in output
    finally:
        triggers.install(connection)
    assert triggers.missing(connection) == []


TAMPERING = {
    "orm_update": lambda e: AuditEvent.objects.filter(pk=e.pk).update(action="x"),
    "orm_delete": lambda e: AuditEvent.objects.filter(pk=e.pk).delete(),
    "orm_delete_all": lambda e: AuditEvent.objects.all().delete(),
    "instance_save": lambda e: (setattr(e, "action", "x"), e.save()),
    "instance_delete": lambda e: e.delete(),
    "raw_update": lambda e: _raw("UPDATE audit_event SET action = 'x' WHERE seq = 1"),
    "raw_delete": lambda e: _raw("DELETE FROM audit_event WHERE seq = 1"),
    "raw_delete_all": lambda e: _raw("DELETE FROM audit_event"),
}


def _raw(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)


@pytest.mark.parametrize("how", list(TAMPERING))
def test_update_and_delete_are_refused(new_user, how):
    event = record(action=events.LOGOUT, actor=new_user())
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        TAMPERING[how](event)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.action == events.LOGOUT


@pytest.mark.django_db(transaction=True)  # TRUNCATE cannot run after inserts in one transaction
def test_truncate_is_refused_on_postgresql(new_user):
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's; SQLite has only DELETE (tested above)")
    record(action=events.LOGOUT, actor=new_user())
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _raw("TRUNCATE audit_event")
    assert AuditEvent.objects.count() == 1


def test_inserting_a_forged_event_is_detected(log, audit):
    """An INSERT is not refused (record() inserts), but a row that did not come through record()
    breaks the chain: the head does not know it, and its seq collides or leaves a gap."""
    last = log[ACCOUNT_CHAIN][-1]
    forged = AuditEvent.objects.filter(pk=last.pk).values().get()
    forged.update(id=None, seq=last.seq + 1, prev_hash=last.hash, action="auth.logout")
    forged.pop("id")
    AuditEvent.objects.bulk_create([AuditEvent(**forged)])
    status, output = audit("verify", "--account")
    assert status == 1
    assert f"seq {last.seq + 1}" in output


def test_a_well_forged_event_past_the_head_is_detected(log, audit):
    """A forger who computes a correct hash but bypasses record() leaves the head behind."""
    from sellsafe.audit import chain

    last = log[ACCOUNT_CHAIN][-1]
    values = AuditEvent.objects.filter(pk=last.pk).values(*chain.CONTENT_COLUMNS).get()
    values.update(id=uuid.uuid4(), seq=last.seq + 1, action="auth.logout")
    digest = chain.link(last.hash, chain.canonical([values[c] for c in chain.CONTENT_COLUMNS]))
    AuditEvent.objects.bulk_create([AuditEvent(prev_hash=last.hash, hash=digest, **values)])
    status, output = audit("verify", "--account")
    assert status == 1
    assert f"seq {last.seq + 1}: the chain goes on to seq {last.seq + 1} past its head" in output


def test_events_appended_while_verifying_are_not_a_problem(log, monkeypatch):
    """SQLite reads the head and the events in separate statements: record() may append in
    between. The head is read first, and re-read when the events go past it."""
    from sellsafe.audit import chain

    events_ = log[ACCOUNT_CHAIN]
    real_head = chain._head
    calls = []

    def stale_then_real(key):
        calls.append(key)
        if len(calls) == 1:
            return events_[-2].seq, events_[-2].hash
        return real_head(key)

    monkeypatch.setattr(chain, "_head", stale_then_real)
    report = chain.verify_chain(ACCOUNT_CHAIN)
    assert report.problem is None and report.last_seq == events_[-1].seq
    assert len(calls) == 2
