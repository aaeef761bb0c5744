"""The append-only triggers the migrations give tables kept beside the event log.

The access log (0004) and the ledger (0005) are evidence a review relies on: who
looked at a child's case, and the hash chain that vouches for the record. Both must
hold against anyone with the service's role and a SQL prompt, not only against the
service's code: triggers refuse every UPDATE and DELETE (and, on PostgreSQL, TRUNCATE),
as ``service.adapters.append_only`` does for the events table. The triggers do not
stop a table's owner or a superuser, who can drop them: keep those roles away from
the service.

The names are fixed: on SQLite ``<table>_no_update`` and ``<table>_no_delete``; on
PostgreSQL the function ``case_transfer_refuse_<table>_change`` and the triggers
``<table>_append_only`` (rows) and ``<table>_no_truncate``.
"""

from __future__ import annotations

from alembic import op


def function_of(table: str) -> str:
    return f"case_transfer_refuse_{table}_change"


def refuse_changes(table: str, refusal: str) -> None:
    """Install the triggers on ``table``; ``refusal`` starts the error's message."""
    if op.get_bind().dialect.name == "sqlite":
        for operation in ("UPDATE", "DELETE"):  # SQLite has no TRUNCATE
            op.execute(
                f"CREATE TRIGGER {table}_no_{operation.lower()} "
                f"BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{refusal}: {operation} refused'); END"
            )
        return
    function = function_of(table)
    op.execute(
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        f"RAISE EXCEPTION '{refusal}: % on %.% refused', "
        "TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME "
        "USING ERRCODE = 'insufficient_privilege'; "
        "END $$"
    )
    op.execute(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {function}()"
    )
    op.execute(
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
    )


def allow_changes(table: str) -> None:
    """Remove what ``refuse_changes`` installed (a downgrade)."""
    if op.get_bind().dialect.name == "sqlite":
        for operation in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation}")
        return
    op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    op.execute(f"DROP FUNCTION IF EXISTS {function_of(table)}()")
