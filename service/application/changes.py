"""How every change is made: load, check at ``now``, save atomically, retry a lost race.

A command loads the case, lets the aggregate apply its rules at ``now`` and saves the
new events together with whatever else must change atomically (the child index, the
remembered request). When a save loses a race to another writer, the command is
re-checked against the new state and retried after a short random pause (so racing
writers spread out instead of colliding again), unless the caller pinned a version
with ``If-Match``, in which case it is refused as stale. A change that still loses
after every retry is a 503 with Retry-After (``WriteConflictError``), never a 409:
nothing the caller sent was wrong. A retry of a request already
answered (the same ``Idempotency-Key``) gets the first answer and records nothing.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError

from service.adapters.deadline import bounded
from service.adapters.event_store import store_errors
from service.adapters.recorders import DEADLINE, CommitDeadline, CommitTooLateError
from service.domain.access import acting_agency, acting_authority, require_decisions_visible
from service.domain.actors import Actor
from service.domain.case import Case
from service.domain.child_index import ChildIndex
from service.domain.errors import DomainError

from .idempotency import RememberedRequest
from .outcome import ChangeRequest, Outcome, StaleVersionError, WriteConflictError

if TYPE_CHECKING:
    _Base = Application[UUID]
else:
    _Base = object

Step = Callable[..., Any]
"""A command of the case aggregate, called as ``step(case, by=actor, now=now, **fields)``."""


class Changes(_Base):
    """The unit of work every command goes through, mixed into the application."""

    MAX_ATTEMPTS = 8
    RETRY_PAUSE = 0.005
    """Seconds; the n-th retry pauses a random time up to this times 2**n (1.3 s at most)."""
    index_key: bytes
    clock: Callable[[], datetime]
    settle_margin: timedelta

    if TYPE_CHECKING:

        def _visible_case(self, actor: Actor, case_id: UUID) -> Case:
            """The case, if the caller may know it exists (``CaseQueries`` provides it)."""

        def _load(self, case_id: UUID) -> Case:
            """The case, whoever asks (``CaseQueries`` provides it)."""

    def _change(
        self,
        actor: Actor,
        case_id: UUID,
        request: ChangeRequest,
        step: Step,
        *,
        creates_transfer: bool = False,
        closes: bool = False,
        settles: bool = False,
        decision: bool = False,
        **fields: Any,
    ) -> Outcome:
        """Apply ``step`` to the case at ``now`` and save it, retrying a lost race.

        ``settles``: the step accepts or withdraws the transfer ``fields["transfer_id"]``,
        changing who is responsible from its effective instant, so the save must commit
        before then (``_commit_deadline``).
        ``decision``: a step of a strategy discussion or professional difference, which
        a partner taking part in the case's decisions may take too. ``creates_transfer``:
        the step returns the id of what it creates (a transfer, a discussion, a dissent,
        a difference), remembered with the request so a retry answers with it.
        """
        if decision:
            acting_agency(actor)
        else:
            acting_authority(actor)

        def attempt() -> Outcome | None:
            if decision:
                case = self._load(case_id)
                require_decisions_visible(actor, case)
            else:
                case = self._visible_case(actor, case_id)
            if request.expected_version not in (None, case.version):
                raise StaleVersionError.of(request.expected_version, case.version)
            started = time.monotonic()
            now = max(self.clock(), case.modified_on)
            result = step(case, by=actor, now=now, **fields)
            transfer_id = result if creates_transfer else None
            index = None
            if closes and case.nhs_number is not None:
                index = self._child_index(case.nhs_number)
                index.close_case(case.id)
            deadline = None
            if settles:
                effective_at = case.transfer(fields["transfer_id"]).effective_at
                deadline = self._commit_deadline(effective_at, now, started)
            elif closes:
                deadline = self._commit_deadline(case.periods[-1].until, now, started)
            position = self._save(
                case, now, request, index, transfer_id=transfer_id, deadline=deadline
            )
            if position is None:
                return None
            return Outcome(
                case, now, created=creates_transfer, transfer_id=transfer_id, position=position
            )

        return self._retrying(request, attempt)

    def _retrying(self, request: ChangeRequest, attempt: Callable[[], Outcome | None]) -> Outcome:
        """Run ``attempt`` until it saves, answering a repeated request with its first answer.

        ``attempt`` returns None when its save lost a race: it is run again against the
        new state, so the winner's change is re-checked by the rules.

        The first attempt does not look for an earlier answer first: a request is new far
        more often than it is repeated, and a repeat is still never recorded twice, since
        its remembered request is saved atomically with its change and the earlier one's
        makes that save lose (IntegrityError), or the rules refuse the change again. Either
        way the earlier answer is looked for then, and given. That saves every new request
        a query (a transaction on the store) before its load.
        """
        for tried in range(self.MAX_ATTEMPTS):
            if tried:
                # Random, and doubling: writers that collided spread out. Never past the
                # request's deadline.
                time.sleep(bounded(random.uniform(0, self.RETRY_PAUSE * 2**tried)))
            with store_errors():
                if tried:
                    replay = self._replay(request)
                    if replay is not None:
                        return replay
                try:
                    outcome = attempt()
                except CommitTooLateError:
                    continue  # rolled back, nothing recorded: again, with a new ``now``
                except DomainError:
                    # A retry racing its own original under the same key: the original's
                    # success may be what refuses it now; answer as the original did.
                    replay = self._replay(request)
                    if replay is not None:
                        return replay
                    raise
                if outcome is not None:
                    return outcome
                replay = self._replay(request)  # the race lost may be to its own original
                if replay is not None:
                    return replay
            if request.expected_version is not None:
                # Lost a race against the version the caller pinned: stale, not retried.
                raise StaleVersionError.of(request.expected_version, None)
        raise WriteConflictError("too many writers are changing this case at once")

    def _save(
        self,
        case: Case,
        now: datetime,
        request: ChangeRequest,
        index: ChildIndex | None,
        *,
        created: bool = False,
        transfer_id: UUID | None = None,
        deadline: CommitDeadline | None = None,
    ) -> int | None:
        """Save atomically and return the log position reached; None when another writer
        got there first (re-check and retry). Given a ``deadline``, the store rolls the
        save back with CommitTooLateError if it is not ready to commit by then."""
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
            recordings = self.save(case, index, remembered, **{DEADLINE: deadline})
        except IntegrityError:
            return None
        if not recordings:  # the command recorded nothing: the log stands where it was
            return int(self.recorder.max_notification_id() or 0)
        return max(recording.notification.id for recording in recordings)

    def _commit_deadline(
        self, effective_at: datetime | None, now: datetime, started: float
    ) -> CommitDeadline | None:
        """By when a save that accepts or withdraws a transfer, or closes the case, must be
        ready to commit; ``effective_at``: when the change of responsibility takes effect
        (None: a withdrawal before acceptance, which moves nobody's responsibility).

        Rule 3 exactly: whoever asked "who is responsible at T" before the commit must
        get the same answer about T after it. The change takes effect at least
        ``settle_margin`` after the acceptance's (or the closure's) recorded time; the
        save must be ready to commit half the margin before it, which leaves the commit
        itself the other half. A save that is later is rolled back and the command runs
        again with a new ``now`` (a withdrawal then finds the transfer complete, and is
        refused). The budget, ``effective_at - margin / 2 - now``, is measured on the
        monotonic clock from the moment ``now`` was read.
        """
        if effective_at is None:
            return None
        if not self.settle_margin:  # turned off (tests whose clocks stand still)
            return None
        budget = effective_at - self.settle_margin / 2 - now
        return CommitDeadline.within(budget.total_seconds(), since=started)

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
