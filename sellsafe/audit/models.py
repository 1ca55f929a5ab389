"""Who did what, when and from where: the append-only, hash-chained audit log.

Rows are written only by `sellsafe.audit.services.record()`. Each event belongs to one chain (its
shop's id, or "account" for events outside any shop), has the next sequence number in that chain,
and stores `hash = SHA-256(prev_hash || canonical content)` (see chain.py and docs/audit.md).
Database triggers refuse UPDATE and DELETE (migration 0002, triggers.py); only `audit prune`
deletes old events, under a permit row (AuditPrunePermit) that exists inside its transaction only.

People are referenced without a database constraint (DO_NOTHING): deleting an account must not
rewrite the log, so events keep the id of the person who acted.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class ActorType(models.TextChoices):
    USER = "user", "Person"
    API_TOKEN = "api_token", "API token"
    SYSTEM = "system", "Sellsafe"


ACCOUNT_CHAIN = "account"
GENESIS_HASH = "0" * 64


class AuditEvent(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    occurred_at = models.DateTimeField(db_index=True)
    # None for account-level events (sign-in, password change, ...).
    shop = models.ForeignKey(
        "shops.Shop",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # the (shop, -occurred_at) index below serves it
    )
    actor_type = models.CharField(max_length=16, choices=ActorType.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # The API token that acted (its public id), when actor_type is "api_token".
    actor_token_id = models.CharField(max_length=64, blank=True)
    # The person a token, the system or support staff acted for.
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    # The account the event is about (for sign-in events, the account signed in to or attempted).
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # the (subject_user, ...) indexes below serve it
        related_name="+",
    )
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=32, blank=True)
    # Keyed hash of the browser's device cookie: tells "new device" without storing the cookie.
    # Read only with the account's sign-ins (audit_subject_action_ip): no index of its own.
    device = models.CharField(max_length=64, blank=True)
    # The hash chain: see chain.py.
    chain = models.CharField(max_length=40)
    seq = models.PositiveBigIntegerField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        db_table = "audit_event"
        indexes = [
            models.Index(fields=["subject_user", "-occurred_at"], name="audit_subject_time"),
            models.Index(fields=["subject_user", "action", "ip"], name="audit_subject_action_ip"),
            models.Index(fields=["shop", "-occurred_at"], name="audit_shop_time"),
            # The activity log filtered by action, newest first.
            models.Index(fields=["shop", "action", "-occurred_at"], name="audit_shop_action"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_event_chain_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.action} at {self.occurred_at:%Y-%m-%d %H:%M:%S}"


class AuditChainHead(models.Model):
    """The last event of each chain. Writers lock this row, so one chain grows by one writer at a
    time. It is a lock and a shortcut, not evidence: verify walks the events themselves."""

    chain = models.CharField(max_length=40, primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        db_table = "audit_chain_head"

    def __str__(self) -> str:
        return f"{self.chain} at {self.seq}"


class AuditCheckpoint(models.Model):
    """A signed statement that event `seq` of `chain` had `hash`, written by `audit prune` before
    it deletes the events up to `seq`: the first remaining event links to it."""

    id = models.BigAutoField(primary_key=True)
    chain = models.CharField(max_length=40)
    seq = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    public_key = models.CharField(max_length=64)
    signature = models.CharField(max_length=128)

    class Meta:
        db_table = "audit_checkpoint"
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_checkpoint_chain_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.chain} through {self.seq}"


class AuditPrunePermit(models.Model):
    """Allows the DELETE trigger to remove events of `chain` up to `through_seq`. Only `audit
    prune` writes it, and removes it in the same transaction: no other connection ever sees it."""

    id = models.BigAutoField(primary_key=True)
    chain = models.CharField(max_length=40)
    through_seq = models.PositiveBigIntegerField()

    class Meta:
        db_table = "audit_prune_permit"

    def __str__(self) -> str:
        return f"{self.chain} through {self.through_seq}"
