"""The access log is append-only in the database itself: triggers refuse UPDATE and DELETE
(and TRUNCATE on PostgreSQL), as ``service/append_only.py`` does for the event tables.

Who looked at a child's case is evidence a review relies on: it must hold against
anyone with a SQL prompt, not only against the service's code. The triggers do not
stop the table's owner or a superuser, who can drop them: keep those roles away from
the service. (The SQL is ``append_only_tables``', shared with the ledger's 0005.)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

from service.adapters.migrations.append_only_tables import allow_changes, refuse_changes

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

REFUSAL = "the access log is append-only"


def upgrade() -> None:
    refuse_changes("access_log", REFUSAL)


def downgrade() -> None:
    allow_changes("access_log")
