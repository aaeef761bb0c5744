"""The queries of the application: a case as a party, the MASH or an auditor may see it.

Reads go through the read cache (``case_cache.py``), so their cost does not grow with a
case's history; replays "as the record stood" read the events up to that moment.
Kept apart from the commands in ``application.py`` so that each module stays readable.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import MapperDeserialisationError

from .case_cache import CaseReadCache
from .domain.actors import AUDITOR, AUTHORITY, Actor
from .domain.case import Case
from .domain.child_index import ChildIndex
from .domain.errors import Forbidden, NotFound
from .domain.identifiers import check_nhs_number
from .domain.responsibility import Period, Responsibility, responsibility_at
from .keys import EncryptionKeyError
from .store import store_errors

T = TypeVar("T")

if TYPE_CHECKING:
    _Base = Application[UUID]
else:
    _Base = object


class CaseQueries(_Base):
    """Reads of cases, mixed into ``CaseTransferApplication``."""

    index_key: bytes
    clock: Callable[[], datetime]
    read_cache: CaseReadCache

    def check_store(self) -> None:
        """Raise StoreUnavailableError unless the store answers a read."""
        with store_errors():
            self.recorder.max_notification_id()

    def check_key(self) -> None:
        """Raise EncryptionKeyError unless the key reads the first and last events stored.

        Started with another key (or none, or one where there was none), the service
        could read no case, would write events that need a second key, and its child
        index would find no child: refuse to start instead.
        """
        with store_errors():
            last = self.recorder.max_notification_id()
            if last is None:
                return
            stored = [
                *self.recorder.select_notifications(start=None, limit=1),
                *self.recorder.select_notifications(start=last, limit=1),
            ]
        try:
            for event in stored:
                self.mapper.to_domain_event(event)
        except MapperDeserialisationError as error:
            if self.mapper.cipher is None:
                raise EncryptionKeyError(
                    "the events already stored are encrypted: set "
                    "CASE_TRANSFER_ENCRYPTION_KEY to the key they were written with"
                ) from error
            raise EncryptionKeyError(
                "CASE_TRANSFER_ENCRYPTION_KEY does not decrypt the events already stored: "
                "they were written with another key, or without one"
            ) from error

    def case(
        self, actor: Actor, case_id: UUID, *, as_known_at: datetime | None = None
    ) -> tuple[Case, datetime]:
        """The case now, for a party, the MASH or an auditor, and the instant it is seen at.

        With ``as_known_at``: the case as the record stood then, seen at that instant
        (a case not yet opened then is not found). Nothing after now can be known, so
        a later ``as_known_at`` shows the case now.
        """
        with store_errors():
            case = self._read(actor, case_id, copy.deepcopy)
            now = max(self.clock(), case.modified_on)
            if as_known_at is None or as_known_at >= now:
                return case, now
            known = self._replayed(case_id, as_known_at)
            if known is None:
                raise NotFound("No such case.", code="case-not-found")
            return known, as_known_at

    def cases_for_child(self, actor: Actor, nhs_number: str) -> tuple[list[Case], datetime]:
        """The child's cases visible to the caller, newest first, from the child index."""
        nhs = check_nhs_number(nhs_number)
        with store_errors():
            try:
                index: ChildIndex = self.repository.get(ChildIndex.id_for(nhs, self.index_key))
            except AggregateNotFoundError:
                return [], self.clock()
            cases = [self._load(case_id) for case_id in reversed(index.case_ids)]
            return [c for c in cases if may_see(actor, c)], self.clock()

    def responsibility(
        self,
        actor: Actor,
        case_id: UUID,
        *,
        at: datetime | None = None,
        as_known_at: datetime | None = None,
    ) -> Responsibility:
        """Who was responsible at ``at`` as the record stood at ``as_known_at`` (default: now)."""
        periods = self._periods_as_known_at(actor, case_id, as_known_at)
        return responsibility_at(periods, at or self.clock())

    def timeline(
        self, actor: Actor, case_id: UUID, *, as_known_at: datetime | None = None
    ) -> list[Period]:
        """The periods of responsibility, a scheduled hand-over included."""
        return self._periods_as_known_at(actor, case_id, as_known_at)

    def history(self, actor: Actor, case_id: UUID) -> list[Case.Event]:
        """Every event of the case in order; for parties and auditors, not the MASH."""
        if actor.role not in (AUTHORITY, AUDITOR):
            raise Forbidden("The full history is for the authorities of the case and auditors.")
        with store_errors():
            self._visible_case(actor, case_id)
            return list(self.events.get(case_id))  # type: ignore[arg-type]

    def _load(self, case_id: UUID) -> Case:
        case: object
        try:
            case = self.repository.get(case_id)
        except AggregateNotFoundError:
            case = None
        if not isinstance(case, Case):
            raise NotFound("No such case.", code="case-not-found")
        return case

    def _visible_case(self, actor: Actor, case_id: UUID) -> Case:
        """The case, if the caller may know it exists: to anyone else it does not (404)."""
        case = self._load(case_id)
        if not may_see(actor, case):
            raise NotFound("No such case.", code="case-not-found")
        return case

    def _read(self, actor: Actor, case_id: UUID, look: Callable[[Case], T]) -> T:
        """``look`` at the case from the read cache, if the caller may know it exists."""

        def visible(case: Case) -> T:
            if not may_see(actor, case):
                raise NotFound("No such case.", code="case-not-found")
            return look(case)

        try:
            return self.read_cache.read(case_id, visible)
        except AggregateNotFoundError:
            raise NotFound("No such case.", code="case-not-found") from None

    def _periods_as_known_at(
        self, actor: Actor, case_id: UUID, as_known_at: datetime | None
    ) -> list[Period]:
        with store_errors():
            periods = self._read(actor, case_id, lambda case: [replace(p) for p in case.periods])
            if as_known_at is None:
                return periods
            known = self._replayed(case_id, as_known_at)
            return known.periods if known is not None else []

    def _replayed(self, case_id: UUID, as_known_at: datetime) -> Case | None:
        """The case from only the events recorded up to ``as_known_at``; None before it
        was opened."""
        known: Case | None = None
        for event in self.events.get(case_id):
            assert isinstance(event, Case.Event)
            if event.timestamp > as_known_at:
                break
            known = event.mutate(known)
        return known


def may_see(actor: Actor, case: Case) -> bool:
    """Whether the caller may know the case exists: parties, the MASH and auditors."""
    if actor.role != AUTHORITY:
        return True
    return actor.authority in case.parties()
