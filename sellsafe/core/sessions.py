"""The session store: Django's database sessions, saved in one statement.

Django's `db.SessionStore.save` wraps even a plain update in `transaction.atomic`, so every request
that touches the session pays BEGIN, UPDATE, COMMIT. An UPDATE of one row is atomic on its own;
outside a transaction (autocommit) this store sends just the UPDATE. Creating a session, and
saving inside a caller's transaction, stay as Django does them.
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import UpdateError
from django.db import DatabaseError, router, transaction


class SessionStore(db.SessionStore):
    def save(self, must_create: bool = False) -> None:
        if self.session_key is None or must_create:
            super().save(must_create=must_create)
            return
        model = self.model
        using = router.db_for_write(model)
        if transaction.get_connection(using).in_atomic_block:
            super().save(must_create=False)
            return
        rows = model._default_manager.using(using).filter(session_key=self.session_key)
        try:
            updated = rows.update(
                session_data=self.encode(self._get_session()),  # type: ignore[attr-defined]
                expire_date=self.get_expiry_date(),
            )
        except DatabaseError as error:  # as Django's store: the request learns it was not saved
            raise UpdateError from error
        if not updated:  # deleted meanwhile (signed out elsewhere): as Django's store does
            raise UpdateError
