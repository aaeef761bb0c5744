"""Following the event log: what the read models and the ledger share.

A follower applies the log's events in log order, each exactly once, batch by batch.
Every batch is read and derived *before* the transaction that writes it, then, in one
transaction that locks the follower's row of ``rm_positions`` (FOR UPDATE on
PostgreSQL; on SQLite the file's write lock, taken at BEGIN), its rows are written and
the position moves on: the rows and the position they reflect commit together or not
at all, so a crash never applies an event twice, and processes sharing one database
queue on the row lock instead of interleaving.

Reading first matters on SQLite: the write transaction holds the file's lock, and
reading the log needs a connection from the event store's pool, which this process's
writers may all hold while they wait for that very lock. Under the lock the position
is checked again; if another process moved it meanwhile, nothing is written and the
next batch starts from there.

PostgreSQL assigns notification ids under a table lock in commit order (DESIGN.md), so
once the head is seen, nothing below it can still appear: a follower never skips an
event, and a gap it steps over stays a gap.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import Notification
from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.exc import OperationalError

from .deadline import budget_of, time_left
from .event_store import StoreUnavailableError, store_errors
from .sql import is_lock_timeout, sql_errors, writing
from .tables import positions

logger = logging.getLogger("service.projections")


class ReadModelsBehindError(Exception):
    """Raised when a follower cannot reach a log position in time (503)."""


@dataclass(frozen=True)
class Progress:
    """How far a catch-up has got: the position reached and the log's head then."""

    position: int
    head: int
    events: int


@dataclass(frozen=True)
class Prepared:
    """A batch read and derived outside the lock: the position it starts from, the
    log's head then, the position it reaches, how many events it applies, and how to
    write what it derived."""

    position: int
    head: int
    reached: int
    events: int
    write: Callable[[Connection], None]


def lock_position(connection: Connection, name: str) -> tuple[int, int]:
    """A follower's position and events applied, its row locked until commit.

    On PostgreSQL the row is locked FOR UPDATE; on SQLite the caller's transaction
    already holds the file's write lock (``sql.writing``).
    """
    statement = select(positions.c.position, positions.c.events_applied).where(
        positions.c.name == name
    )
    if connection.dialect.name == "postgresql":
        statement = statement.with_for_update()
    row = connection.execute(statement).one()
    return int(row.position), int(row.events_applied)


def move_position(connection: Connection, name: str, position: int, events_applied: int) -> None:
    connection.execute(
        update(positions)
        .where(positions.c.name == name)
        .values(position=position, events_applied=events_applied)
    )


class LogFollower:
    """Something fed from the event log batch by batch, that a request can wait on.

    Subclasses say how far they have got (``position``) and read and derive a batch
    (``prepare``); applying it under the lock, waiting with a deadline and catching up
    are the same for all of them. ``SUBJECT`` names them in ReadModelsBehindError's
    message; ``name`` is their row of ``rm_positions``.
    """

    SUBJECT = "the read models"
    BATCH = 500

    def __init__(self, application: Application[UUID], engine: Engine, name: str) -> None:
        self.application = application
        self.engine = engine
        self.name = name
        self._lock = threading.Lock()

    def position(self) -> int:
        """The log position this follower reflects (committed)."""
        with sql_errors(), self.engine.connect() as connection:
            value = connection.scalar(
                select(positions.c.position).where(positions.c.name == self.name)
            )
        return int(value or 0)

    def prepare(self, target: int | None = None) -> Prepared:
        """Read the events after the position (up to ``target``, or the head) and derive
        what to write."""
        raise NotImplementedError

    def forget(self) -> None:
        """Drop anything remembered from a batch that was not written (a hook)."""

    def read_after(
        self, position: int, stop: int, topics: Sequence[str] = ()
    ) -> Sequence[Notification]:
        """Up to ``BATCH`` notifications after ``position``, up to ``stop``; only ``topics``
        when given."""
        with store_errors():
            return self.application.recorder.select_notifications(
                start=position,
                stop=stop,
                limit=self.BATCH,
                topics=topics,
                inclusive_of_start=False,
            )

    def head(self) -> int:
        """The newest position in the event log."""
        with store_errors():
            return int(self.application.recorder.max_notification_id() or 0)

    def wait_for(self, target: int, timeout: float) -> int:
        """Return once ``target`` is reflected; ReadModelsBehindError after ``timeout``.

        The caller's own thread does the catch-up rather than waiting on the background
        one, so a read after a write costs one small batch, not a polling interval.
        Inside a request, no longer than the request has left.
        """
        deadline = time.monotonic() + min(timeout, time_left(timeout))
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

    def _batch(self, deadline: float | None = None) -> Progress:
        """Prepare one batch, then apply it under the position's lock.

        With a ``deadline``, the lock is waited for only until then: another process
        holding it past the deadline is ReadModelsBehindError, not a store outage.
        """
        try:
            batch = self.prepare()
            lock_wait = None if deadline is None else max(0.001, deadline - time.monotonic())
            try:
                with writing(self.engine, lock_wait=lock_wait) as connection:
                    locked, applied = lock_position(connection, self.name)
                    if locked != batch.position:
                        self.forget()  # derived from a position that has moved
                        return Progress(locked, batch.head, 0)
                    return self.apply(connection, batch, applied)
            except OperationalError as error:
                if lock_wait is not None and is_lock_timeout(error):
                    raise ReadModelsBehindError(
                        f"another process is updating {self.SUBJECT}"
                    ) from error
                raise StoreUnavailableError(str(error.orig)) from error
        except BaseException:
            self.forget()  # it may hold events that were rolled back
            raise

    def apply(self, connection: Connection, batch: Prepared, applied: int) -> Progress:
        """Write a prepared batch and move the position, in ``connection`` (locked)."""
        if batch.reached <= batch.position:
            return Progress(batch.position, batch.head, 0)
        batch.write(connection)
        move_position(connection, self.name, batch.reached, applied + batch.events)
        return Progress(batch.reached, batch.head, batch.events)


class CatchesUp(Protocol):
    """Anything fed from the log that a background thread can keep up to date."""

    def catch_up(self, deadline: float | None = None) -> Progress: ...


class BackgroundFollower:
    """A thread that keeps a follower (the read models, the ledger) close to the log.

    Requests never depend on it (``wait_for`` catches up itself); it only spares them
    the work. A failure is logged with its traceback and retried with backoff, never
    skipped: a read model that silently stopped would show a stale caseload.
    """

    ROUND_SECONDS = 5.0
    """How long one round may wait on the store; it is tried again after a pause."""

    def __init__(self, follower: CatchesUp, interval: float, *, name: str = "read-models") -> None:
        self.follower = follower
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
                with budget_of(self.ROUND_SECONDS) as budget:  # a silent store: watched too
                    self.follower.catch_up(deadline=budget.deadline)
                pause = self.interval
            except Exception:
                logger.exception("the %s could not catch up; retrying", self.name.replace("-", " "))
                pause = min(max(pause * 2, 1.0), 30.0)
            self._stopping.wait(pause)
