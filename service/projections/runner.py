"""Feeds the read models from the event log, in log order, each event exactly once.

Every batch runs in one transaction that locks the read models' position row, reads
the events after it, rewrites the rows of the cases they touch and moves the
position on: the rows and the position they reflect commit together or not at all,
so a crash never applies an event twice, and processes sharing one PostgreSQL queue
on the row lock instead of interleaving. On SQLite the transaction takes the file's
write lock at BEGIN instead.

The log is read through the event store's own recorder and decoded (decrypted) by
its mapper; only the case's events are fetched. PostgreSQL assigns notification ids
under a table lock in commit order (DESIGN.md), so once the head is seen, nothing
below it can still appear.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic
from sqlalchemy import Connection, Engine, delete, select, update
from sqlalchemy.exc import OperationalError

from service.application import CaseTransferApplication, StoreUnavailableError, store_errors
from service.domain.case import Case

from .database import is_lock_timeout, writing
from .rows import CaseRows, rows_of
from .tables import LIVE, READ_MODELS, ReadModelTables, positions

logger = logging.getLogger("service.projections")

CASE_TOPICS: tuple[str, ...] = tuple(
    get_topic(cls)
    for cls in vars(Case).values()
    if isinstance(cls, type) and issubclass(cls, Case.Event) and cls is not Case.Event
)


class ReadModelsBehindError(Exception):
    """Raised when the read models cannot reach a log position in time (503)."""


@dataclass(frozen=True)
class Progress:
    """How far a catch-up has got: the position reached and the log's head then."""

    position: int
    head: int
    events: int


@dataclass(frozen=True)
class Batch:
    """Events read after ``position`` up to ``reached``, and the rows they lead to."""

    position: int
    head: int
    reached: int
    events: int
    case_ids: list[UUID]
    rows: CaseRows
    opened: frozenset[UUID] = frozenset()
    """Cases opened in this batch: they have no rows yet, so none to delete."""


class LogFollower:
    """Something fed from the event log batch by batch, that a request can wait on.

    Subclasses say how far they have got (``position``) and apply one batch
    (``_batch``); waiting with a deadline and catching up are the same for all of
    them. ``SUBJECT`` names them in ReadModelsBehindError's message.
    """

    SUBJECT = "the read models"

    def __init__(self, application: CaseTransferApplication, engine: Engine) -> None:
        self.application = application
        self.engine = engine
        self._lock = threading.Lock()

    def position(self) -> int:
        raise NotImplementedError

    def _batch(self, deadline: float | None = None) -> Progress:
        raise NotImplementedError

    def head(self) -> int:
        """The newest position in the event log."""
        with store_errors():
            return int(self.application.recorder.max_notification_id() or 0)

    def wait_for(self, target: int, timeout: float) -> int:
        """Return once ``target`` is reflected; ReadModelsBehindError after ``timeout``.

        The caller's own thread does the catch-up rather than waiting on the background
        one, so a read after a write costs one small batch, not a polling interval.
        """
        deadline = time.monotonic() + timeout
        reached = self.position()
        if reached >= target:
            return reached
        if not self._lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise ReadModelsBehindError(f"{self.SUBJECT} are being updated past {reached}")
        try:
            reached = self._catch_up(target, deadline).position
        finally:
            self._lock.release()
        if reached < target:
            raise ReadModelsBehindError(f"{self.SUBJECT} reached {reached}, not {target}")
        return reached

    def catch_up(self, deadline: float | None = None) -> Progress:
        """Apply every event up to the head of the log as it is now."""
        with self._lock:
            return self._catch_up(None, deadline)

    def _catch_up(self, target: int | None, deadline: float | None) -> Progress:
        goal = target if target is not None else self.head()
        events = 0
        while True:
            progress = self._batch(deadline)
            events += progress.events
            if progress.position >= goal or progress.position >= progress.head:
                return Progress(progress.position, progress.head, events)
            if deadline is not None and time.monotonic() > deadline:
                return Progress(progress.position, progress.head, events)


class Projector(LogFollower):
    """Brings one set of read-model tables up to date with the event log."""

    BATCH = 500
    CACHE_SIZE = 5000

    def __init__(
        self,
        application: CaseTransferApplication,
        engine: Engine,
        *,
        tables: ReadModelTables = LIVE,
        name: str = READ_MODELS,
    ) -> None:
        super().__init__(application, engine)
        self.tables = tables
        self.name = name
        self._cases: OrderedDict[UUID, Case] = OrderedDict()

    def position(self) -> int:
        """The log position the tables reflect (committed)."""
        with read_model_errors(), self.engine.connect() as connection:
            value = connection.scalar(
                select(positions.c.position).where(positions.c.name == self.name)
            )
        return int(value or 0)

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

        The caller has begun a writing transaction (``database.writing``) and commits it:
        ``replay`` brings a rebuild to the head in the same transaction that holds the
        live position lock and swaps the rows in, and on SQLite no other connection can
        write while that transaction holds the file's lock. The goal is fixed at the
        start, so a busy log cannot keep the caller's lock held for ever.
        """
        with self._lock:
            try:
                goal = target if target is not None else self.head()
                events = 0
                while True:
                    with read_model_errors():
                        progress = self._batch_on(connection, goal)
                    events += progress.events
                    if progress.position >= min(goal, progress.head):
                        return Progress(progress.position, progress.head, events)
            except BaseException:
                self._cases.clear()  # the caller's transaction may yet roll back
                raise

    def _batch(self, deadline: float | None = None) -> Progress:
        """Apply up to BATCH events after the position and move the position on.

        The events are read and the rows derived *before* the transaction that writes
        them: on SQLite that transaction holds the file's write lock, and reading the
        log needs a connection from the event store's pool, which this process's
        writers may all hold while they wait for that very lock. The position is then
        checked under the lock; if another process moved it meanwhile, nothing is
        written and the next batch starts from the new position.

        With a ``deadline``, the lock is waited for only until then: another process
        holding it past the deadline is ReadModelsBehindError, not a store outage.
        """
        try:
            with read_model_errors():
                position = self.position()
            batch = self._prepare(position, None)
            lock_wait = None if deadline is None else max(0.001, deadline - time.monotonic())
            try:
                with writing(self.engine, lock_wait=lock_wait) as connection:
                    locked, applied = self._locked_position(connection)
                    if locked != position:
                        self._cases.clear()  # derived from a position that has moved
                        return Progress(locked, batch.head, 0)
                    return self._write(connection, batch, applied)
            except OperationalError as error:
                if lock_wait is not None and is_lock_timeout(error):
                    raise ReadModelsBehindError(
                        "another process is updating the read models"
                    ) from error
                raise StoreUnavailableError(str(error.orig)) from error
        except BaseException:
            self._cases.clear()  # they may hold events that were rolled back
            raise

    def _batch_on(self, connection: Connection, target: int | None) -> Progress:
        """Up to BATCH events after the position, up to ``target`` (default: the head),
        in the caller's transaction, which already holds the lock (``catch_up_on``).

        Database errors propagate as they are: the caller decides what they mean.
        """
        position, applied = self._locked_position(connection)
        return self._write(connection, self._prepare(position, target), applied)

    def _prepare(self, position: int, target: int | None) -> Batch:
        """Read the events after ``position`` and derive the rows of the cases they touch."""
        head = self.head()
        stop = head if target is None else min(target, head)
        if position >= stop:
            return Batch(position, head, position, 0, [], CaseRows())
        with store_errors():
            notifications = self.application.recorder.select_notifications(
                start=position,
                stop=stop,
                limit=self.BATCH,
                topics=CASE_TOPICS,
                inclusive_of_start=False,
            )
            reached = notifications[-1].id if len(notifications) == self.BATCH else stop
            ids, rows, opened = self._derive(notifications)
        return Batch(position, head, reached, len(notifications), ids, rows, opened)

    def _write(self, connection: Connection, batch: Batch, applied: int) -> Progress:
        """Rewrite the touched cases' rows and move the position, in ``connection``."""
        if batch.reached <= batch.position:
            return Progress(batch.position, batch.head, 0)
        self._write_rows(connection, batch)
        connection.execute(
            update(positions)
            .where(positions.c.name == self.name)
            .values(position=batch.reached, events_applied=applied + batch.events)
        )
        return Progress(batch.reached, batch.head, batch.events)

    def _write_rows(self, connection: Connection, batch: Batch) -> None:
        """Replace every row of each touched case (before the position moves)."""
        had_rows = [case_id for case_id in batch.case_ids if case_id not in batch.opened]
        for table, table_rows in zip(self.tables.all(), batch.rows.by_table(), strict=True):
            if had_rows:
                connection.execute(delete(table).where(table.c.case_id.in_(had_rows)))
            if table_rows:
                connection.execute(table.insert(), table_rows)

    def _locked_position(self, connection: Connection) -> tuple[int, int]:
        statement = select(positions.c.position, positions.c.events_applied).where(
            positions.c.name == self.name
        )
        if connection.dialect.name == "postgresql":
            statement = statement.with_for_update()
        row = connection.execute(statement).one()
        return int(row.position), int(row.events_applied)

    def _derive(
        self, notifications: Sequence[Notification]
    ) -> tuple[list[UUID], CaseRows, frozenset[UUID]]:
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
            for mine, theirs in zip(
                rows.by_table(), rows_of(case, self.application.index_key).by_table(), strict=True
            ):
                mine.extend(theirs)
        return list(touched), rows, frozenset(opened)

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


@contextmanager
def read_model_errors() -> Iterator[None]:
    """The read models' database unreachable or locked too long: 503, like the store.

    Public for ``replay``, whose transactions are its own, not the projector's.
    """
    try:
        yield
    except OperationalError as error:
        raise StoreUnavailableError(str(error.orig)) from error


class CatchesUp(Protocol):
    """Anything fed from the log that a background thread can keep up to date: the read
    models' ``Projector``, the ledger's ``LedgerProjector``."""

    def catch_up(self, deadline: float | None = None) -> Progress: ...


class BackgroundProjection:
    """A thread that keeps the read models (or the ledger) close to the log between requests.

    Requests never depend on it (``wait_for`` catches up itself); it only spares them
    the work. A failure is logged with its traceback and retried with backoff, never
    skipped: a read model that silently stopped would show a stale caseload.
    """

    def __init__(self, projector: CatchesUp, interval: float, *, name: str = "read-models") -> None:
        self.projector = projector
        self.interval = interval
        self.name = name
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        pause = self.interval
        while not self._stopping.is_set():
            try:
                self.projector.catch_up(deadline=time.monotonic() + 5)
                pause = self.interval
            except Exception:
                logger.exception("the %s could not catch up; retrying", self.name.replace("-", " "))
                pause = min(max(pause * 2, 1.0), 30.0)
            self._stopping.wait(pause)
