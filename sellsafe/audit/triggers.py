"""Database triggers that make audit_event append-only (PostgreSQL and SQLite).

UPDATE is always refused. DELETE is refused unless a row of audit_prune_permit covers the event
(same chain, seq <= through_seq); `audit prune` inserts that row and deletes it again inside its
own transaction, so no other connection ever sees it. PostgreSQL also refuses TRUNCATE.

Migration 0002 calls `install()`. If these statements change, add a migration that calls
`install()` again (it replaces what is there). SQLite drops a table's triggers when a migration
rebuilds the table (most AlterField/AddField operations on audit_event do): such a migration must
end with `install()` too. `sellsafe audit verify` fails when a trigger is missing.
"""

from __future__ import annotations

from typing import Any

UPDATE_MESSAGE = "audit_event is append-only: UPDATE is not allowed"
DELETE_MESSAGE = "audit_event is append-only: only sellsafe audit prune may delete old events"

_PERMITTED = (
    "EXISTS (SELECT 1 FROM audit_prune_permit p "
    "WHERE p.chain = OLD.chain AND OLD.seq <= p.through_seq)"
)

SQLITE_TRIGGERS = ("audit_event_no_update", "audit_event_no_delete")
SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_event
BEGIN SELECT RAISE(ABORT, '{UPDATE_MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_event
WHEN NOT {_PERMITTED}
BEGIN SELECT RAISE(ABORT, '{DELETE_MESSAGE}'); END""",
]
SQLITE_UNINSTALL = [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]

POSTGRESQL_TRIGGERS = ("audit_event_append_only", "audit_event_no_truncate")
POSTGRESQL_INSTALL = [
    f"""CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND {_PERMITTED} THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION '{UPDATE_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RAISE EXCEPTION '{DELETE_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
END
$$""",
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
    """CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()""",
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event",
    """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change()""",
]
POSTGRESQL_UNINSTALL = [
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_refuse_change()",
]


def _statements(vendor: str, *, install: bool) -> list[str]:
    if vendor == "postgresql":
        return POSTGRESQL_INSTALL if install else POSTGRESQL_UNINSTALL
    if vendor == "sqlite":
        return SQLITE_INSTALL if install else SQLITE_UNINSTALL
    return []


def _has_table(connection: Any) -> bool:
    return "audit_event" in connection.introspection.table_names()


def install(connection: Any) -> None:
    """Create (or replace) the triggers on this connection's database."""
    if not _has_table(connection):
        return
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor, install=True):
            cursor.execute(statement)


def uninstall(connection: Any) -> None:
    if not _has_table(connection):
        return
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor, install=False):
            cursor.execute(statement)


def missing(connection: Any) -> list[str]:
    """Names of the expected triggers that are not installed (empty: all in place)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_event'::regclass "
                "AND NOT tgisinternal AND tgenabled <> 'D'"
            )
            expected = POSTGRESQL_TRIGGERS
        elif connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'"
            )
            expected = SQLITE_TRIGGERS
        else:
            return []
        present = {row[0] for row in cursor.fetchall()}
    return [name for name in expected if name not in present]
