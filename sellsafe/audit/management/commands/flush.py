"""`flush` that can empty the audit log: Django's flush, with the append-only triggers lifted
for its transaction and put back before it commits.

Django's test framework flushes the database after every transactional test (on SQLite with
DELETE, which the triggers refuse; on PostgreSQL with TRUNCATE, refused as well). Flushing is
"delete every row of every table" by definition, so the audit log goes with the rest.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush
from django.db import connections, transaction

from sellsafe.audit import triggers


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        database = options["database"]
        connection = connections[database]
        with transaction.atomic(using=database):
            triggers.uninstall(connection)
            super().handle(**options)
            triggers.install(connection)
