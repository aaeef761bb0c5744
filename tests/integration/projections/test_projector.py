"""The projector in one process: every case event applied once, the position at the
head, a failed batch leaving no trace, and nothing one process remembers misleading
another.

The oracle is the event store (``processes.expected_tables``): each case's rows as
``rows_of`` derives them from the case loaded from the store, and the number of case
events in the log. Every test runs on a fresh SQLite file and a fresh PostgreSQL
schema (``read_store``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import Connection, func, select
from sqlalchemy.exc import IntegrityError

from service.adapters.event_store import StoreUnavailableError
from service.adapters.log_follower import BackgroundFollower, Progress, ReadModelsBehindError
from service.adapters.sql import open_engine, writing
from service.adapters.tables import positions
from service.application import CaseTransferApplication, ChangeRequest
from service.domain.calendar import london_date
from service.domain.case import CASE_TOPICS, Case
from service.projections import projector as runner
from service.projections.projector import Batch, Projector
from service.projections.rows import CaseRows, rows_of
from service.projections.tables import LIVE, READ_MODELS
from service.settings import Settings

from .conftest import ReadStore, open_read_store
from .processes import (
    BRISTOL,
    SOMERSET,
    actual_tables,
    case_events,
    expected_tables,
    hand_over,
    keyed,
    position_row,
    random_nhs_number,
)

WAIT = 10.0  # seconds any wait on a position may take before the test fails
Step = Callable[[CaseTransferApplication], None]


def assert_matches_the_log(store: ReadStore) -> None:
    """Whole tables equal the oracle's; the position is the head; each case event counted once."""
    assert actual_tables(store.engine) == expected_tables(store.application)
    assert position_row(store.engine) == (store.projector.head(), case_events(store.application))


def wait_for_position(store: ReadStore, target: int, timeout: float = WAIT) -> None:
    """Wait (bounded) until the committed position reaches ``target``."""
    deadline = time.monotonic() + timeout
    while store.projector.position() < target:
        assert time.monotonic() < deadline, (store.projector.position(), target)
        time.sleep(0.01)


@contextmanager
def position_locked(store: ReadStore) -> Iterator[None]:
    """Another connection holds the position row as a projecting process's batch does:
    ``SELECT … FOR UPDATE`` on PostgreSQL, the write lock (BEGIN IMMEDIATE) on SQLite."""
    with writing(store.engine) as connection:
        statement = select(positions.c.position).where(positions.c.name == READ_MODELS)
        if connection.dialect.name == "postgresql":
            statement = statement.with_for_update()
        connection.execute(statement).one()
        yield


class InjectedFailureError(Exception):
    """Raised by FailingProjector after it has written a batch's rows."""


class FailingProjector(Projector):
    """While ``failing``: writes a batch's rows, then fails before the position moves."""

    def __init__(self, store: ReadStore) -> None:
        super().__init__(store.application, store.engine)
        self.failing = True
        self.failed = threading.Event()
        self.cases_written: int | None = None

    def _write_rows(self, connection: Connection, batch: Batch) -> None:
        super()._write_rows(connection, batch)
        if self.failing:
            count = select(func.count()).select_from(LIVE.cases)
            self.cases_written = connection.scalar(count)
            self.failed.set()
            raise InjectedFailureError("after writing the batch's rows")


def record_more(store: ReadStore, case_id: UUID) -> None:
    """Change a case the read models already hold, and open new ones."""
    store.application.record_local_reference(
        SOMERSET, case_id, ChangeRequest(), reference="SOM-RENAMED"
    )
    for n in range(10, 13):
        hand_over(store.application, n)


class TestCatchUp:
    @pytest.mark.parametrize("batch", [1, 7, Projector.BATCH])
    def test_applies_every_case_event_once_and_reaches_the_head(
        self, read_store: ReadStore, batch: int
    ) -> None:
        for n in range(8):  # every ending: accepted, closed, declined, accepted for tomorrow
            hand_over(read_store.application, n)
        read_store.projector.BATCH = batch
        head, count = read_store.projector.head(), case_events(read_store.application)

        progress = read_store.projector.catch_up()

        assert progress == Progress(position=head, head=head, events=count)
        assert_matches_the_log(read_store)
        assert all(actual_tables(read_store.engine).values()), "every table has rows"

    def test_catching_up_again_changes_nothing(self, read_store: ReadStore) -> None:
        for n in range(4):
            hand_over(read_store.application, n)
        read_store.projector.catch_up()
        tables, position = actual_tables(read_store.engine), position_row(read_store.engine)

        again = read_store.projector.catch_up()

        assert again.events == 0
        assert position_row(read_store.engine) == position
        assert actual_tables(read_store.engine) == tables

    def test_applies_only_what_is_new_to_cases_it_already_holds(
        self, read_store: ReadStore
    ) -> None:
        first = hand_over(read_store.application, 0)
        read_store.projector.catch_up()
        _, applied = position_row(read_store.engine)
        before = case_events(read_store.application)

        record_more(read_store, first)
        progress = read_store.projector.catch_up()

        assert progress.events == case_events(read_store.application) - before
        assert position_row(read_store.engine)[1] == applied + progress.events
        assert_matches_the_log(read_store)

    @pytest.mark.parametrize("batch", [1, Projector.BATCH])
    def test_non_case_events_move_the_position_but_are_not_counted(
        self, read_store: ReadStore, batch: int
    ) -> None:
        """Each opening with an NHS number and a key also records the child index's two
        events and the remembered request, after the case's own event."""
        for _ in range(3):
            read_store.application.open_case(
                SOMERSET,
                keyed(),
                local_reference="SOM-1",
                nhs_number=random_nhs_number(),
                date_of_birth=None,
                expected_date_of_birth=london_date(read_store.clock.now()) + timedelta(days=30),
            )
        head = read_store.projector.head()
        last = read_store.application.recorder.select_notifications(start=head, limit=1)
        assert (head, last[0].topic in CASE_TOPICS) == (12, False)  # the log ends off-case
        read_store.projector.BATCH = batch

        progress = read_store.projector.catch_up()

        assert (progress.position, progress.events) == (12, 3)
        assert position_row(read_store.engine) == (12, 3)
        assert_matches_the_log(read_store)


class TestWaitFor:
    def test_returns_at_once_when_the_tables_are_caught_up(self, read_store: ReadStore) -> None:
        hand_over(read_store.application, 0)
        read_store.projector.catch_up()
        head = read_store.projector.head()

        with position_locked(read_store):  # a wait for the lock would last 10 s
            started = time.monotonic()
            assert read_store.projector.wait_for(head, timeout=WAIT) == head
            assert time.monotonic() - started < 1.0

    def test_catches_up_itself_when_behind(self, read_store: ReadStore) -> None:
        hand_over(read_store.application, 0)
        outcome = read_store.application.open_case(
            SOMERSET,
            keyed(),
            local_reference="SOM-2",
            nhs_number=random_nhs_number(),
            date_of_birth=None,
            expected_date_of_birth=london_date(read_store.clock.now()) + timedelta(days=30),
        )

        reached = read_store.projector.wait_for(outcome.position, timeout=WAIT)

        assert reached == read_store.projector.head() >= outcome.position
        assert_matches_the_log(read_store)

    def test_gives_up_within_its_timeout_while_another_process_holds_the_position(
        self, read_store: ReadStore
    ) -> None:
        settings = Settings(database_url=read_store.settings.database_url, store_timeout_seconds=2)
        other = open_read_store(settings, read_store.clock)
        try:
            hand_over(other.application, 0)
            head = other.projector.head()
            with position_locked(read_store):
                started = time.monotonic()
                with pytest.raises(ReadModelsBehindError):
                    other.projector.wait_for(head, timeout=0.5)
                assert time.monotonic() - started < 1.5
        finally:
            other.close()

    def test_an_unreachable_read_model_database_is_a_store_outage(
        self, read_store: ReadStore, tmp_path: Path
    ) -> None:
        if read_store.engine.dialect.name == "postgresql":
            url = "postgresql://postgres@127.0.0.1:1/test"  # nothing listens on port 1
        else:
            url = f"sqlite:///{tmp_path}"  # a directory: not a database file
        engine = open_engine(Settings(database_url=url, store_timeout_seconds=1))
        projector = Projector(read_store.application, engine)
        hand_over(read_store.application, 0)
        try:
            with pytest.raises(StoreUnavailableError):
                projector.position()
            with pytest.raises(StoreUnavailableError):
                projector.wait_for(read_store.projector.head(), timeout=2.0)
            with pytest.raises(StoreUnavailableError):
                projector.catch_up()
        finally:
            engine.dispose()


class TestAFailedBatch:
    """A batch that fails after writing rows leaves neither its rows nor its position."""

    def test_failing_after_writing_rows_rolls_back_rows_and_position_together(
        self, read_store: ReadStore
    ) -> None:
        first = hand_over(read_store.application, 0)
        read_store.projector.catch_up()
        tables, position = actual_tables(read_store.engine), position_row(read_store.engine)
        record_more(read_store, first)
        failing = FailingProjector(read_store)

        with pytest.raises(InjectedFailureError):
            failing.catch_up()

        assert failing.cases_written == len(tables["rm_cases"]) + 3  # written, then lost
        assert actual_tables(read_store.engine) == tables
        assert position_row(read_store.engine) == position
        failing.failing = False
        failing.catch_up()
        assert_matches_the_log(read_store)

    def test_a_case_whose_rows_violate_a_constraint_rolls_back_the_whole_batch(
        self, read_store: ReadStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        first = hand_over(read_store.application, 0)
        read_store.projector.catch_up()
        tables, position = actual_tables(read_store.engine), position_row(read_store.engine)
        record_more(read_store, first)

        def duplicated_periods(case: Case, key: bytes) -> CaseRows:
            rows = rows_of(case, key)
            rows.periods.append(dict(rows.periods[0]))  # the same primary key twice
            return rows

        monkeypatch.setattr(runner, "rows_of", duplicated_periods)  # what _derive calls
        with pytest.raises(IntegrityError):
            read_store.projector.catch_up()
        assert actual_tables(read_store.engine) == tables
        assert position_row(read_store.engine) == position

        monkeypatch.setattr(runner, "rows_of", rows_of)
        read_store.projector.catch_up()
        assert_matches_the_log(read_store)


def transfer_steps(case_id: UUID, today: date) -> list[Step]:
    """A case's steps from a proposal to a hand-over and its closure, one event each."""
    transfer: list[UUID] = []

    def propose(application: CaseTransferApplication) -> None:
        outcome = application.propose_transfer(
            SOMERSET, case_id, ChangeRequest(), to_authority="801", reason="Moved again"
        )
        assert outcome.transfer_id is not None
        transfer.append(outcome.transfer_id)

    def share(application: CaseTransferApplication) -> None:
        application.share_information(
            SOMERSET,
            case_id,
            transfer[0],
            ChangeRequest(),
            categories=["assessment"],
            references=["DOC-2"],
            shared_on=today,
        )

    def propose_date(application: CaseTransferApplication) -> None:
        application.propose_transfer_date(BRISTOL, case_id, transfer[0], ChangeRequest(), on=today)

    def agree_date(application: CaseTransferApplication) -> None:
        application.agree_transfer_date(SOMERSET, case_id, transfer[0], ChangeRequest(), on=today)

    def accept(application: CaseTransferApplication) -> None:
        application.accept_responsibility(BRISTOL, case_id, transfer[0], ChangeRequest())

    def refer(application: CaseTransferApplication) -> None:
        application.record_local_reference(BRISTOL, case_id, ChangeRequest(), reference="BRI-9")

    def close(application: CaseTransferApplication) -> None:
        application.close_case(BRISTOL, case_id, ChangeRequest(), reason_code="RC2")

    return [propose, share, propose_date, agree_date, accept, refer, close]


class TestProcessesSharingOneDatabase:
    def test_what_one_process_remembers_never_makes_another_wrong(
        self, read_store: ReadStore
    ) -> None:
        """Two processes take turns recording a case's steps and catching up, in every
        pairing: each one's cache holds versions of the case the other has moved past."""
        other = read_store.reopen()
        try:
            stores = [read_store, other]
            today = london_date(read_store.clock.now())
            cases = [hand_over(read_store.application, 2) for _ in range(2)]  # declined
            for case_id in cases:
                for turn, step in enumerate(transfer_steps(case_id, today)):
                    step(stores[turn % 2].application)
                    stores[(turn // 2) % 2].projector.catch_up()
                    assert_matches_the_log(read_store)
        finally:
            other.close()


class TestBackgroundFollower:
    def test_catches_up_without_being_asked(self, read_store: ReadStore) -> None:
        background = BackgroundFollower(read_store.projector, interval=0.05)
        background.start()
        try:
            for n in range(4):
                hand_over(read_store.application, n)
            wait_for_position(read_store, read_store.projector.head())
        finally:
            background.stop()
        assert_matches_the_log(read_store)

    def test_logs_a_failure_and_recovers_once_its_cause_is_removed(
        self, read_store: ReadStore, caplog: pytest.LogCaptureFixture
    ) -> None:
        failing = FailingProjector(read_store)
        background = BackgroundFollower(failing, interval=0.05)
        caplog.set_level(logging.ERROR, logger="service.projections")
        hand_over(read_store.application, 0)
        background.start()
        try:
            assert failing.failed.wait(WAIT)
            assert read_store.projector.position() == 0
            failing.failing = False
            wait_for_position(read_store, read_store.projector.head())
        finally:
            background.stop()

        failures = [r for r in caplog.records if r.name == "service.projections"]
        assert failures, caplog.text
        assert failures[0].levelno == logging.ERROR
        assert failures[0].exc_info is not None
        assert isinstance(failures[0].exc_info[1], InjectedFailureError)
        assert_matches_the_log(read_store)
