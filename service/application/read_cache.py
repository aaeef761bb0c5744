"""Recent aggregates kept in memory for reading, brought forward by the events recorded since.

A read (who is responsible, the timeline, the case view) used to rebuild the case from
every event it ever had, so its cost grew with the history: a case handed back and
forth for years costs a hundred times a new one. Here a read costs one indexed query
for the events after the cached version (usually none) however long the history, and
stays exactly as consistent as a full load: every event committed before the query is
applied. A first read is the same query from version 0.

The cached aggregates are never handed out: a caller passes a function that reads
what it needs (``look``) while the entry's lock is held, so no command can mutate a
shared object and no reader sees one half brought forward. Commands keep loading
their own fresh copy.

Cases are cached by ``CaseReadCache``; the child index by ``ChildIndexReadCache``,
which also remembers a child who has no index yet (``read_or_none``): a lookup of a
child without cases then does what a lookup of a child with them does, one query for
the events after a version, answering none (``CaseQueries.cases_for_child``).

A case's first read starts from its newest snapshot when there is a sound one
(``snapshots.start_from``), brought forward by the events after it, read in the same
query as the event that proves the snapshot belongs; if that fails in any way, the
read replays every event, as without snapshots.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import EventStore

from service.domain.case import Case
from service.domain.child_index import ChildIndex

from .snapshots import start_from

T = TypeVar("T")
A = TypeVar("A", bound=Aggregate)


@dataclass
class _Entry(Generic[A]):
    aggregate: A | None = None
    version: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class ReadCache(Generic[A]):
    """An LRU of aggregates of one ``kind`` for reading."""

    kind: type[A]

    def __init__(self, events: EventStore[UUID], maxsize: int = 2000) -> None:
        self.events = events
        self.maxsize = maxsize
        self._entries: OrderedDict[UUID, _Entry[A]] = OrderedDict()
        self._lock = threading.Lock()

    def read(self, aggregate_id: UUID, look: Callable[[A], T]) -> T:
        """``look`` at the aggregate as every event committed so far has built it;
        AggregateNotFoundError if there is none (and nothing is kept for the id)."""

        def present(aggregate: A | None) -> T:
            if aggregate is None:
                raise AggregateNotFoundError(aggregate_id)
            return look(aggregate)

        try:
            return self.read_or_none(aggregate_id, present)
        except AggregateNotFoundError:
            self._forget_absent(aggregate_id)
            raise

    def read_or_none(self, aggregate_id: UUID, look: Callable[[A | None], T]) -> T:
        """``look`` at the aggregate, or at None while there is none; either is kept."""
        entry = self._entry(aggregate_id)
        with entry.lock:
            if not (entry.version == 0 and self._start(aggregate_id, entry)):
                try:
                    self._bring_forward(aggregate_id, entry)
                except AggregateNotFoundError:
                    raise
                except Exception:  # never keep a case an event may have half changed
                    entry.aggregate, entry.version = None, 0
                    raise
            return look(entry.aggregate)

    def _bring_forward(self, aggregate_id: UUID, entry: _Entry[A]) -> None:
        for event in self.events.get(aggregate_id, gt=entry.version):
            assert isinstance(event, Aggregate.Event)
            entry.aggregate = event.mutate(entry.aggregate)  # in place after the first
            if not isinstance(entry.aggregate, self.kind):  # another kind's id: none
                entry.aggregate, entry.version = None, 0
                raise AggregateNotFoundError(aggregate_id)
            entry.version = entry.aggregate.version

    def _start(self, aggregate_id: UUID, entry: _Entry[A]) -> bool:
        """Bring a cold ``entry`` up to every event committed so far by a quicker way than
        replaying them all, if there is one; whether it did (if not, the events are read)."""
        return False

    def read_absent(self, absent_id: UUID) -> None:
        """Do the work of reading a cached aggregate that has no new events, for an id
        that names none: the same indexed query, answering nothing. Nothing is kept.

        For reads whose cost must not tell whether an aggregate exists.
        """
        for _ in self.events.get(absent_id, gt=0):
            raise AggregateNotFoundError(absent_id)  # pragma: no cover - keyed, never one

    def _entry(self, aggregate_id: UUID) -> _Entry[A]:
        with self._lock:
            entry = self._entries.get(aggregate_id)
            if entry is None:
                entry = self._entries[aggregate_id] = _Entry()
            self._entries.move_to_end(aggregate_id)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
            return entry

    def _forget_absent(self, aggregate_id: UUID) -> None:
        with self._lock:
            entry = self._entries.get(aggregate_id)
            if entry is not None and entry.aggregate is None:
                del self._entries[aggregate_id]


class CaseReadCache(ReadCache[Case]):
    """Cases for reading; ``read`` raises AggregateNotFoundError for no case.

    ``snapshots``: the application's snapshot store, if it keeps snapshots."""

    kind = Case

    def __init__(
        self,
        events: EventStore[UUID],
        maxsize: int = 2000,
        *,
        snapshots: EventStore[UUID] | None = None,
    ) -> None:
        super().__init__(events, maxsize)
        self.snapshots = snapshots

    def _start(self, aggregate_id: UUID, entry: _Entry[Case]) -> bool:
        if self.snapshots is None:
            return False
        case = start_from(self.snapshots, self.events, aggregate_id)
        if case is None:
            return False
        entry.aggregate, entry.version = case, case.version
        return True


class ChildIndexReadCache(ReadCache[ChildIndex]):
    """Children's indexes for lookups, a child without one remembered as None."""

    kind = ChildIndex
