"""The access log's ``authority`` column holds a partner's agency code too: 64 characters.

A partner principal (police, a GP practice, a hospital) acts for an agency whose code
(``police-avon-somerset``) is longer than a DfE code; every read of a case by a partner
is recorded in the access log, so the column widens from 8 to 64 characters. On
PostgreSQL widening a VARCHAR rewrites nothing and fires no trigger (the table stays
append-only). SQLite cannot alter a column: the table is rebuilt (rows copied, which
its UPDATE and DELETE triggers do not see), and migration 0004's triggers, dropped
with the old table, are created again.

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


REFUSAL = "the access log is append-only"  # as migration 0004 words it


def upgrade() -> None:
    _resize(sa.String(8), sa.String(64))


def downgrade() -> None:
    _resize(sa.String(64), sa.String(8))


def _resize(before: sa.String, after: sa.String) -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("access_log", "authority", type_=after, existing_type=before)
        return
    for operation in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS access_log_no_{operation}")
    with op.batch_alter_table("access_log", recreate="always") as batch:
        batch.alter_column("authority", type_=after, existing_type=before)
    for operation in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER access_log_no_{operation.lower()} "
            f"BEFORE {operation} ON access_log "
            f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}: {operation} refused'); END"
        )
