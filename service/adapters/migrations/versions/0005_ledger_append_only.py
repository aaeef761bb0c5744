"""The ledger is append-only in the database itself, as the access log is (0004).

The ledger vouches for the record: a role that could rewrite its rows could make it
vouch for an altered history up to the last checkpoint a partner kept. The service
only ever inserts ledger rows (its position is kept in ``rm_positions``), so triggers
refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL), and the README's grants give
the service's role only SELECT and INSERT on it. Like the events table, it refuses a
position below 1 (a CHECK constraint on PostgreSQL, a trigger on SQLite, where adding
a constraint would rebuild the table): the log starts at 1, so such a row can only be
a forgery (``verify`` reads every ledger row and would name it anyway). The triggers
do not stop the table's owner or a superuser: keep those roles away from the service.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

from service.adapters.migrations.append_only_tables import allow_changes, refuse_changes

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

REFUSAL = "the ledger is append-only"
POSITIONS = "ledger_positions_from_1"


def upgrade() -> None:
    refuse_changes("ledger", REFUSAL)
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"CREATE TRIGGER {POSITIONS} BEFORE INSERT ON ledger WHEN NEW.position < 1 "
            f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}: a position below 1 refused'); END"
        )
        return
    op.execute(f"ALTER TABLE ledger ADD CONSTRAINT {POSITIONS} CHECK (position >= 1)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP TRIGGER IF EXISTS {POSITIONS}")
    else:
        op.execute(f"ALTER TABLE ledger DROP CONSTRAINT IF EXISTS {POSITIONS}")
    allow_changes("ledger")
