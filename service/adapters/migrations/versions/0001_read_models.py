"""The first read models: cases, periods of responsibility, transfers, local references,
work items, and the position in the event log they reflect.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from service.adapters.tables import READ_MODELS, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rm_cases",
        sa.Column("case_id", sa.Uuid, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("opened_by", sa.String(8), nullable=False),
        sa.Column("opened_at", UTCDateTime, nullable=False),
        sa.Column("closed_at", UTCDateTime),
    )
    op.create_table(
        "rm_periods",
        sa.Column("case_id", sa.Uuid, primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("case_version", sa.Integer, nullable=False),
        sa.Column("authority", sa.String(8), nullable=False),
        sa.Column("since", UTCDateTime, nullable=False),
        sa.Column("until", UTCDateTime, nullable=False),
        sa.Column("ended_by", sa.String(16)),
    )
    op.create_index("ix_rm_periods_authority_until", "rm_periods", ["authority", "until", "since"])
    op.create_index(
        "ix_rm_periods_closed",
        "rm_periods",
        ["authority", "until"],
        sqlite_where=sa.text("ended_by = 'closure'"),
        postgresql_where=sa.text("ended_by = 'closure'"),
    )
    op.create_table(
        "rm_transfers",
        sa.Column("transfer_id", sa.Uuid, primary_key=True),
        sa.Column("case_id", sa.Uuid, nullable=False),
        sa.Column("case_version", sa.Integer, nullable=False),
        sa.Column("from_authority", sa.String(8), nullable=False),
        sa.Column("to_authority", sa.String(8), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("proposed_at", UTCDateTime, nullable=False),
        sa.Column("effective_at", UTCDateTime),
        sa.Column("ended_at", UTCDateTime),
        sa.Column("in_flight_until", UTCDateTime, nullable=False),
    )
    op.create_index("ix_rm_transfers_case", "rm_transfers", ["case_id"])
    op.create_index(
        "ix_rm_transfers_to", "rm_transfers", ["to_authority", "in_flight_until", "proposed_at"]
    )
    op.create_index(
        "ix_rm_transfers_from",
        "rm_transfers",
        ["from_authority", "in_flight_until", "proposed_at"],
    )
    op.create_table(
        "rm_local_references",
        sa.Column("case_id", sa.Uuid, primary_key=True),
        sa.Column("authority", sa.String(8), primary_key=True),
        sa.Column("case_version", sa.Integer, nullable=False),
        sa.Column("digest", sa.LargeBinary(32), nullable=False),
    )
    op.create_index("ix_rm_local_references_digest", "rm_local_references", ["digest", "authority"])
    op.create_table(
        "rm_work_items",
        sa.Column("item_id", sa.String(200), primary_key=True),
        sa.Column("case_id", sa.Uuid, nullable=False),
        sa.Column("case_version", sa.Integer, nullable=False),
        sa.Column("transfer_id", sa.Uuid),
        sa.Column("authority", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("counterpart", sa.String(8)),
        sa.Column("counted_from", sa.Date, nullable=False),
        sa.Column("visible_from", sa.Date, nullable=False),
        sa.Column("deadline", sa.Date),
    )
    op.create_index("ix_rm_work_items_case", "rm_work_items", ["case_id"])
    op.create_index("ix_rm_work_items_authority", "rm_work_items", ["authority", "visible_from"])
    positions = op.create_table(
        "rm_positions",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("events_applied", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(positions, [{"name": READ_MODELS, "position": 0, "events_applied": 0}])


def downgrade() -> None:
    for table in ("rm_positions", "rm_work_items", "rm_local_references", "rm_transfers"):
        op.drop_table(table)
    op.drop_table("rm_periods")
    op.drop_table("rm_cases")
