"""The read-model tables, defined once so the live tables and a rebuild's shadow agree.

Rows hold no child identifiers and no free text: case and transfer ids, authority
codes, instants, calendar dates, and keyed digests of local references. The event
store (encrypted when a key is set) stays the only place a child can be identified.

Instants are stored as naive UTC (``UTCDateTime``) so that SQLite, which compares
them as text, orders them as PostgreSQL does. An open-ended interval ends at
``FOREVER`` rather than NULL, so "still open at T" is one index range (``until > T``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
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
    text,
)

FOREVER = datetime(9999, 12, 31, tzinfo=UTC)
READ_MODELS = "read_models"


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


@dataclass(frozen=True)
class ReadModelTables:
    """One set of read-model tables: the live ones, or a rebuild's shadow copies."""

    cases: Table
    periods: Table
    transfers: Table
    references: Table
    work_items: Table

    def all(self) -> tuple[Table, ...]:
        """Every table, parents before children (the order to create and to fill)."""
        return (self.cases, self.periods, self.transfers, self.references, self.work_items)


def read_model_tables(metadata: MetaData, suffix: str = "") -> ReadModelTables:
    """Define the tables in ``metadata``; a ``suffix`` names a shadow set (``_rebuild``)."""
    s = suffix
    cases = Table(
        f"rm_cases{s}",
        metadata,
        Column("case_id", Uuid, primary_key=True),
        Column("version", Integer, nullable=False),
        Column("status", String(16), nullable=False),
        Column("opened_by", String(8), nullable=False),
        Column("opened_at", UTCDateTime, nullable=False),
        Column("closed_at", UTCDateTime),
    )
    periods = Table(
        f"rm_periods{s}",
        metadata,
        Column("case_id", Uuid, primary_key=True),
        Column("seq", Integer, primary_key=True),
        Column("case_version", Integer, nullable=False),
        Column("authority", String(8), nullable=False),
        Column("since", UTCDateTime, nullable=False),
        Column("until", UTCDateTime, nullable=False),
        Column("ended_by", String(16)),
        Index(f"ix_rm_periods{s}_authority_until", "authority", "until", "since"),
        Index(
            f"ix_rm_periods{s}_closed",
            "authority",
            "until",
            sqlite_where=text("ended_by = 'closure'"),
            postgresql_where=text("ended_by = 'closure'"),
        ),
    )
    transfers = Table(
        f"rm_transfers{s}",
        metadata,
        Column("transfer_id", Uuid, primary_key=True),
        Column("case_id", Uuid, nullable=False),
        Column("case_version", Integer, nullable=False),
        Column("from_authority", String(8), nullable=False),
        Column("to_authority", String(8), nullable=False),
        Column("stage", String(16), nullable=False),
        Column("proposed_at", UTCDateTime, nullable=False),
        Column("effective_at", UTCDateTime),
        Column("ended_at", UTCDateTime),
        Column("in_flight_until", UTCDateTime, nullable=False),
        Index(f"ix_rm_transfers{s}_case", "case_id"),
        Index(f"ix_rm_transfers{s}_to", "to_authority", "in_flight_until", "proposed_at"),
        Index(f"ix_rm_transfers{s}_from", "from_authority", "in_flight_until", "proposed_at"),
    )
    references = Table(
        f"rm_local_references{s}",
        metadata,
        Column("case_id", Uuid, primary_key=True),
        Column("authority", String(8), primary_key=True),
        Column("case_version", Integer, nullable=False),
        Column("digest", LargeBinary(32), nullable=False),
        Index(f"ix_rm_local_references{s}_digest", "digest", "authority"),
    )
    work_items = Table(
        f"rm_work_items{s}",
        metadata,
        Column("item_id", String(200), primary_key=True),
        Column("case_id", Uuid, nullable=False),
        Column("case_version", Integer, nullable=False),
        Column("transfer_id", Uuid),
        Column("authority", String(8), nullable=False),
        Column("kind", String(32), nullable=False),
        Column("counterpart", String(8)),
        Column("counted_from", Date, nullable=False),
        Column("visible_from", Date, nullable=False),
        Column("deadline", Date),
        Index(f"ix_rm_work_items{s}_case", "case_id"),
        Index(f"ix_rm_work_items{s}_authority", "authority", "visible_from"),
    )
    return ReadModelTables(cases, periods, transfers, references, work_items)


metadata = MetaData()
LIVE = read_model_tables(metadata)
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

LEDGER = "ledger"
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
    Column("authority", String(8)),
    Column("case_id", Uuid, nullable=False),
    Column("route", String(200), nullable=False),
    Index("ix_access_log_case", "case_id", "entry_id"),
    Index("ix_access_log_principal", "principal", "entry_id"),
)
"""Who outside a case's authorities read it (``service.audit``): primary data, append-only
(triggers refuse UPDATE and DELETE), never derived and never rebuilt."""
