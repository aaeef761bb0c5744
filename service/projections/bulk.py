"""What a rebuild needs that the live projector does not: each case folded once, rows in bulk.

A rebuild streams the log in position order. To write each case's rows once, it must
know when a case has seen its last event: ``partitions.last_versions`` reads the last
version of each of a pass's cases in one aggregate over the events table (an int per
case, never the case). ``CaseFolder`` keeps only the cases still expecting events, at
most ``buffer`` of them; the passes are planned so that none is pushed out, but one
that is (a bucket of more open cases than the buffer) is loaded again from the store
at its next event, so memory stays bounded whatever the log's shape. ``BulkWriter``
appends the finished cases' rows in bulk: ``COPY`` on PostgreSQL, ``executemany`` on
SQLite.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Engine, Table

from service.adapters.event_store import store_errors
from service.adapters.sql import sql_errors, writing
from service.application import CaseTransferApplication
from service.domain.case import Case

from .rows import CaseRows, Row, rows_of
from .tables import ReadModelTables


class CaseFolder:
    """Folds the log's events into cases; hands each case back once, at its last event."""

    def __init__(
        self, application: CaseTransferApplication, last: dict[UUID, int], buffer: int
    ) -> None:
        self.application, self.last, self.buffer = application, last, buffer
        self.open: OrderedDict[UUID, Case] = OrderedDict()
        self.reloads = 0
        """Cases loaded again from the store after the buffer pushed them out."""

    def apply(self, event: Case.Event) -> Case | None:
        """Apply ``event``; the case if that was its last event (it is then forgotten)."""
        case_id, version = event.originator_id, event.originator_version
        case = self.open.pop(case_id, None)
        if version > 1 and (case is None or case.version != version - 1):
            with store_errors():
                case = self.application.repository.get(case_id, version=version - 1)
            self.reloads += 1
        mutated = event.mutate(case)
        assert isinstance(mutated, Case)
        if version >= self.last[case_id]:
            del self.last[case_id]
            return mutated
        self.open[case_id] = mutated
        if len(self.open) > self.buffer:
            self.open.popitem(last=False)
        return None


class BulkWriter:
    """Appends finished cases' rows to fresh tables, ``flush_at`` cases at a time.

    Each flush commits on its own, so a rebuild holds no lock for long and the service
    keeps serving and recording (on SQLite, the file's write lock is held only while a
    flush runs).
    """

    def __init__(self, engine: Engine, tables: ReadModelTables, key: bytes, flush_at: int) -> None:
        self.engine, self.tables, self.key, self.flush_at = engine, tables, key, flush_at
        self.pending, self.cases = CaseRows(), 0

    def add(self, case: Case) -> None:
        self.pending.extend(rows_of(case, self.key))
        self.cases += 1
        if self.cases >= self.flush_at:
            self.flush()

    def flush(self) -> None:
        if self.cases:
            with sql_errors(), writing(self.engine) as connection:
                for table, rows in zip(self.tables.all(), self.pending.by_table(), strict=True):
                    if rows:
                        append(connection, table, rows)
        self.pending, self.cases = CaseRows(), 0


def append(connection: Connection, table: Table, rows: list[Row]) -> None:
    """Insert ``rows`` in bulk: ``COPY`` on PostgreSQL, ``executemany`` elsewhere."""
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        return
    from psycopg import sql

    dialect = connection.dialect
    names = [column.name for column in table.columns]
    processors = [
        column.type.dialect_impl(dialect).bind_processor(dialect) for column in table.columns
    ]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, names))
    )
    raw: Any = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(
                [
                    value if process is None or value is None else process(value)
                    for value, process in zip((row[n] for n in names), processors, strict=True)
                ]
            )
