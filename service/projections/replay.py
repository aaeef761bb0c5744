"""Rebuild the read models from the event log beside the live ones, then swap or compare.

A rebuild fills shadow tables (``rm_*_rebuild``, with their own position row) batch
by batch while the service keeps serving from the live tables. Finishing takes one
transaction that holds the live position lock, so no projector can move the live
tables meanwhile: it brings the shadow to the log's head on that same connection
(on SQLite a second connection could not write while the lock is held), then either
replaces every live row with the shadow's (``swap``) or compares them row by row
(``compare``). Readers see the old rows or the new ones, never a mixture: the
replacement commits as one transaction, and neither database shows a reader another
transaction's uncommitted writes.

Run one rebuild at a time: a second one would drop the first one's shadow tables.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Connection,
    Engine,
    MetaData,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    update,
)

from service.application import CaseTransferApplication

from .database import writing
from .runner import Progress, Projector, read_model_errors
from .tables import LIVE, READ_MODELS, ReadModelTables, positions, read_model_tables

SHADOW_SUFFIX = "_rebuild"
REBUILD = "read_models_rebuild"
REBUILD_BATCH = 5000
"""Events per rebuild batch: larger than the live projector's, since a case touched
several times in one batch has its rows written once."""
REBUILD_CACHE_SIZE = 50_000
"""Cases a rebuild keeps in memory (a national year is about 50,000)."""
"""The shadow tables' row in ``rm_positions``."""

OnProgress = Callable[[Progress], None]


@dataclass(frozen=True)
class Rebuild:
    """Shadow tables built from the log up to ``position``, ``events`` case events applied."""

    tables: ReadModelTables
    position: int
    events: int
    seconds: float


@dataclass(frozen=True)
class Swapped:
    """The live read models after a swap: the position they reflect and what they hold."""

    position: int
    events: int
    cases: int


@dataclass(frozen=True)
class Difference:
    """One way the live read models differ from a rebuild from the log.

    ``column`` is None when a whole row is missing from the live table (``live`` is
    None) or is in it without the log accounting for it (``rebuilt`` is None).
    """

    table: str
    key: tuple[tuple[str, Any], ...]
    column: str | None
    live: Any
    rebuilt: Any

    def __str__(self) -> str:
        key = ", ".join(f"{name}={_shown(value)}" for name, value in self.key)
        where = f"{self.table} ({key})"
        if self.column is not None:
            return (
                f"{where} {self.column}: live {_shown(self.live)} vs rebuilt {_shown(self.rebuilt)}"
            )
        if self.live is None:
            return f"{where}: missing from the live table"
        return f"{where}: extra in the live table (the log has no such row)"


@dataclass(frozen=True)
class Comparison:
    """The differences found, with both sets of tables at ``position`` of the log."""

    position: int
    differences: list[Difference]


def shadow_tables() -> ReadModelTables:
    """The shadow set's definitions, in a metadata of their own (never Alembic's)."""
    return read_model_tables(MetaData(), SHADOW_SUFFIX)


def rebuild(
    application: CaseTransferApplication,
    engine: Engine,
    on_progress: OnProgress | None = None,
    *,
    batch: int = REBUILD_BATCH,
) -> Rebuild:
    """Build every read model from the log into fresh shadow tables, one batch at a time.

    Each batch commits on its own, like the live projector's, so the rebuild holds no
    lock for longer than a batch and the service keeps serving and recording.
    """
    started = time.monotonic()
    tables = shadow_tables()
    with read_model_errors(), writing(engine) as connection:
        _drop_shadow(connection, tables)
        for table in tables.all():
            table.create(connection)
        connection.execute(insert(positions).values(name=REBUILD, position=0, events_applied=0))
    projector = _shadow_projector(application, engine, tables, batch)
    position = events = 0
    for progress in projector.batches():
        position, events = progress.position, events + progress.events
        if on_progress is not None:
            on_progress(progress)
    return Rebuild(tables, position, events, time.monotonic() - started)


def swap(
    application: CaseTransferApplication,
    engine: Engine,
    rebuilt: Rebuild,
    *,
    batch: int = REBUILD_BATCH,
) -> Swapped:
    """Bring the shadow to the head and make its rows the live ones, in one transaction.

    The shadow tables are dropped once the swap has committed.
    """
    with read_model_errors(), writing(engine) as connection:
        _lock_position(connection, READ_MODELS)
        _shadow_projector(application, engine, rebuilt.tables, batch).catch_up_on(connection)
        position, events = _lock_position(connection, REBUILD)
        for live, shadow in zip(LIVE.all(), rebuilt.tables.all(), strict=True):
            connection.execute(delete(live))
            names = [column.name for column in shadow.columns]
            connection.execute(live.insert().from_select(names, select(*shadow.columns)))
        connection.execute(
            update(positions)
            .where(positions.c.name == READ_MODELS)
            .values(position=position, events_applied=events)
        )
        cases = int(connection.scalar(select(func.count()).select_from(LIVE.cases)) or 0)
    discard(engine)
    return Swapped(position, events, cases)


def compare(
    application: CaseTransferApplication,
    engine: Engine,
    rebuilt: Rebuild,
    *,
    batch: int = REBUILD_BATCH,
) -> Comparison:
    """Every difference between the live tables and the rebuild, at one log position.

    Holding the live position lock, whichever set is behind is first brought up to
    the other's position (the live tables catch up as they would have anyway; nothing
    else in them changes), so a difference is a fault, never a lag. The shadow tables
    are dropped afterwards.
    """
    with read_model_errors(), writing(engine) as connection:
        live_position, _ = _lock_position(connection, READ_MODELS)
        shadow_position, _ = _lock_position(connection, REBUILD)
        if live_position < shadow_position:
            Projector(application, engine).catch_up_on(connection, shadow_position)
        elif shadow_position < live_position:
            shadow = _shadow_projector(application, engine, rebuilt.tables, batch)
            shadow.catch_up_on(connection, live_position)
        differences = list(_position_differences(connection))
        for live, shadow_table in zip(LIVE.all(), rebuilt.tables.all(), strict=True):
            differences.extend(_table_differences(connection, live, shadow_table))
        position, _ = _lock_position(connection, READ_MODELS)
    discard(engine)
    return Comparison(position, differences)


def discard(engine: Engine) -> None:
    """Drop the shadow tables and their position row, if a rebuild left any."""
    with read_model_errors(), writing(engine) as connection:
        _drop_shadow(connection, shadow_tables())


def _drop_shadow(connection: Connection, tables: ReadModelTables) -> None:
    for table in reversed(tables.all()):
        table.drop(connection, checkfirst=True)
    connection.execute(delete(positions).where(positions.c.name == REBUILD))


def _shadow_projector(
    application: CaseTransferApplication, engine: Engine, tables: ReadModelTables, batch: int
) -> Projector:
    projector = Projector(application, engine, tables=tables, name=REBUILD)
    projector.BATCH = batch
    # A rebuild runs in its own process: keeping every case it has built in memory
    # spares reloading a case from the store each time a later batch touches it.
    projector.CACHE_SIZE = REBUILD_CACHE_SIZE
    return projector


def _lock_position(connection: Connection, name: str) -> tuple[int, int]:
    """A position row's values, locked until commit on PostgreSQL (SQLite: already locked)."""
    statement = select(positions.c.position, positions.c.events_applied).where(
        positions.c.name == name
    )
    if connection.dialect.name == "postgresql":
        statement = statement.with_for_update()
    row = connection.execute(statement).one()
    return int(row.position), int(row.events_applied)


def _position_differences(connection: Connection) -> Iterator[Difference]:
    """At one position, the live tables must have applied exactly as many events."""
    live = _lock_position(connection, READ_MODELS)[1]
    rebuilt = _lock_position(connection, REBUILD)[1]
    if live != rebuilt:
        key = (("name", READ_MODELS),)
        yield Difference(positions.name, key, "events_applied", live, rebuilt)


def _table_differences(connection: Connection, live: Table, shadow: Table) -> Iterator[Difference]:
    """Walk both tables in primary-key order side by side, as a merge does."""
    keys = [column.name for column in live.primary_key.columns]
    values = [column.name for column in live.columns if column.name not in keys]
    mine, theirs = _ordered(connection, live, keys), _ordered(connection, shadow, keys)
    ours, rebuilt = next(mine, None), next(theirs, None)
    while ours is not None or rebuilt is not None:
        if rebuilt is None or (ours is not None and ours[0] < rebuilt[0]):
            assert ours is not None
            yield Difference(live.name, _named(keys, ours[0]), None, ours[1], None)
            ours = next(mine, None)
        elif ours is None or rebuilt[0] < ours[0]:
            yield Difference(live.name, _named(keys, rebuilt[0]), None, None, rebuilt[1])
            rebuilt = next(theirs, None)
        else:
            for name in values:
                if ours[1][name] != rebuilt[1][name]:
                    key = _named(keys, ours[0])
                    yield Difference(live.name, key, name, ours[1][name], rebuilt[1][name])
            ours, rebuilt = next(mine, None), next(theirs, None)


def _ordered(
    connection: Connection, table: Table, keys: Sequence[str]
) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    """The table's rows ordered by primary key as Python orders the key's values.

    UUIDs order alike on both databases (PostgreSQL bytewise, SQLite as lower-case
    hex); strings are ordered by code point (PostgreSQL's "C" collation), not by the
    database's locale, which the merge in ``_table_differences`` could not follow.
    """
    order: list[Any] = []
    for column in table.primary_key.columns:
        if isinstance(column.type, String) and connection.dialect.name == "postgresql":
            order.append(column.collate("C"))
        else:
            order.append(column)
    result = connection.execution_options(yield_per=1000).execute(select(table).order_by(*order))
    for row in result.mappings():
        yield tuple(row[name] for name in keys), dict(row)


def _named(keys: Sequence[str], values: tuple[Any, ...]) -> tuple[tuple[str, Any], ...]:
    return tuple(zip(keys, values, strict=True))


def _shown(value: Any) -> str:
    """A value as an operator reads it: ids and instants plain, digests in hex."""
    if value is None:
        return "NULL"
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_shown(v)}" for k, v in value.items()) + "}"
    return repr(value)
