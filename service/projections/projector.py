"""Feeds the read models from the event log, in log order, each event exactly once.

The discipline of every follower of the log (``service.adapters.log_follower``): a
batch is read and its rows derived first, then written with the position it reaches
in one transaction holding the position's lock. Each batch rewrites every row of the
cases it touches, derived from the case's state (``rows.py``), so applying an event
is idempotent and a rebuild equals the incremental build by construction. Only the
case's events are read from the log, decoded (decrypted) by the store's own mapper.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from uuid import UUID

from eventsourcing.persistence import Notification
from sqlalchemy import Connection, Engine, delete

from service.adapters.event_store import store_errors
from service.adapters.log_follower import (
    LogFollower,
    Prepared,
    Progress,
    lock_position,
)
from service.adapters.sql import sql_errors
from service.application import CaseTransferApplication
from service.domain.case import CASE_TOPICS, Case

from .rows import CaseRows, rows_of
from .tables import LIVE, READ_MODELS, ReadModelTables


@dataclass(frozen=True)
class Batch:
    """The rows a batch of events leads to: every row of each case it touches."""

    case_ids: list[UUID]
    rows: CaseRows
    opened: frozenset[UUID] = frozenset()
    """Cases opened in this batch: they have no rows yet, so none to delete."""
    events: int = 0


class Projector(LogFollower):
    """Brings one set of read-model tables up to date with the event log."""

    BATCH = 500
    CACHE_SIZE = 5000
    application: CaseTransferApplication

    def __init__(
        self,
        application: CaseTransferApplication,
        engine: Engine,
        *,
        tables: ReadModelTables = LIVE,
        name: str = READ_MODELS,
    ) -> None:
        super().__init__(application, engine, name)
        self.tables = tables
        self._cases: OrderedDict[UUID, Case] = OrderedDict()

    def batches(self) -> Iterator[Progress]:
        """Catch up one batch at a time, yielding progress (for ``case-transfer replay``)."""
        while True:
            with self._lock:
                progress = self._batch()
            yield progress
            if progress.position >= progress.head:
                return

    def catch_up_on(self, connection: Connection, target: int | None = None) -> Progress:
        """Apply events up to ``target`` (default: the head now) in the caller's transaction.

        The caller has begun a writing transaction (``sql.writing``) and commits it:
        ``replay`` brings a rebuild to the head in the same transaction that holds the
        live position lock and swaps the rows in, and on SQLite no other connection can
        write while that transaction holds the file's lock. The goal is fixed at the
        start, so a busy log cannot keep the caller's lock held for ever. Database
        errors propagate as they are: the caller decides what they mean.
        """
        with self._lock:
            try:
                goal = target if target is not None else self.head()
                events = 0
                while True:
                    with sql_errors():
                        position, applied = lock_position(connection, self.name)
                        progress = self.apply(connection, self._prepare(position, goal), applied)
                    events += progress.events
                    if progress.position >= min(goal, progress.head):
                        return Progress(progress.position, progress.head, events)
            except BaseException:
                self.forget()  # the caller's transaction may yet roll back
                raise

    def prepare(self, target: int | None = None) -> Prepared:
        return self._prepare(self.position(), target)

    def forget(self) -> None:
        self._cases.clear()

    def _prepare(self, position: int, target: int | None) -> Prepared:
        """Read the events after ``position`` and derive the rows of the cases they touch."""
        head = self.head()
        stop = head if target is None else min(target, head)
        if position >= stop:
            return Prepared(position, head, position, 0, _nothing)
        with store_errors():
            notifications = self.read_after(position, stop, CASE_TOPICS)
            reached = notifications[-1].id if len(notifications) == self.BATCH else stop
            batch = self._derive(notifications)
        write = partial(_write_rows_of, self, batch)
        return Prepared(position, head, reached, len(notifications), write)

    def _write_rows(self, connection: Connection, batch: Batch) -> None:
        """Replace every row of each touched case (before the position moves)."""
        had_rows = [case_id for case_id in batch.case_ids if case_id not in batch.opened]
        for table, table_rows in zip(self.tables.all(), batch.rows.by_table(), strict=True):
            if had_rows:
                connection.execute(delete(table).where(table.c.case_id.in_(had_rows)))
            if table_rows:
                connection.execute(table.insert(), table_rows)

    def _derive(self, notifications: Sequence[Notification]) -> Batch:
        """The ids of the cases the notifications touch, all their rows afterwards, and
        which of them the notifications opened."""
        touched: OrderedDict[UUID, Case | None] = OrderedDict()
        opened: set[UUID] = set()
        for notification in notifications:
            event = self.application.mapper.to_domain_event(notification)
            assert isinstance(event, Case.Event)
            case_id = event.originator_id
            if event.originator_version == 1:
                opened.add(case_id)
            if case_id not in touched:
                touched[case_id] = self._case_before(case_id, event.originator_version)
            touched[case_id] = event.mutate(touched[case_id])
        rows = CaseRows()
        for case in touched.values():
            assert case is not None
            self._remember(case)
            rows.extend(rows_of(case, self.application.index_key))
        return Batch(list(touched), rows, frozenset(opened), len(notifications))

    def _case_before(self, case_id: UUID, version: int) -> Case | None:
        """The case as it stood just before ``version``, from the cache or the store."""
        if version == 1:
            return None
        cached = self._cases.get(case_id)
        if cached is not None and cached.version == version - 1:
            return cached
        with store_errors():
            case: Case = self.application.repository.get(case_id, version=version - 1)
        return case

    def _remember(self, case: Case) -> None:
        self._cases[case.id] = case
        self._cases.move_to_end(case.id)
        while len(self._cases) > self.CACHE_SIZE:
            self._cases.popitem(last=False)


def _write_rows_of(projector: Projector, batch: Batch, connection: Connection) -> None:
    projector._write_rows(connection, batch)  # a method, so that tests can fail it midway


def _nothing(_: Connection) -> None:
    """The ``write`` of a batch with no events."""
