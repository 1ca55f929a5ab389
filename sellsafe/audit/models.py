"""Who did what, when and from where.

This first version records account-level (authentication) events; the shop-wide, hash-chained log
builds on the same table: `shop` and the chain columns are added by the shops/audit issue, and every
existing row keeps its meaning.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class ActorType(models.TextChoices):
    USER = "user", "Person"
    API_TOKEN = "api_token", "API token"
    SYSTEM = "system", "Sellsafe"


class AuditEvent(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    occurred_at = models.DateTimeField(db_index=True)
    actor_type = models.CharField(max_length=16, choices=ActorType.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The account the event is about (for sign-in events, the account signed in to or attempted).
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=32, blank=True)
    # Keyed hash of the browser's device cookie: tells "new device" without storing the cookie.
    device = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        db_table = "audit_event"
        indexes = [
            models.Index(fields=["subject_user", "-occurred_at"], name="audit_subject_time"),
            models.Index(fields=["subject_user", "action", "ip"], name="audit_subject_action_ip"),
        ]

    def __str__(self) -> str:
        return f"{self.action} at {self.occurred_at:%Y-%m-%d %H:%M:%S}"
