"""Feeding the ledger (``service.audit.ledger``): every event of the log chained once, in
order, however it is fed, by however many processes, while others write.

The oracle is the chain recomputed from the store with the pure functions of
``service.audit.chain`` (``LedgerStore.expected_rows``). Every test runs on a fresh
SQLite file and a fresh PostgreSQL schema.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from eventsourcing.persistence import Notification
from sqlalchemy import select, text

from service.adapters.log_follower import BackgroundFollower, ReadModelsBehindError
from service.adapters.sql import writing
from service.adapters.tables import LEDGER, positions
from service.audit.chain import EventFacts
from service.projections.replay import rebuild, swap

from .ledger_support import Attacker, LedgerStore, ledger_store

WAIT = 20.0  # seconds a wait on a log position may take before the test fails


@pytest.fixture(params=["sqlite", "postgres"])
def chained(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LedgerStore]:
    with ledger_store(request.param, tmp_path) as opened:
        yield opened


def position_row(target: LedgerStore) -> tuple[int, int]:
    with target.engine.connect() as connection:
        row = connection.execute(
            select(positions.c.position, positions.c.events_applied).where(
                positions.c.name == LEDGER
            )
        ).one()
    return int(row[0]), int(row[1])


class TestFeeding:
    def test_chains_every_event_of_the_log_not_only_the_cases(self, chained: LedgerStore) -> None:
        chained.record(cases=3)

        progress = chained.ledger.catch_up()

        rows = chained.ledger_rows()
        assert rows == chained.expected_rows()
        assert progress.position == progress.head == rows[-1][0]
        topics = {row[3].rpartition(":")[2].split(".")[0] for row in rows}
        assert topics == {"Case", "ChildIndex", "RememberedRequest"}

    def test_the_position_row_counts_every_event_chained(self, chained: LedgerStore) -> None:
        chained.record(cases=2)

        chained.ledger.catch_up()

        assert position_row(chained) == (chained.ledger.head(), len(chained.notifications()))

    @pytest.mark.parametrize("batch", [1, 3, 10_000])
    def test_the_chain_is_the_same_in_one_batch_or_many(
        self, chained: LedgerStore, batch: int
    ) -> None:
        chained.record(cases=3)
        chained.ledger.catch_up()
        fed_at_once = chained.ledger_rows()
        chained.forget_ledger()

        chained.ledger.BATCH = batch
        chained.ledger.catch_up()

        assert chained.ledger_rows() == fed_at_once == chained.expected_rows()

    def test_goes_on_from_where_it_stopped(self, chained: LedgerStore) -> None:
        chained.record(cases=1)
        first = chained.ledger.catch_up().events
        chained.record(cases=2, first=1)

        again = chained.ledger.catch_up()

        assert chained.ledger_rows() == chained.expected_rows()
        assert first + again.events == len(chained.notifications())

    def test_catching_up_at_the_head_changes_nothing(self, chained: LedgerStore) -> None:
        chained.record(cases=1)
        chained.ledger.catch_up()
        before = (chained.ledger_rows(), position_row(chained))

        again = chained.ledger.catch_up()

        assert again.events == 0
        assert (chained.ledger_rows(), position_row(chained)) == before

    def test_a_failed_batch_leaves_no_trace_and_the_next_one_succeeds(
        self, chained: LedgerStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        chained.record(cases=2)
        chained.ledger.BATCH = 4
        chained.ledger.catch_up(deadline=None)
        chained.forget_ledger()
        facts = chained.ledger.facts
        seen: list[int] = []

        def failing(notification: Notification) -> EventFacts:
            seen.append(notification.id)
            if len(seen) == 6:  # in the second batch
                raise RuntimeError("the process died here")
            return facts(notification)

        monkeypatch.setattr(chained.ledger, "facts", failing)
        with pytest.raises(RuntimeError):
            chained.ledger.catch_up()
        monkeypatch.undo()

        assert position_row(chained) == (4, 4)
        assert [row[0] for row in chained.ledger_rows()] == [1, 2, 3, 4]
        chained.ledger.catch_up()
        assert chained.ledger_rows() == chained.expected_rows()

    def test_is_never_rebuilt_by_replay(self, chained: LedgerStore) -> None:
        chained.record(cases=1)
        chained.ledger.catch_up()
        with chained.editing_ledger() as connection:  # evidence replay must not paper over
            connection.execute(text("UPDATE ledger SET topic = 'edited' WHERE position = 1"))
        before = chained.ledger_rows()

        swap(chained.application, chained.engine, rebuild(chained.application, chained.engine))

        assert chained.ledger_rows() == before


class TestGaps:
    def test_a_skipped_position_stays_a_gap_the_chain_steps_over(self, tmp_path: Path) -> None:
        with ledger_store("postgres", tmp_path) as target:
            target.record(cases=1)
            Attacker(target).skip_a_position()  # as a transaction that rolled back would
            target.record(cases=1, first=1)

            target.ledger.catch_up()

            positions_chained = [row[0] for row in target.ledger_rows()]
            assert len(positions_chained) < positions_chained[-1]  # there is a gap
            assert target.ledger_rows() == target.expected_rows()


class TestWaiting:
    def test_wait_for_catches_up_in_the_callers_thread(self, chained: LedgerStore) -> None:
        chained.record(cases=1)
        head = chained.ledger.head()

        assert chained.ledger.wait_for(head, timeout=WAIT) == head
        assert chained.ledger.position() == head

    def test_wait_for_gives_up_within_its_timeout_while_another_holds_the_ledger(
        self, chained: LedgerStore
    ) -> None:
        chained.record(cases=1)
        other = chained.reopen()
        try:
            with writing(other.engine) as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(
                        select(positions.c.position)
                        .where(positions.c.name == LEDGER)
                        .with_for_update()
                    )
                started = time.monotonic()
                with pytest.raises(ReadModelsBehindError):
                    chained.ledger.wait_for(chained.ledger.head(), timeout=0.5)
                assert time.monotonic() - started < 5
        finally:
            other.close()


class TestAlongsideWriters:
    def test_keeps_up_with_concurrent_writers_and_other_processes(
        self, chained: LedgerStore
    ) -> None:
        writers = [chained.reopen() for _ in range(3)]
        feeders = [chained.reopen() for _ in range(2)]
        for feeder in feeders:
            feeder.ledger.BATCH = 7
        done = threading.Event()
        errors: list[BaseException] = []

        def write(target: LedgerStore, first: int) -> None:
            try:
                target.record(cases=4, first=first)
            except BaseException as error:  # reported below, never lost
                errors.append(error)

        def feed(target: LedgerStore) -> None:
            try:
                while not done.is_set():
                    target.ledger.catch_up(deadline=time.monotonic() + 5)
            except BaseException as error:
                errors.append(error)

        feeding = [threading.Thread(target=feed, args=(f,)) for f in feeders]
        writing_threads = [
            threading.Thread(target=write, args=(w, 10 * n)) for n, w in enumerate(writers)
        ]
        try:
            for thread in (*feeding, *writing_threads):
                thread.start()
            for thread in writing_threads:
                thread.join()
            done.set()
            for thread in feeding:
                thread.join()
            chained.ledger.catch_up()
        finally:
            for opened in (*writers, *feeders):
                opened.close()

        assert errors == []
        assert chained.ledger_rows() == chained.expected_rows()
        assert position_row(chained) == (chained.ledger.head(), len(chained.notifications()))

    def test_shares_the_event_stores_connections_with_writers_in_its_process(
        self, chained: LedgerStore
    ) -> None:
        """Writers holding every pooled connection while they wait for SQLite's write lock
        must not wait on a ledger batch that holds that lock and wants a connection."""
        chained.ledger.BATCH = 5
        errors: list[BaseException] = []
        done = threading.Event()

        def write(first: int) -> None:
            try:
                chained.record(cases=3, first=first)
            except BaseException as error:  # reported below, never lost
                errors.append(error)

        def feed() -> None:
            try:
                while not done.is_set():
                    chained.ledger.catch_up(deadline=time.monotonic() + 5)
            except BaseException as error:
                errors.append(error)

        writers = [threading.Thread(target=write, args=(10 * n,)) for n in range(4)]
        feeder = threading.Thread(target=feed)
        started = time.monotonic()
        for thread in (feeder, *writers):
            thread.start()
        for thread in writers:
            thread.join()
        done.set()
        feeder.join()
        chained.ledger.catch_up()

        assert errors == []
        assert time.monotonic() - started < WAIT
        assert chained.ledger_rows() == chained.expected_rows()

    def test_a_background_thread_keeps_it_at_the_head(self, chained: LedgerStore) -> None:
        background = BackgroundFollower(chained.ledger, 0.05, name="ledger")
        background.start()
        try:
            chained.record(cases=2)
            head = chained.ledger.head()
            deadline = time.monotonic() + WAIT
            while chained.ledger.position() < head:
                assert time.monotonic() < deadline, (chained.ledger.position(), head)
                time.sleep(0.02)
        finally:
            background.stop()

        assert chained.ledger_rows() == chained.expected_rows()
