"""The application: the use cases of DESIGN.md as commands and queries over the event store.

Each command loads the case, lets the aggregate apply its rules at ``now`` and saves
the new events together with whatever else must change atomically (the child index,
the remembered request). When a save loses a race to another writer, the command is
re-checked against the new state and retried, unless the caller pinned a version
with ``If-Match``, in which case it is refused as stale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    Transcoding,
)

from .append_only import protect_event_tables
from .case_cache import CaseReadCache
from .case_queries import CaseQueries, may_see
from .domain.actors import Actor
from .domain.case import Case
from .domain.child_index import ChildIndex
from .domain.errors import DomainError, RuleViolation
from .domain.identifiers import check_nhs_number
from .idempotency import RememberedRequest, RequestIdentity
from .store import (
    StoreUnavailableError,
    startup_lock,
    store_errors,
    wait_for_sqlite_writer_as_long_as_for_its_lock,
)

__all__ = [
    "CaseTransferApplication",
    "ChangeRequest",
    "Outcome",
    "StaleVersionError",
    "StoreUnavailableError",
    "may_see",
    "store_errors",
    "utc_now",
]

T = TypeVar("T")
Command = Callable[[Case, datetime], Any]


def utc_now() -> datetime:
    return datetime.now(tz=UTC)


class StaleVersionError(DomainError):
    """Raised when ``If-Match`` names a version the case has moved past (412)."""

    code = "version-mismatch"
    title = "The case has changed since that version"


class DateAsISO(Transcoding):
    """Stores calendar dates (transfer dates, dates of birth) as ISO strings."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


@dataclass(frozen=True)
class ChangeRequest:
    """How a change was asked for: its idempotency identity and the version it expects."""

    identity: RequestIdentity | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class Outcome:
    """A case after a change, the instant the change was recorded, and what it created."""

    case: Case
    now: datetime
    created: bool = False
    transfer_id: UUID | None = None
    replayed: bool = False
    position: int = 0
    """The event log's position once the change is recorded: a read model that has
    reached it reflects the change (read your writes)."""


class CaseTransferApplication(CaseQueries, Application[UUID]):
    """Commands over the cases of every authority; the queries are ``CaseQueries``."""

    MAX_ATTEMPTS = 8

    def __init__(
        self,
        env: dict[str, str],
        clock: Callable[[], datetime] = utc_now,
        *,
        index_key: bytes,
    ) -> None:
        """``index_key`` keys the child index's hash of NHS numbers (``Settings.index_key``).

        Open every store with the same key: under another key the existing index
        entries are not found (there is no rotation yet).
        """
        self.index_key = index_key
        with store_errors(), startup_lock(env):
            super().__init__(env=env)
            protect_event_tables(self)
            wait_for_sqlite_writer_as_long_as_for_its_lock(self, env)
        self.read_cache = CaseReadCache(self.events)
        self.clock = clock

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    # ---- commands -------------------------------------------------------------------

    def open_case(
        self,
        actor: Actor,
        request: ChangeRequest,
        *,
        local_reference: str,
        nhs_number: str | None,
        date_of_birth: date | None,
        expected_date_of_birth: date | None,
    ) -> Outcome:
        """Open a case; a child with an NHS number may have only one open case."""
        actor.acting_authority()
        nhs = check_nhs_number(nhs_number) if nhs_number is not None else None
        request = replace(request, expected_version=None)  # a new case has no version yet

        def attempt() -> Outcome | None:
            now = self.clock()
            case = Case.open(
                by=actor,
                now=now,
                local_reference=local_reference,
                nhs_number=nhs,
                date_of_birth=date_of_birth,
                expected_date_of_birth=expected_date_of_birth,
            )
            index = self._child_index(nhs) if nhs is not None else None
            if index is not None:
                index.add_open_case(case.id)
            position = self._save(case, now, request, index, created=True)
            if position is not None:
                return Outcome(case, now, created=True, position=position)
            return None

        return self._retrying(request, attempt)

    def record_local_reference(
        self, actor: Actor, case_id: UUID, request: ChangeRequest, *, reference: str
    ) -> Outcome:
        return self._change(
            actor,
            case_id,
            request,
            lambda case, now: case.record_local_reference(by=actor, now=now, reference=reference),
        )

    def record_assessment(
        self, actor: Actor, case_id: UUID, request: ChangeRequest, **fields: Any
    ) -> Outcome:
        return self._change(
            actor,
            case_id,
            request,
            lambda case, now: case.record_assessment(by=actor, now=now, **fields),
        )

    def propose_transfer(
        self, actor: Actor, case_id: UUID, request: ChangeRequest, *, to_authority: str, reason: str
    ) -> Outcome:
        return self._change(
            actor,
            case_id,
            request,
            lambda case, now: case.propose_transfer(
                by=actor, now=now, to_authority=to_authority, reason=reason
            ),
            creates_transfer=True,
        )

    def share_information(
        self, actor: Actor, case_id: UUID, transfer_id: UUID, request: ChangeRequest, **fields: Any
    ) -> Outcome:
        return self._change(
            actor,
            case_id,
            request,
            lambda case, now: case.share_information(
                by=actor, now=now, transfer_id=transfer_id, **fields
            ),
        )

    def confirm_information_received(
        self, actor: Actor, case_id: UUID, transfer_id: UUID, request: ChangeRequest
    ) -> Outcome:
        return self._change(
            actor,
            case_id,
            request,
            lambda case, now: case.confirm_information_received(
                by=actor, now=now, transfer_id=transfer_id
            ),
        )

    def propose_transfer_date(
        self, actor: Actor, case_id: UUID, transfer_id: UUID, request: ChangeRequest, *, on: date
    ) -> Outcome:
        return self._change(
            actor,
            case_id,
            request,
            lambda case, now: case.propose_transfer_date(
                by=actor, now=now, transfer_id=transfer_id, on=on
            ),
        )

    def agree_transfer_date(
        self, actor: Actor, case_id: UUID, transfer_id: UUID, request: ChangeRequest, *, on: date
    ) -> Outcome:
        return self._change(
            actor,
            case_id,
            request,
            lambda case, now: case.agree_transfer_date(
                by=actor, now=now, transfer_id=transfer_id, on=on
            ),
        )

    def accept_responsibility(
        self, actor: Actor, case_id: UUID, transfer_id: UUID, request: ChangeRequest
    ) -> Outcome:
        return self._change(
            actor,
            case_id,
            request,
            lambda case, now: case.accept_responsibility(
                by=actor, now=now, transfer_id=transfer_id
            ),
        )

    def decline_transfer(
        self, actor: Actor, case_id: UUID, transfer_id: UUID, request: ChangeRequest, *, reason: str
    ) -> Outcome:
        return self._change(
            actor,
            case_id,
            request,
            lambda case, now: case.decline_transfer(
                by=actor, now=now, transfer_id=transfer_id, reason=reason
            ),
        )

    def withdraw_transfer(
        self, actor: Actor, case_id: UUID, transfer_id: UUID, request: ChangeRequest, *, reason: str
    ) -> Outcome:
        return self._change(
            actor,
            case_id,
            request,
            lambda case, now: case.withdraw_transfer(
                by=actor, now=now, transfer_id=transfer_id, reason=reason
            ),
        )

    def close_case(
        self, actor: Actor, case_id: UUID, request: ChangeRequest, *, reason_code: str
    ) -> Outcome:
        return self._change(
            actor,
            case_id,
            request,
            lambda case, now: case.close(by=actor, now=now, reason_code=reason_code),
            closes=True,
        )

    # ---- the machinery --------------------------------------------------------------

    def _change(
        self,
        actor: Actor,
        case_id: UUID,
        request: ChangeRequest,
        command: Command,
        *,
        creates_transfer: bool = False,
        closes: bool = False,
    ) -> Outcome:
        actor.acting_authority()

        def attempt() -> Outcome | None:
            case = self._visible_case(actor, case_id)
            if request.expected_version not in (None, case.version):
                raise _stale(request.expected_version, case.version)
            now = max(self.clock(), case.modified_on)
            result = command(case, now)
            transfer_id = result if creates_transfer else None
            index = None
            if closes and case.nhs_number is not None:
                index = self._child_index(case.nhs_number)
                index.close_case(case.id)
            position = self._save(case, now, request, index, transfer_id=transfer_id)
            if position is not None:
                return Outcome(
                    case,
                    now,
                    created=creates_transfer,
                    transfer_id=transfer_id,
                    position=position,
                )
            return None

        return self._retrying(request, attempt)

    def _retrying(self, request: ChangeRequest, attempt: Callable[[], Outcome | None]) -> Outcome:
        """Run ``attempt`` until it saves, answering a repeated request with its first answer.

        ``attempt`` returns None when its save lost a race: it is run again against the
        new state, so the winner's change is re-checked by the rules.
        """
        for _ in range(self.MAX_ATTEMPTS):
            with store_errors():
                replay = self._replay(request)
                if replay is not None:
                    return replay
                try:
                    outcome = attempt()
                except DomainError:
                    # A retry racing its own original under the same key: the original's
                    # success may be what refuses it now; answer as the original did.
                    replay = self._replay(request)
                    if replay is not None:
                        return replay
                    raise
                if outcome is not None:
                    return outcome
            if request.expected_version is not None:
                # Lost a race against the version the caller pinned: stale, not retried.
                raise _stale(request.expected_version, None)
        raise self._too_much_contention()

    def _save(
        self,
        case: Case,
        now: datetime,
        request: ChangeRequest,
        index: ChildIndex | None,
        *,
        created: bool = False,
        transfer_id: UUID | None = None,
    ) -> int | None:
        """Save atomically and return the log position reached; None when another writer
        got there first (re-check and retry)."""
        remembered = None
        if request.identity is not None:
            remembered = RememberedRequest.remember(
                request.identity,
                case_id=case.id,
                case_version=case.version,
                answered_at=now,
                created=created or transfer_id is not None,
                transfer_id=transfer_id,
            )
        try:
            recordings = self.save(case, index, remembered)
        except IntegrityError:
            return None
        if not recordings:  # the command recorded nothing: the log stands where it was
            return int(self.recorder.max_notification_id() or 0)
        return max(recording.notification.id for recording in recordings)

    def _replay(self, request: ChangeRequest) -> Outcome | None:
        """The first answer to this request, if it was already answered."""
        if request.identity is None:
            return None
        try:
            remembered: RememberedRequest = self.repository.get(request.identity.record_id)
        except AggregateNotFoundError:
            return None
        remembered.check_same_request(request.identity)
        case: Case = self.repository.get(remembered.case_id, version=remembered.case_version)
        return Outcome(
            case,
            remembered.answered_at,
            created=remembered.created,
            transfer_id=remembered.transfer_id,
            replayed=True,
            position=int(self.recorder.max_notification_id() or 0),
        )

    def _child_index(self, nhs_number: str) -> ChildIndex:
        try:
            index: ChildIndex = self.repository.get(ChildIndex.id_for(nhs_number, self.index_key))
        except AggregateNotFoundError:
            index = ChildIndex.start(nhs_number, self.index_key)
        return index

    @staticmethod
    def _too_much_contention() -> RuleViolation:
        return RuleViolation(
            "Too many writers are changing this case at once; try again.", code="write-conflict"
        )


def _stale(expected: int | None, current: int | None) -> StaleVersionError:
    now = f"; it is now at version {current}" if current is not None else ""
    return StaleVersionError(f"You sent If-Match for version {expected}{now}.")
