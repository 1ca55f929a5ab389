"""`flush` (and so every transactional test's teardown) can still empty the database: the
triggers are lifted for its transaction only and are back afterwards."""

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from sellsafe.audit import events, triggers
from sellsafe.audit.models import AuditEvent
from sellsafe.audit.services import record


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_log_and_keeps_the_triggers(new_user):
    event = record(action=events.LOGOUT, actor=new_user())
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    assert triggers.missing(connection) == []
    event = record(action=events.LOGOUT, actor=new_user())
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    # The teardown flush of this test must succeed too (it would fail on the triggers).
