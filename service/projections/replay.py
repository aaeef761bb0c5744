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
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import (
    Connection,
    Engine,
    MetaData,
    delete,
    func,
    insert,
    select,
)

from service.adapters.log_follower import Progress, lock_position, move_position
from service.adapters.sql import sql_errors, writing
from service.adapters.tables import positions
from service.application import CaseTransferApplication

from .projector import Projector
from .tables import LIVE, READ_MODELS, ReadModelTables, read_model_tables

SHADOW_SUFFIX = "_rebuild"
REBUILD = "read_models_rebuild"
"""The shadow tables' row in ``rm_positions``."""
REBUILD_BATCH = 5000
"""Events per rebuild batch: larger than the live projector's, since a case touched
several times in one batch has its rows written once."""
REBUILD_CACHE_SIZE = 50_000
"""Cases a rebuild keeps in memory (a national year is about 50,000)."""

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
    with sql_errors(), writing(engine) as connection:
        _drop_shadow(connection, tables)
        for table in tables.all():
            table.create(connection)
        connection.execute(insert(positions).values(name=REBUILD, position=0, events_applied=0))
    projector = shadow_projector(application, engine, tables, batch)
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
    with sql_errors(), writing(engine) as connection:
        lock_position(connection, READ_MODELS)
        shadow_projector(application, engine, rebuilt.tables, batch).catch_up_on(connection)
        position, events = lock_position(connection, REBUILD)
        for live, shadow in zip(LIVE.all(), rebuilt.tables.all(), strict=True):
            connection.execute(delete(live))
            names = [column.name for column in shadow.columns]
            connection.execute(live.insert().from_select(names, select(*shadow.columns)))
        move_position(connection, READ_MODELS, position, events)
        cases = int(connection.scalar(select(func.count()).select_from(LIVE.cases)) or 0)
    discard(engine)
    return Swapped(position, events, cases)


def discard(engine: Engine) -> None:
    """Drop the shadow tables and their position row, if a rebuild left any."""
    with sql_errors(), writing(engine) as connection:
        _drop_shadow(connection, shadow_tables())


def _drop_shadow(connection: Connection, tables: ReadModelTables) -> None:
    for table in reversed(tables.all()):
        table.drop(connection, checkfirst=True)
    connection.execute(delete(positions).where(positions.c.name == REBUILD))


def shadow_projector(
    application: CaseTransferApplication, engine: Engine, tables: ReadModelTables, batch: int
) -> Projector:
    projector = Projector(application, engine, tables=tables, name=REBUILD)
    projector.BATCH = batch
    # A rebuild runs in its own process: keeping every case it has built in memory
    # spares reloading a case from the store each time a later batch touches it.
    projector.CACHE_SIZE = REBUILD_CACHE_SIZE
    return projector
