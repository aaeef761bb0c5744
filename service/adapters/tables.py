"""The tables the service keeps beside the event store, in the same database.

Read models' tables are defined in ``service.projections.tables`` on the same
``metadata``; these are the rest: where each follower of the log has got to
(``rm_positions``), the MASH pages' sessions, the ledger and the access log. One URL
(``CASE_TRANSFER_DATABASE_URL``) names them all, so one backup holds the log and
everything kept beside it. The schema is Alembic's (``migrations/``).

Instants are stored as naive UTC (``UTCDateTime``) so that SQLite, which compares
them as text, orders them as PostgreSQL does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    Uuid,
)

LEDGER = "ledger"
READ_MODELS = "read_models"
"""The names of the log's followers in ``rm_positions``."""


class UTCDateTime(TypeDecorator[datetime]):
    """An aware instant stored as naive UTC, read back aware (UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("read models store aware instants only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


metadata = MetaData()
positions = Table(
    "rm_positions",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("events_applied", BigInteger, nullable=False),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_sha256", String(64), primary_key=True),
    Column("principal_name", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("authority", String(8)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    Index("ix_web_sessions_expires_at", "expires_at"),
)
"""Signed-in MASH pages (``service.web.sessions``): not a read model, never rebuilt.

Only the SHA-256 digest of a session id is kept, so a copy of this table (a backup,
a replica) cannot be replayed as a cookie; a session ends server-side by ``ended_at``.
"""

ledger = Table(
    "ledger",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("originator_id", Uuid, nullable=False),
    Column("originator_version", Integer, nullable=False),
    Column("topic", Text, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("event_sha256", LargeBinary(32), nullable=False),
    Column("chain_sha256", LargeBinary(32), nullable=False),
)
"""The tamper-evident chain over every event in log order (``service.audit``).

Fed like a read model (its position is the ``ledger`` row of ``rm_positions``) but
never rebuilt by ``case-transfer replay``: rebuilding it from an altered store would
erase the evidence it exists to keep. Only ``case-transfer verify`` recomputes it, to
compare.
"""

access_log = Table(
    "access_log",
    metadata,
    Column("entry_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("principal", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("authority", String(64)),  # a DfE code, or a partner's agency code
    Column("case_id", Uuid, nullable=False),
    Column("route", String(200), nullable=False),
    Index("ix_access_log_case", "case_id", "entry_id"),
    Index("ix_access_log_principal", "principal", "entry_id"),
)
"""Who outside a case's authorities read it (``service.audit``): primary data, append-only
(triggers refuse UPDATE and DELETE), never derived and never rebuilt."""
