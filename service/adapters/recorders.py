"""The event store's recorders: eventsourcing's own, with two checks added.

**Loads return only chained events.** The ledger (``service.audit.ledger``) chains the
log in position order from position 1, so a row stored at a position below 1 is never
chained, and a row slipped in below the ledger's tip is never chained either. Issue
15 found such a row loaded by its case while ``verify`` saw nothing. The construction
that keeps every loadable row chained (or about to be) has two halves:

- The database refuses the rows (``service.adapters.append_only``): every insert must
  be at a position of at least 1, taken from the log's own sequence, above every
  position already stored, under the table's write lock, so rows commit in position
  order and the ledger, which reads the log in order up to its committed head, reaches
  every one. On PostgreSQL the triggers and the CHECK constraint bind every role but
  the tables' owner: the service's own role cannot drop them, or insert around them.
  (SQLite has no roles: whoever can write the file is its owner.)
- The load refuses what the owner could still slip in below position 1 (by dropping the
  triggers): the recorders here read each loaded row's position with it and raise
  ``UnchainedEventError`` for any below 1, so such a row never reaches a case, the
  child index or a remembered request. (An owner who drops the triggers and inserts
  between chained rows is named by ``case-transfer verify``, not by the load: the load
  does not read the ledger.)

**A change of responsibility commits before it takes effect** (issue 15 item 12): a
save may carry a ``CommitDeadline``; checked after the rows are inserted, just before
the commit, it rolls the save back with ``CommitTooLateError`` once passed. The
application sets it half a settle margin before the change takes effect, leaving the
commit the other half, so nobody who asked "who is responsible at T" before the commit
gets another answer about T after it; a save rolled back runs again with a new
recorded time (``service.application.changes``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier

DEADLINE = "commit_deadline"
"""The keyword ``Application.save`` passes a ``CommitDeadline`` to the recorder under."""


class UnchainedEventError(Exception):
    """Raised when a load meets an event stored below position 1, which the ledger never
    chains: the store was tampered with by its owner; run ``case-transfer verify``."""


class CommitTooLateError(Exception):
    """Raised when a save reaches its commit after the deadline it was given (rolled back)."""


@dataclass(frozen=True)
class CommitDeadline:
    """The moment, on the monotonic clock, by which a save must be ready to commit.

    Monotonic, not the wall clock: a clock stepped back or forward while a save waits
    must not let a late commit through (nor refuse a prompt one).
    """

    monotonic: float

    @classmethod
    def within(cls, seconds: float, *, since: float) -> CommitDeadline:
        """``seconds`` after the monotonic reading ``since``."""
        return cls(since + seconds)

    def check(self) -> None:
        late = time.monotonic() - self.monotonic
        if late > 0:
            raise CommitTooLateError(f"ready to commit {late:.3f} s after its deadline")


def _deadline(kwargs: dict[str, Any]) -> CommitDeadline | None:
    deadline = kwargs.get(DEADLINE)
    return deadline if isinstance(deadline, CommitDeadline) else None


def _refuse_unchained(originator_id: UUID | str, rows: Sequence[Any], key: str) -> None:
    for row in rows:
        if row[key] < 1:
            raise UnchainedEventError(
                f"event {row['originator_version']} of aggregate {originator_id} is stored "
                f"at position {row[key]}, below the log's first position: the ledger never "
                "chains it, so it is not loaded; run case-transfer verify"
            )


def _stored_events(rows: Sequence[Any], originator: Callable[[Any], Any]) -> list[StoredEvent]:
    return [
        StoredEvent(
            originator_id=originator(row["originator_id"]),
            originator_version=row["originator_version"],
            topic=row["topic"],
            state=bytes(row["state"]),
        )
        for row in rows
    ]


def _select_events_statement(
    select: str, gt: int | None, lte: int | None, desc: bool, limit: int | None, mark: str
) -> tuple[str, list[Any]]:
    """The conditions eventsourcing's ``select_events`` adds, after ``select``."""
    params: list[Any] = []
    statement = select
    if gt is not None:
        statement += f" AND originator_version > {mark}"
        params.append(gt)
    if lte is not None:
        statement += f" AND originator_version <= {mark}"
        params.append(lte)
    statement += " ORDER BY originator_version " + ("DESC" if desc else "ASC")
    if limit is not None:
        statement += f" LIMIT {mark}"
        params.append(limit)
    return statement, params


class CheckedSQLiteRecorder(SQLiteApplicationRecorder):
    """eventsourcing's SQLite recorder; loads read positions (``rowid``) and refuse any
    below 1; a save given a deadline is checked just before its commit."""

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        key = originator_id.hex if isinstance(originator_id, UUID) else originator_id
        select = f"SELECT rowid, * FROM {self.events_table_name} WHERE originator_id=?"
        statement, params = _select_events_statement(select, gt, lte, desc, limit, "?")
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, [key, *params])
            rows = c.fetchall()
        _refuse_unchained(originator_id, rows, "rowid")
        return _stored_events(rows, self.convert_originator_id)

    def _insert_events(self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        ids = super()._insert_events(c, stored_events, **kwargs)
        deadline = _deadline(kwargs)
        if deadline is not None:
            deadline.check()  # raised inside the transaction: it rolls back
        return ids


class _TooLate(BaseException):
    """Carries CommitTooLateError past eventsourcing's ``except Exception`` around the
    insert, which would otherwise let the transaction commit before re-raising."""

    def __init__(self, error: CommitTooLateError) -> None:
        super().__init__(str(error))
        self.error = error


class CheckedPostgresRecorder(PostgresApplicationRecorder):
    """eventsourcing's PostgreSQL recorder; loads read positions (``notification_id``) and
    refuse any below 1; a save given a deadline is checked just before its commit."""

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)  # as the library's
    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        select = SQL("SELECT * FROM {0}.{1} WHERE originator_id = %s").format(
            Identifier(self.datastore.schema), Identifier(self.events_table_name)
        )
        rest, params = _select_events_statement("", gt, lte, desc, limit, "%s")
        statement = select + SQL(rest)  # fixed text only: every value is a parameter
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, [originator_id, *params], prepare=True)
            rows = curs.fetchall()
        _refuse_unchained(originator_id, rows, "notification_id")
        return _stored_events(rows, lambda originator_id: originator_id)

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        try:
            return super().insert_events(stored_events, **kwargs)
        except _TooLate as late:
            raise late.error from None

    def _fetch_ids_after_insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Any:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        deadline = _deadline(kwargs)
        if deadline is not None:
            try:
                deadline.check()
            except CommitTooLateError as error:
                raise _TooLate(error) from None  # rolls the transaction back
        return ids


RECORDER_TOPICS = {
    "eventsourcing.sqlite": "service.adapters.recorders:CheckedSQLiteRecorder",
    "eventsourcing.postgres": "service.adapters.recorders:CheckedPostgresRecorder",
}
"""``APPLICATION_RECORDER_TOPIC`` for each persistence module the service uses."""
