"""Notifications: subscriptions, the outbox of deliveries and their attempts.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from service.adapters.tables import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

NOTIFICATIONS = "notifications"  # the scheduler's row of rm_positions


def upgrade() -> None:
    op.create_table(
        "notify_subscriptions",
        sa.Column("subscription_id", sa.Uuid, primary_key=True),
        sa.Column("owner_role", sa.String(16), nullable=False),
        sa.Column("owner_authority", sa.String(8), nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("event_types", sa.JSON),
        sa.Column("secret", sa.Text, nullable=False),
        sa.Column("previous_secret", sa.Text),
        sa.Column("previous_secret_until", UTCDateTime),
        sa.Column("from_position", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_reason", sa.Text),
        sa.Column("failing_since", UTCDateTime),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("registration_key", sa.String(200)),
        sa.Column("registration_sha256", sa.String(64)),
        sa.Column("rotation_key", sa.String(200)),
    )
    op.create_index(
        "ix_notify_subscriptions_owner", "notify_subscriptions", ["owner_authority", "created_at"]
    )
    op.create_index(
        "uq_notify_subscriptions_key",
        "notify_subscriptions",
        ["created_by", "registration_key"],
        unique=True,
    )
    op.create_table(
        "notify_deliveries",
        sa.Column("delivery_id", sa.Uuid, primary_key=True),
        sa.Column("subscription_id", sa.Uuid, nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("case_id", sa.Uuid, nullable=False),
        sa.Column("case_version", sa.Integer, nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("webhook_id", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("scheduled_at", UTCDateTime, nullable=False),
        sa.Column("next_attempt_at", UTCDateTime),
        sa.Column("first_failed_at", UTCDateTime),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_until", UTCDateTime),
        sa.Column("delivered_at", UTCDateTime),
        sa.UniqueConstraint("subscription_id", "position", name="uq_notify_deliveries_event"),
    )
    op.create_index("ix_notify_deliveries_due", "notify_deliveries", ["status", "next_attempt_at"])
    op.create_index(
        "ix_notify_deliveries_case",
        "notify_deliveries",
        ["subscription_id", "case_id", "position"],
    )
    op.create_table(
        "notify_attempts",
        sa.Column("delivery_id", sa.Uuid, primary_key=True),
        sa.Column("attempt", sa.Integer, primary_key=True),
        sa.Column("attempted_at", UTCDateTime, nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("error", sa.Text),
    )
    positions = sa.table(
        "rm_positions",
        sa.column("name", sa.String),
        sa.column("position", sa.BigInteger),
        sa.column("events_applied", sa.BigInteger),
    )
    op.bulk_insert(positions, [{"name": NOTIFICATIONS, "position": 0, "events_applied": 0}])


def downgrade() -> None:
    op.execute(sa.text(f"DELETE FROM rm_positions WHERE name = '{NOTIFICATIONS}'"))
    op.drop_table("notify_attempts")
    op.drop_table("notify_deliveries")
    op.drop_table("notify_subscriptions")
