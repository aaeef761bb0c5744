"""The application's unit of work, in memory: lost races, retries, If-Match.

A race is made, not hoped for: the application reads its clock after loading the case
and before saving it, so a clock that records another writer's step at that moment
makes the command's save lose, exactly as a concurrent request would. The store is
eventsourcing's own in-memory one (``bootstrap.open_memory_store``), whose saves
conflict on a stale version like the SQL stores'.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest

from service.application import (
    CaseTransferApplication,
    ChangeRequest,
    StaleVersionError,
    WriteConflictError,
)
from service.application.idempotency import RequestIdentity
from service.bootstrap import open_memory_store
from service.domain.actors import Actor
from service.domain.case import Case
from service.domain.errors import InvalidInput, RuleViolation

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
SOMERSET = Actor("Somerset case system", "authority", "933")
NHS_NUMBER = "9434765919"


class RacingClock:
    """The application's clock; a write queued with ``race`` runs the next time the clock
    is read, i.e. between a command's load and its save."""

    def __init__(self) -> None:
        self.now = T0
        self._writes: list[Callable[[], object]] = []
        self._always: Callable[[], object] | None = None
        self._racing = False

    def race(self, *writes: Callable[[], object]) -> None:
        self._writes.extend(writes)

    def race_every_time(self, write: Callable[[], object]) -> None:
        self._always = write

    def __call__(self) -> datetime:
        if not self._racing:
            write = self._writes.pop(0) if self._writes else self._always
            if write is not None:
                self._racing = True  # the racing write reads the clock too
                try:
                    write()
                finally:
                    self._racing = False
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def clock() -> RacingClock:
    return RacingClock()


@pytest.fixture
def app(clock: RacingClock) -> Iterator[CaseTransferApplication]:
    application = open_memory_store(clock)
    yield application
    application.close()


def open_case(app: CaseTransferApplication, request: ChangeRequest | None = None) -> UUID:
    outcome = app.open_case(
        SOMERSET,
        request or ChangeRequest(),
        local_reference="SOM-1",
        nhs_number=NHS_NUMBER,
        date_of_birth=date(2019, 5, 4),
        expected_date_of_birth=None,
    )
    return outcome.case.id


def keyed(key: str, body: object = None) -> ChangeRequest:
    return ChangeRequest(identity=RequestIdentity.of(SOMERSET.name, key, "POST", "/x", body))


def history(app: CaseTransferApplication, case_id: UUID) -> list[str]:
    return [type(event).__name__ for event in app.history(SOMERSET, case_id)]


class TestALostRace:
    def test_is_checked_again_and_recorded_after_the_winner(
        self, app: CaseTransferApplication, clock: RacingClock
    ) -> None:
        case_id = open_case(app)
        clock.race(
            lambda: app.record_local_reference(SOMERSET, case_id, ChangeRequest(), reference="S2")
        )

        outcome = app.propose_transfer(
            SOMERSET, case_id, ChangeRequest(), to_authority="801", reason="Moved"
        )

        assert history(app, case_id) == [
            "CaseOpened",
            "LocalReferenceRecorded",
            "TransferProposed",
        ]
        assert outcome.case.version == 3

    def test_gets_the_refusal_of_the_rule_the_winner_now_meets(
        self, app: CaseTransferApplication, clock: RacingClock
    ) -> None:
        case_id = open_case(app)
        clock.race(
            lambda: app.propose_transfer(
                SOMERSET, case_id, ChangeRequest(), to_authority="383", reason="To Leeds"
            )
        )

        with pytest.raises(RuleViolation) as refused:
            app.propose_transfer(
                SOMERSET, case_id, ChangeRequest(), to_authority="801", reason="To Bristol"
            )

        assert refused.value.code == "transfer-in-progress"
        assert history(app, case_id) == ["CaseOpened", "TransferProposed"]

    def test_with_a_pinned_version_is_stale_and_not_retried(
        self, app: CaseTransferApplication, clock: RacingClock
    ) -> None:
        case_id = open_case(app)
        clock.race(
            lambda: app.record_local_reference(SOMERSET, case_id, ChangeRequest(), reference="S2")
        )

        with pytest.raises(StaleVersionError):
            app.propose_transfer(
                SOMERSET,
                case_id,
                ChangeRequest(expected_version=1),
                to_authority="801",
                reason="Moved",
            )

        assert history(app, case_id) == ["CaseOpened", "LocalReferenceRecorded"]

    def test_lost_every_time_ends_in_a_write_conflict_to_retry_later(
        self, app: CaseTransferApplication, clock: RacingClock
    ) -> None:
        case_id = open_case(app)
        references = iter(range(1000))
        clock.race_every_time(
            lambda: app.record_local_reference(
                SOMERSET,
                case_id,
                ChangeRequest(),
                reference=f"S-{next(references)}",
            )
        )

        with pytest.raises(WriteConflictError):
            app.propose_transfer(
                SOMERSET, case_id, ChangeRequest(), to_authority="801", reason="Moved"
            )

        assert "TransferProposed" not in history(app, case_id)

    def test_a_second_open_case_for_the_child_loses_to_the_first(
        self, app: CaseTransferApplication, clock: RacingClock
    ) -> None:
        winner: list[UUID] = []
        clock.race(lambda: winner.append(open_case(app)))

        with pytest.raises(RuleViolation) as refused:
            open_case(app)

        assert refused.value.code == "child-has-open-case"
        assert [case.id for case in app.cases_for_child(SOMERSET, NHS_NUMBER)[0]] == winner


class TestIfMatch:
    def test_a_version_the_case_has_left_is_refused_before_any_rule(
        self, app: CaseTransferApplication
    ) -> None:
        case_id = open_case(app)
        app.record_local_reference(SOMERSET, case_id, ChangeRequest(), reference="S2")

        with pytest.raises(StaleVersionError) as refused:
            app.close_case(SOMERSET, case_id, ChangeRequest(expected_version=1), reason_code="XX")

        assert refused.value.code == "version-mismatch"
        assert "version 2" in refused.value.detail

    def test_the_current_version_lets_the_step_through(self, app: CaseTransferApplication) -> None:
        case_id = open_case(app)

        outcome = app.close_case(
            SOMERSET, case_id, ChangeRequest(expected_version=1), reason_code="RC8"
        )

        assert outcome.case.status == "closed"


class TestIdempotency:
    def test_a_retry_answers_the_first_answer_and_records_nothing(
        self, app: CaseTransferApplication
    ) -> None:
        case_id = open_case(app)
        first = app.propose_transfer(
            SOMERSET, case_id, keyed("k1", "801"), to_authority="801", reason="Moved"
        )

        again = app.propose_transfer(
            SOMERSET, case_id, keyed("k1", "801"), to_authority="801", reason="Moved"
        )

        assert again.replayed and not first.replayed
        assert (again.case.version, again.transfer_id, again.now) == (
            first.case.version,
            first.transfer_id,
            first.now,
        )
        assert history(app, case_id) == ["CaseOpened", "TransferProposed"]

    def test_the_same_key_for_another_request_is_refused(
        self, app: CaseTransferApplication
    ) -> None:
        case_id = open_case(app)
        app.propose_transfer(
            SOMERSET, case_id, keyed("k1", "801"), to_authority="801", reason="Moved"
        )

        with pytest.raises(InvalidInput) as refused:
            app.propose_transfer(
                SOMERSET, case_id, keyed("k1", "383"), to_authority="383", reason="Moved"
            )

        assert refused.value.code == "idempotency-key-reused"

    def test_a_retry_racing_its_original_is_answered_as_the_original(
        self, app: CaseTransferApplication, clock: RacingClock
    ) -> None:
        """The original succeeds while its retry is in flight: the retry, re-checked, would
        be refused (a transfer is now in progress); it answers as the original did."""
        case_id = open_case(app)
        originals: list[UUID | None] = []

        def original() -> None:
            outcome = app.propose_transfer(
                SOMERSET, case_id, keyed("k1", "801"), to_authority="801", reason="Moved"
            )
            originals.append(outcome.transfer_id)

        clock.race(original)

        retry = app.propose_transfer(
            SOMERSET, case_id, keyed("k1", "801"), to_authority="801", reason="Moved"
        )

        assert retry.replayed
        assert [retry.transfer_id] == originals
        assert history(app, case_id) == ["CaseOpened", "TransferProposed"]


class TestPositions:
    def test_each_change_answers_the_log_position_it_reached(
        self, app: CaseTransferApplication
    ) -> None:
        opened = app.open_case(
            SOMERSET,
            ChangeRequest(),
            local_reference="SOM-9",
            nhs_number=None,
            date_of_birth=date(2019, 5, 4),
            expected_date_of_birth=None,
        )
        proposed = app.propose_transfer(
            SOMERSET, opened.case.id, ChangeRequest(), to_authority="801", reason="Moved"
        )

        assert 0 < opened.position < proposed.position
        assert proposed.position == app.recorder.max_notification_id()
        assert isinstance(proposed.case, Case)
