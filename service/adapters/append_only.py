"""Makes the event store append-only in the database itself, not only by convention.

Rule 9 of DESIGN.md ("nothing is overwritten") must hold against anyone with a SQL
prompt, not just against the service's own code: triggers refuse every UPDATE and
DELETE on the events tables (and, on PostgreSQL, TRUNCATE).

Inserts are checked too (issue 15): a row must be appended at the end of the log, at
a position the ledger will chain. On SQLite a trigger after each insert refuses a
position (``rowid``) below 1 or below a position already stored. On PostgreSQL a
CHECK constraint refuses ``notification_id < 1`` (added NOT VALID, so a start never
scans the table: rows stored before it are ``verify``'s and the load's to refuse,
``service.adapters.recorders``), and a trigger before each insert takes the table's
EXCLUSIVE lock (which eventsourcing's own inserts already hold, so theirs wait for
nothing more), then refuses a position that is not the log sequence's latest value
in this session (``currval``; the service's role may not ``setval``) or that is not
above every position stored. Under that lock rows commit in position order, so the
ledger, which reads the log in order up to its committed head, chains every row.

Installation is idempotent and runs at every start. On PostgreSQL only missing
pieces are created, under an advisory lock so that replicas starting together do not
race; once installed, a start needs no DDL privilege, so the service's role can be
one that owns nothing (the README lists its grants). Triggers do not stop the
table's owner or a superuser, who can drop them: keep those roles away from the
service.
"""

from __future__ import annotations

import logging
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import ApplicationRecorder, ProgrammingError, Recorder

from .event_store import StoreConfigurationError

log = logging.getLogger(__name__)

REFUSAL = "the case transfer event store is append-only"
FUNCTION = "case_transfer_refuse_change"
ROW_TRIGGER = "case_transfer_append_only"
TRUNCATE_TRIGGER = "case_transfer_no_truncate"
POSITION_REFUSAL = "the case transfer event store appends at the end of its log"
POSITION_FUNCTION = "case_transfer_append_at_end"
POSITION_TRIGGER = "case_transfer_append_at_end"
POSITION_CHECK = "case_transfer_positions_from_1"
POSITION_PROBE = "the append-at-end function reads the highest position from the key"
# Any fixed key: serialises concurrent installers across the whole database.
_ADVISORY_LOCK_KEY = 0x4341_5345_5452_4E53  # "CASETRNS"


class AppendOnlyError(StoreConfigurationError):
    """Raised when the events table lacks its triggers and this role may not add them."""


def protect_event_tables(application: Application[Any]) -> None:
    """Install the triggers on the application's events (and snapshots) tables.

    The snapshots table is a cache (``service.application.snapshots``): if it cannot
    be protected (a role that owns nothing, on a store whose owner has not started the
    service since snapshots came, so the table is missing), the service starts without
    snapshots, saying so, rather than not at all.
    """
    _protect(application.recorder)
    if application.snapshots is not None:
        try:
            _protect(application.snapshots.recorder)
        except Exception:  # the events are protected: only the cache is given up
            log.warning(
                "snapshots off: their table is missing or may not be made append-only by "
                "this role; start the service once as the tables' owner",
                exc_info=True,
            )
            application.snapshots = None


def _protect(recorder: Recorder) -> None:
    from eventsourcing.popo import POPORecorder

    if isinstance(recorder, POPORecorder):
        return  # in memory (the application's tests): no SQL can reach the events
    # Imported here so that a SQLite deployment never loads the PostgreSQL driver.
    from eventsourcing.sqlite import SQLiteAggregateRecorder

    logged = isinstance(recorder, ApplicationRecorder)  # has positions (not snapshots)
    if isinstance(recorder, SQLiteAggregateRecorder):
        _protect_sqlite(recorder, logged=logged)
        return
    from eventsourcing.postgres import PostgresAggregateRecorder

    if isinstance(recorder, PostgresAggregateRecorder):
        _protect_postgres(recorder, logged=logged)
        return
    raise TypeError(f"cannot make {type(recorder).__name__} append-only")


def _protect_sqlite(recorder: Any, *, logged: bool) -> None:
    """SQLite has no TRUNCATE; a DELETE without WHERE still fires the DELETE trigger."""
    table = recorder.events_table_name
    with recorder.datastore.transaction(commit=True) as cursor:
        for operation in ("UPDATE", "DELETE"):
            cursor.execute(
                f'CREATE TRIGGER IF NOT EXISTS "{table}_no_{operation.lower()}" '
                f'BEFORE {operation} ON "{table}" '
                f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}: {operation} refused'); END"
            )
        if not logged:
            return
        # After the insert, when the row's rowid is known (before it, an automatic one is not).
        cursor.execute(
            f'CREATE TRIGGER IF NOT EXISTS "{table}_append_at_end" AFTER INSERT ON "{table}" '
            f'WHEN NEW.rowid < 1 OR EXISTS (SELECT 1 FROM "{table}" WHERE rowid > NEW.rowid) '
            f"BEGIN SELECT RAISE(ABORT, '{POSITION_REFUSAL}: position refused'); END"
        )


def _protect_postgres(recorder: Any, *, logged: bool) -> None:
    from psycopg.errors import InsufficientPrivilege

    schema: str = recorder.datastore.schema
    table: str = recorder.events_table_name
    try:
        with recorder.datastore.transaction(commit=True) as cursor:
            _install_postgres_triggers(cursor, schema, table, logged=logged)
    except ProgrammingError as error:
        if not isinstance(error.__cause__, InsufficientPrivilege):
            raise
        raise AppendOnlyError(
            f"the events table {schema}.{table} has no append-only triggers and this "
            f"database role may not add them ({error}); start the service once as the "
            "table's owner"
        ) from error


def _install_postgres_triggers(cursor: Any, schema: str, table: str, *, logged: bool) -> None:
    from psycopg.sql import SQL, Identifier, Literal

    names = {
        "schema": Identifier(schema),
        "table": Identifier(table),
        "function": Identifier(FUNCTION),
        "row_trigger": Identifier(ROW_TRIGGER),
        "truncate_trigger": Identifier(TRUNCATE_TRIGGER),
    }
    cursor.execute(SQL("SELECT pg_advisory_xact_lock(%s)"), (_ADVISORY_LOCK_KEY,))
    cursor.execute(
        SQL(
            "SELECT t.tgname FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = %s AND NOT t.tgisinternal"
        ),
        (schema, table),
    )
    present = {row["tgname"] for row in cursor.fetchall()}
    cursor.execute(
        SQL(
            "SELECT 1 FROM pg_constraint t JOIN pg_class c ON c.oid = t.conrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = %s AND t.conname = %s"
        ),
        (schema, table, POSITION_CHECK),
    )
    if cursor.fetchone() is not None:
        present.add(POSITION_CHECK)
    cursor.execute(
        SQL(
            "SELECT p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = %s AND p.proname = %s"
        ),
        (schema, POSITION_FUNCTION),
    )
    function = cursor.fetchone()
    if function is not None and "max(notification_id)" in function["prosrc"]:
        present.add(POSITION_PROBE)  # the function of this version, not an earlier one
    wanted = {ROW_TRIGGER, TRUNCATE_TRIGGER}
    if logged:
        wanted |= {POSITION_TRIGGER, POSITION_CHECK, POSITION_PROBE}
    if wanted <= present:
        return
    if wanted - present == {POSITION_PROBE}:
        _upgrade_position_function(cursor, schema, table, names, present)
        return
    cursor.execute(
        SQL(
            "CREATE OR REPLACE FUNCTION {schema}.{function}() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION '%: % on %.% refused', {refusal}, "
            "TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME "
            "USING ERRCODE = 'insufficient_privilege', "
            "HINT = 'Correct the record by appending a new event.'; "
            "END $$"
        ).format(refusal=Literal(REFUSAL), **names)
    )
    if ROW_TRIGGER not in present:
        cursor.execute(
            SQL(
                "CREATE TRIGGER {row_trigger} BEFORE UPDATE OR DELETE ON {schema}.{table} "
                "FOR EACH ROW EXECUTE FUNCTION {schema}.{function}()"
            ).format(**names)
        )
    if TRUNCATE_TRIGGER not in present:
        cursor.execute(
            SQL(
                "CREATE TRIGGER {truncate_trigger} BEFORE TRUNCATE ON {schema}.{table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION {schema}.{function}()"
            ).format(**names)
        )
    if logged:
        _install_postgres_position_checks(cursor, schema, table, names, present)


def _upgrade_position_function(
    cursor: Any, schema: str, table: str, names: dict[str, Any], present: set[str]
) -> None:
    """Replace an earlier version's append-at-end function, if this role may.

    Its check is the same, only slower on a long log, so a role that may not replace
    it (one that owns nothing) keeps it and says so, rather than refusing to start.
    """
    from psycopg.errors import InsufficientPrivilege

    cursor.execute("SAVEPOINT case_transfer_position_function")
    try:
        _install_postgres_position_checks(cursor, schema, table, names, present)
    except InsufficientPrivilege:
        cursor.execute("ROLLBACK TO SAVEPOINT case_transfer_position_function")
        log.warning(
            "the events table %s.%s checks each insert with an earlier, slower function "
            "that this role may not replace: start the service once as the table's owner",
            schema,
            table,
        )


def _install_postgres_position_checks(
    cursor: Any, schema: str, table: str, names: dict[str, Any], present: set[str]
) -> None:
    """The CHECK constraint and the append-at-the-end trigger (the module's docstring)."""
    from psycopg.sql import SQL, Identifier, Literal

    names = {
        **names,
        "check": Identifier(POSITION_CHECK),
        "position_function": Identifier(POSITION_FUNCTION),
        "position_trigger": Identifier(POSITION_TRIGGER),
        "refusal": Literal(POSITION_REFUSAL),
        "sequence": Literal(f'"{schema}"."{table}_notification_id_seq"'),
    }
    if POSITION_CHECK not in present:
        cursor.execute(
            SQL(
                "ALTER TABLE {schema}.{table} ADD CONSTRAINT {check} "
                "CHECK (notification_id >= 1) NOT VALID"
            ).format(**names)
        )
    if POSITION_TRIGGER in present and POSITION_PROBE in present:
        return
    cursor.execute(
        SQL(
            "CREATE OR REPLACE FUNCTION {schema}.{position_function}() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            "LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
            "IF NEW.notification_id < 1 THEN "
            "RAISE EXCEPTION '%: position % is below 1', "
            "{refusal}, NEW.notification_id USING ERRCODE = 'insufficient_privilege'; "
            "END IF; "
            "IF NEW.notification_id IS DISTINCT FROM currval({sequence}) THEN "
            "RAISE EXCEPTION '%: position % is not the log''s next', "
            "{refusal}, NEW.notification_id USING ERRCODE = 'insufficient_privilege'; "
            "END IF; "
            # The highest stored position, read from the primary key's end whatever the
            # plan PL/pgSQL caches: a generic plan for ``notification_id >= $1`` was a
            # sequential scan, so every insert read the whole log (ten years' generation
            # hit the statement timeout).
            "IF (SELECT max(notification_id) FROM {schema}.{table}) >= NEW.notification_id THEN "
            "RAISE EXCEPTION '%: position % is below one already stored', "
            "{refusal}, NEW.notification_id USING ERRCODE = 'insufficient_privilege'; "
            "END IF; "
            "RETURN NEW; "
            "END $$"
        ).format(**names)
    )
    if POSITION_TRIGGER in present:
        return
    cursor.execute(
        SQL(
            "CREATE TRIGGER {position_trigger} BEFORE INSERT ON {schema}.{table} "
            "FOR EACH ROW EXECUTE FUNCTION {schema}.{position_function}()"
        ).format(**names)
    )
