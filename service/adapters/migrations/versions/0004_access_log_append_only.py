"""The access log is append-only in the database itself: triggers refuse UPDATE and DELETE
(and TRUNCATE on PostgreSQL), as ``service/append_only.py`` does for the event tables.

Who looked at a child's case is evidence a review relies on: it must hold against
anyone with a SQL prompt, not only against the service's code. The triggers do not
stop the table's owner or a superuser, who can drop them: keep those roles away from
the service.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

REFUSAL = "the access log is append-only"
FUNCTION = "case_transfer_refuse_access_log_change"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for operation in ("UPDATE", "DELETE"):  # SQLite has no TRUNCATE
            op.execute(
                f"CREATE TRIGGER access_log_no_{operation.lower()} "
                f"BEFORE {operation} ON access_log "
                f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}: {operation} refused'); END"
            )
        return
    op.execute(
        f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        f"RAISE EXCEPTION '{REFUSAL}: % on %.% refused', "
        "TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME "
        "USING ERRCODE = 'insufficient_privilege'; "
        "END $$"
    )
    op.execute(
        "CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log "
        f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
    )
    op.execute(
        "CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for operation in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS access_log_no_{operation}")
        return
    op.execute("DROP TRIGGER IF EXISTS access_log_no_truncate ON access_log")
    op.execute("DROP TRIGGER IF EXISTS access_log_append_only ON access_log")
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
