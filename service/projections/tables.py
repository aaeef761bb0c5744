"""The read-model tables, defined once so the live tables and a rebuild's shadow agree.

Rows hold no child identifiers and no free text: case and transfer ids, authority
codes, instants, calendar dates, and keyed digests of local references. The event
store (encrypted when a key is set) stays the only place a child can be identified.

Instants are stored as naive UTC (``UTCDateTime``) so that SQLite, which compares
them as text, orders them as PostgreSQL does. An open-ended interval ends at
``FOREVER`` rather than NULL, so "still open at T" is one index range (``until > T``).
The other tables of the same database (positions, sessions, ledger, access log) are
``service.adapters.tables``'.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    Date,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Uuid,
    text,
)

from service.adapters.tables import READ_MODELS, UTCDateTime, metadata

__all__ = ["FOREVER", "LIVE", "READ_MODELS", "ReadModelTables", "read_model_tables"]

FOREVER = datetime(9999, 12, 31, tzinfo=UTC)


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
        Column("transfer_id", Uuid),  # or the discussion or difference of decision work
        Column("authority", String(64), nullable=False),  # a DfE code or an agency code
        Column("kind", String(32), nullable=False),
        Column("counterpart", String(64)),
        Column("counted_from", Date, nullable=False),
        Column("visible_from", Date, nullable=False),
        Column("deadline", Date),
        Index(f"ix_rm_work_items{s}_case", "case_id"),
        Index(f"ix_rm_work_items{s}_authority", "authority", "visible_from"),
    )
    return ReadModelTables(cases, periods, transfers, references, work_items)


LIVE = read_model_tables(metadata)
