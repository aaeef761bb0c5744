"""The tables of notifications, beside the log in the same database (migration 0007;
0008 widens the owner's code for partner agencies).

``notify_deliveries`` is the outbox: one row per subscription per event it is told
of, written by the scheduler in the same transaction that moves its position in
``rm_positions``, so a crash neither loses a notification nor schedules one twice.
Each row keeps the exact body it is sent with, so every attempt signs the same bytes.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from service.adapters.tables import UTCDateTime, metadata

NOTIFICATIONS = "notifications"
"""The scheduler's row in ``rm_positions``."""

ACTIVE, DISABLED, ENDED, DELETED = "active", "disabled", "ended", "deleted"
PENDING, DELIVERED, FAILED, CANCELLED = "pending", "delivered", "failed", "cancelled"

subscriptions = Table(
    "notify_subscriptions",
    metadata,
    Column("subscription_id", Uuid, primary_key=True),
    Column("owner_role", String(16), nullable=False),
    Column("owner_authority", String(64), nullable=False),
    Column("created_by", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("event_types", JSON),
    Column("secret", Text, nullable=False),
    Column("previous_secret", Text),
    Column("previous_secret_until", UTCDateTime),
    Column("from_position", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("status_reason", Text),
    Column("failing_since", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("registration_key", String(200)),
    Column("registration_sha256", String(64)),
    Column("rotation_key", String(200)),
    Index("ix_notify_subscriptions_owner", "owner_authority", "created_at"),
    Index("uq_notify_subscriptions_key", "created_by", "registration_key", unique=True),
)
"""Endpoints and their secrets. ``from_position``: the log's head when registered; a
subscription is told of the events after it. Deleted ones keep their row (status
``deleted``, secrets wiped) so a scheduler that read them just before cannot leave
rows that point nowhere. ``registration_key`` and ``rotation_key``: the Idempotency-Key
of the request that registered it and of its last rotation, so a retry is answered as
the first request was instead of registering or rotating twice."""

deliveries = Table(
    "notify_deliveries",
    metadata,
    Column("delivery_id", Uuid, primary_key=True),
    Column("subscription_id", Uuid, nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("case_id", Uuid, nullable=False),
    Column("case_version", Integer, nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("webhook_id", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("scheduled_at", UTCDateTime, nullable=False),
    Column("next_attempt_at", UTCDateTime),
    Column("first_failed_at", UTCDateTime),
    Column("lease_owner", String(64)),
    Column("lease_until", UTCDateTime),
    Column("delivered_at", UTCDateTime),
    UniqueConstraint("subscription_id", "position", name="uq_notify_deliveries_event"),
    Index("ix_notify_deliveries_due", "status", "next_attempt_at"),
    Index("ix_notify_deliveries_case", "subscription_id", "case_id", "position"),
)

attempts = Table(
    "notify_attempts",
    metadata,
    Column("delivery_id", Uuid, primary_key=True),
    Column("attempt", Integer, primary_key=True),
    Column("attempted_at", UTCDateTime, nullable=False),
    Column("status_code", Integer),
    Column("latency_ms", Float, nullable=False),
    Column("error", Text),
)
"""Every try of a delivery: the delivery log ``GET /v1/subscriptions/{id}/deliveries`` shows."""
