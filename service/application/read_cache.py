"""Recent cases kept in memory for reading, brought forward by the events recorded since.

A read (who is responsible, the timeline, the case view) used to rebuild the case from
every event it ever had, so its cost grew with the history: a case handed back and
forth for years costs a hundred times a new one. Here a read costs one indexed query
for the events after the cached version (usually none) however long the history, and
stays exactly as consistent as a full load: every event committed before the query is
applied.

The cached aggregates are never handed out: a caller passes a function that reads
what it needs (``look``) while the entry's lock is held, so no command can mutate a
shared object and no reader sees one half brought forward. Commands keep loading
their own fresh copy.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import EventStore

from service.domain.case import Case

T = TypeVar("T")


@dataclass
class _Entry:
    case: Case
    lock: threading.Lock = field(default_factory=threading.Lock)


class CaseReadCache:
    """An LRU of cases for reading; ``read`` raises AggregateNotFoundError for no case."""

    def __init__(self, events: EventStore[UUID], maxsize: int = 2000) -> None:
        self.events = events
        self.maxsize = maxsize
        self._entries: OrderedDict[UUID, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def read(self, case_id: UUID, look: Callable[[Case], T]) -> T:
        """``look`` at the case as every event committed so far has built it."""
        entry = self._entry(case_id)
        with entry.lock:
            newer = self.events.get(case_id, gt=entry.case.version)
            for event in newer:
                assert isinstance(event, Case.Event)
                event.mutate(entry.case)  # applies in place and counts the version on
            return look(entry.case)

    def _entry(self, case_id: UUID) -> _Entry:
        with self._lock:
            entry = self._entries.get(case_id)
            if entry is not None:
                self._entries.move_to_end(case_id)
                return entry
        case = self._load(case_id)
        with self._lock:
            entry = self._entries.setdefault(case_id, _Entry(case))
            self._entries.move_to_end(case_id)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
            return entry

    def _load(self, case_id: UUID) -> Case:
        case: Case | None = None
        for event in self.events.get(case_id):
            if not isinstance(event, Case.Event):  # another aggregate's id: no such case
                raise AggregateNotFoundError(case_id)
            case = event.mutate(case)
        if not isinstance(case, Case):
            raise AggregateNotFoundError(case_id)
        return case
