"""The queries of the application: a case as a party, the MASH or an auditor may see it.

Reads go through the read cache (``read_cache.py``), so their cost does not grow with a
case's history; replays "as the record stood" read the events up to that moment. Who
may see what is the domain's one access policy (``service.domain.access``).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import MapperDeserialisationError

from service.adapters.event_store import store_errors
from service.adapters.keys import EncryptionKeyError
from service.domain.access import may_see, no_such_case, require_history_reader, require_visible
from service.domain.actors import Actor
from service.domain.case import Case
from service.domain.case.responsibility import Period, Responsibility, responsibility_at
from service.domain.child_index import ChildIndex
from service.domain.identifiers import check_nhs_number

from .read_cache import CaseReadCache, ChildIndexReadCache

T = TypeVar("T")

LOOKUP_CASE_READS = 3
"""How many cases every NHS-number lookup reads at least, whether the child has that
many or none: a child with more takes longer to look up (its parties see them all)."""

if TYPE_CHECKING:
    _Base = Application[UUID]
else:
    _Base = object


class CaseQueries(_Base):
    """Reads of cases, mixed into ``CaseTransferApplication``."""

    index_key: bytes
    clock: Callable[[], datetime]
    read_cache: CaseReadCache
    index_cache: ChildIndexReadCache

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
            before = self.clock()  # before the read: see ``responsibility``
            case = self._read(actor, case_id, copy.deepcopy)
            now = max(before, case.modified_on)
            if as_known_at is None or as_known_at >= now:
                return case, now
            known = self._replayed(case_id, as_known_at)
            if known is None:
                raise no_such_case()
            return known, as_known_at

    def cases_for_child(self, actor: Actor, nhs_number: str) -> tuple[list[Case], datetime]:
        """The child's cases visible to the caller, newest first, from the child index.

        The work does not depend on whether the child has cases: every lookup reads the
        child's index through the read cache (a child without one is remembered too),
        then at least ``LOOKUP_CASE_READS`` cases through it, a child with fewer cases
        made up with reads of ids that name no case; each read is the same indexed
        query for the events after a version. Otherwise an authority that is no party
        to a child's cases could tell from the time an empty answer takes that the
        child has some. (What still differs, the first time a process reads a child's
        events, is in the README's security section.)
        """
        nhs = check_nhs_number(nhs_number)
        index_id = ChildIndex.id_for(nhs, self.index_key)
        with store_errors():
            now = self.clock()  # before the reads: see ``responsibility``
            case_ids = self.index_cache.read_or_none(index_id, _newest_first)
            cases = [self._read_if_visible(actor, case_id) for case_id in case_ids]
            for n in range(len(case_ids), LOOKUP_CASE_READS):
                self.read_cache.read_absent(_absent_id(self.index_key, index_id, n))
            visible = [case for case in cases if case is not None]
            return visible, max([now, *(case.modified_on for case in visible)])

    def responsibility(
        self,
        actor: Actor,
        case_id: UUID,
        *,
        at: datetime | None = None,
        as_known_at: datetime | None = None,
    ) -> Responsibility:
        """Who was responsible at ``at`` as the record stood at ``as_known_at`` (default: now).

        ``now`` is read before the record: an acceptance not yet committed then takes
        effect after its commit (``Changes._commit_deadline``), so after ``now``, and a
        later answer about that instant is the same (rule 3).
        """
        instant = at or self.clock()
        if as_known_at is None:  # the case as it stands: no period copied, whatever its length
            with store_errors():
                return self._read(
                    actor, case_id, lambda case: responsibility_at(case.periods, instant)
                )
        periods = self._periods_as_known_at(actor, case_id, as_known_at)
        return responsibility_at(periods, instant)

    def timeline(
        self, actor: Actor, case_id: UUID, *, as_known_at: datetime | None = None
    ) -> list[Period]:
        """The periods of responsibility, a scheduled hand-over included."""
        return self._periods_as_known_at(actor, case_id, as_known_at)

    def history(self, actor: Actor, case_id: UUID) -> list[Case.Event]:
        """Every event of the case in order; for parties and auditors, not the MASH."""
        require_history_reader(actor)
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
            raise no_such_case()
        return case

    def _visible_case(self, actor: Actor, case_id: UUID) -> Case:
        """The case, if the caller may know it exists: to anyone else it does not (404)."""
        case = self._load(case_id)
        require_visible(actor, case)
        return case

    def _read_if_visible(self, actor: Actor, case_id: UUID) -> Case | None:
        """A copy of the case from the read cache if the caller may see it, else None."""

        def look(case: Case) -> Case | None:
            return copy.deepcopy(case) if may_see(actor, case) else None

        try:
            return self.read_cache.read(case_id, look)
        except AggregateNotFoundError:
            return None

    def _read(self, actor: Actor, case_id: UUID, look: Callable[[Case], T]) -> T:
        """``look`` at the case from the read cache, if the caller may know it exists."""

        def visible(case: Case) -> T:
            require_visible(actor, case)
            return look(case)

        try:
            return self.read_cache.read(case_id, visible)
        except AggregateNotFoundError:
            raise no_such_case() from None

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


def _absent_id(key: bytes, index_id: UUID, n: int) -> UUID:
    """An id that names no case, the same for a child's ``n``-th made-up read each time
    (keyed, so nobody can record a case under it)."""
    digest = hmac.new(key, b"absent-case:" + index_id.bytes + bytes([n]), hashlib.sha256)
    return UUID(bytes=digest.digest()[:16])


def _newest_first(index: ChildIndex | None) -> list[UUID]:
    return list(reversed(index.case_ids)) if index is not None else []
