"""The ledger is append-only in the database itself, as the access log is (0004).

The ledger vouches for the record: a role that could rewrite its rows could make it
vouch for an altered history up to the last checkpoint a partner kept. The service
only ever inserts ledger rows (its position is kept in ``rm_positions``), so triggers
refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL), and the README's grants give
the service's role only SELECT and INSERT on it. The triggers do not stop the table's
owner or a superuser: keep those roles away from the service.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

from service.adapters.migrations.append_only_tables import allow_changes, refuse_changes

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

REFUSAL = "the ledger is append-only"


def upgrade() -> None:
    refuse_changes("ledger", REFUSAL)


def downgrade() -> None:
    allow_changes("ledger")
