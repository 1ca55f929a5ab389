"""The session store: Django's database sessions, read and saved with one plain statement each.

Every storefront and console request reads its session, and most save it. Django's
`db.SessionStore` builds an ORM query for the read and wraps even a plain update in
`transaction.atomic` (BEGIN, UPDATE, COMMIT). Here the read is one SELECT of the data and the
save of an existing session one UPDATE, with the statement text fixed (an UPDATE of one row is
atomic on its own) and, on PostgreSQL, without waiting for the WAL flush (core.durability). Creating a session, and saving inside a caller's transaction, stay exactly as
Django does them; so do expiry, the session key rules and the table.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import UpdateError
from django.db import DatabaseError, connections, router
from django.utils import timezone

from sellsafe.core.durability import execute_unflushed
from sellsafe.core.statements import fetch

_LOAD = "SELECT session_data FROM django_session WHERE session_key = %s AND expire_date > %s"
_SAVE = "UPDATE django_session SET session_data = %s, expire_date = %s WHERE session_key = %s"


class SessionStore(db.SessionStore):
    def _connection(self, write: bool) -> Any:
        route = router.db_for_write if write else router.db_for_read
        return connections[route(self.model)]

    def load(self) -> dict[str, Any]:
        key = self.session_key  # None unless it passed Django's key check on assignment
        if key is None:
            return {}
        connection = self._connection(write=False)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        rows = fetch(_LOAD, [key, now], connection)
        if not rows:  # unknown or expired: a new session, as in Django
            self._session_key = None
            return {}
        return self.decode(rows[0][0])

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None or must_create:
            super().save(must_create=must_create)
            return
        connection = self._connection(write=True)
        if connection.in_atomic_block:
            super().save(must_create=False)
            return
        data = self.encode(self._get_session())  # type: ignore[attr-defined]
        expires = connection.ops.adapt_datetimefield_value(self.get_expiry_date())
        try:
            with connection.cursor() as cursor:
                # Losing the latest save in a database crash is harmless: no WAL flush wait.
                execute_unflushed(cursor, connection, _SAVE, [data, expires, self.session_key])
                updated = cursor.rowcount
        except DatabaseError as error:  # as Django's store: the request learns it was not saved
            raise UpdateError from error
        if not updated:  # deleted meanwhile (signed out elsewhere): as Django's store does
            raise UpdateError
