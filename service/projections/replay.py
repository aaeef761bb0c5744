"""Rebuild the read models from the event log beside the live ones, then swap or compare.

A rebuild fills shadow tables (``rm_*_rebuild``, with their own position row) while
the service keeps serving from the live tables: it streams the log once, writes each
case's rows once, in bulk, and indexes the tables afterwards. Finishing takes one
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

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
from sqlalchemy.schema import CreateTable

from service.adapters.event_store import store_errors
from service.adapters.log_follower import lock_position, move_position
from service.adapters.sql import sql_errors, writing
from service.adapters.tables import positions
from service.application import CaseTransferApplication
from service.domain.case import CASE_TOPICS, Case

from .bulk import BulkWriter, CaseFolder
from .partitions import last_versions, plan, select_pass
from .projector import Projector
from .tables import LIVE, READ_MODELS, ReadModelTables, read_model_tables

SHADOW_SUFFIX = "_rebuild"
REBUILD = "read_models_rebuild"
"""The shadow tables' row in ``rm_positions``."""
REBUILD_BATCH = 5000
"""Log positions a rebuild reads at a time (and events a catch-up applies per batch)."""
REBUILD_BUFFER = 20_000
"""Unfinished cases a rebuild keeps in memory (a few kB each): the cases are split into as
many passes over the log as keep each pass's open cases within it (``partitions.py``)."""
REBUILD_FLUSH_CASES = 2000
"""Finished cases whose rows a rebuild appends in one bulk write."""

OnProgress = Callable[[int, int], None]
"""Told (case events applied, of those up to the head) after each batch."""


@dataclass(frozen=True)
class Rebuild:
    """Shadow tables built from the log up to ``position``, ``events`` case events applied,
    in ``passes`` passes over the log; ``reloads`` cases were loaded again from the store
    (none unless one bucket of cases alone had more open at once than the buffer)."""

    tables: ReadModelTables
    position: int
    events: int
    seconds: float
    passes: int = 1
    reloads: int = 0


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
    buffer: int = REBUILD_BUFFER,
) -> Rebuild:
    """Build every read model from the log into fresh shadow tables, each case's rows once.

    The log is streamed in position order, ``batch`` positions at a time, up to the head
    seen at the start (``swap`` and ``compare`` bring the shadow on from there), in as
    few passes as keep at most ``buffer`` unfinished cases in memory, each pass reading
    only its own cases' events (``partitions.py``). Each case is folded in memory until
    its last event, then its rows are appended in bulk (``bulk.py``). The tables get their
    secondary indexes after the load, when building them is one sort each. Each flush
    commits on its own, so the service keeps serving and recording meanwhile.
    """
    started = time.monotonic()
    tables = shadow_tables()
    with sql_errors(), writing(engine) as connection:
        _drop_shadow(connection, tables)
        for table in tables.all():
            connection.execute(CreateTable(table))
        connection.execute(insert(positions).values(name=REBUILD, position=0, events_applied=0))
    with store_errors():
        head = int(application.recorder.max_notification_id() or 0)
    passes = plan(application, head, CASE_TOPICS, buffer)
    writer = BulkWriter(engine, tables, application.index_key, REBUILD_FLUSH_CASES)
    events = reloads = 0
    with _few_full_collections():
        for buckets in passes.passes:
            folder = CaseFolder(
                application, last_versions(application, head, CASE_TOPICS, buckets), buffer
            )
            for position in range(0, head, batch):
                notifications = select_pass(
                    application,
                    after=position,
                    stop=min(position + batch, head),
                    topics=CASE_TOPICS,
                    buckets=buckets,
                )
                with store_errors():
                    for notification in notifications:
                        event = application.mapper.to_domain_event(notification)
                        assert isinstance(event, Case.Event)
                        finished = folder.apply(event)
                        if finished is not None:
                            writer.add(finished)
                events += len(notifications)
                if on_progress is not None:
                    on_progress(events, passes.events)
            reloads += folder.reloads
    writer.flush()
    with sql_errors(), writing(engine) as connection:
        for table in tables.all():
            for index in table.indexes:
                index.create(connection)
        move_position(connection, REBUILD, head, events)
    seconds = time.monotonic() - started
    return Rebuild(tables, head, events, seconds, len(passes.passes), reloads)


@contextmanager
def _few_full_collections() -> Iterator[None]:
    """Python's collector rarely walks the whole heap meanwhile (then as it was).

    A rebuild keeps thousands of unfinished cases alive while it allocates millions of
    short-lived objects, and each full collection walks every live object: a quarter
    of a national year's rebuild went on them, more at ten years. What is alive when the
    rebuild starts (the modules, the application) is frozen out of the collector's
    walks, and the young generations are collected less often; a cycle made meanwhile
    is still collected, later. A command's process runs one rebuild: changing the
    process's collector for that time costs nothing else.
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(10_000, 50, 1_000)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


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
    return projector
