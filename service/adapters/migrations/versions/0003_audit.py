"""Audit: the tamper-evident ledger over the event log, and the access log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from service.adapters.tables import LEDGER, UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger",
        sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("originator_id", sa.Uuid, nullable=False),
        sa.Column("originator_version", sa.Integer, nullable=False),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
        sa.Column("event_sha256", sa.LargeBinary(32), nullable=False),
        sa.Column("chain_sha256", sa.LargeBinary(32), nullable=False),
    )
    op.create_table(
        "access_log",
        sa.Column(
            "entry_id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
        ),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
        sa.Column("principal", sa.Text, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("authority", sa.String(8)),
        sa.Column("case_id", sa.Uuid, nullable=False),
        sa.Column("route", sa.String(200), nullable=False),
    )
    op.create_index("ix_access_log_case", "access_log", ["case_id", "entry_id"])
    op.create_index("ix_access_log_principal", "access_log", ["principal", "entry_id"])
    positions = sa.table(
        "rm_positions",
        sa.column("name", sa.String),
        sa.column("position", sa.BigInteger),
        sa.column("events_applied", sa.BigInteger),
    )
    op.bulk_insert(positions, [{"name": LEDGER, "position": 0, "events_applied": 0}])


def downgrade() -> None:
    op.execute(sa.text(f"DELETE FROM rm_positions WHERE name = '{LEDGER}'"))
    op.drop_table("access_log")
    op.drop_table("ledger")
