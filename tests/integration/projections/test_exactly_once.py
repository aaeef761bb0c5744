"""Every event applied exactly once across OS processes, and across a SIGKILL.

Replicas of the service each run a projector on the one database they share: on
PostgreSQL three of them, on SQLite two, catch up over and over in small batches
while two writer processes record hand-overs through the application. Afterwards
the read models must equal the oracle (every case's rows derived from the store),
and the events the processes say they applied must add up to the case events in
the log: none applied twice, none skipped.

A projector killed with SIGKILL in the middle of a large backlog, inside a batch
whose rows are written but not committed, must leave the tables exactly as its last
committed position says, and a fresh process must finish from there.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from .conftest import ReadStore
from .processes import (
    Child,
    actual_tables,
    case_events,
    children,
    expected_tables,
    position_row,
    record_backlog,
    start,
)

START_TIMEOUT = 30.0  # seconds for a child to import, open its store and say "ready"
RUN_TIMEOUT = 60.0  # seconds for a child's work once started
WRITERS = 2
HAND_OVERS = 40  # per writer: eight to eleven commands each
CHILD_BATCH = "5"  # events per batch in the concurrent projectors: many interleavings
BACKLOG_CASES = 400  # eight events each, with child-index and remembered-request events
KILLED_BATCH = 100
FRESH_BATCH = "500"
HOLD_AT = 6  # the batch the killed projector is inside when it is killed


def assert_exactly_once(store: ReadStore) -> int:
    """The tables equal the oracle and every case event is counted once; the count."""
    count = case_events(store.application)
    assert position_row(store.engine) == (store.projector.head(), count)
    assert actual_tables(store.engine) == expected_tables(store.application)
    return count


def go(*started: Child) -> None:
    for child in started:
        assert child.read_line(START_TIMEOUT) == "ready"
    for child in started:
        child.send("go")


def test_projecting_processes_beside_writers_apply_every_event_exactly_once(
    read_store: ReadStore, tmp_path: Path
) -> None:
    projecting = 3 if read_store.engine.dialect.name == "postgresql" else 2
    url = read_store.settings.database_url
    logs = tmp_path / "logs"
    with children(logs) as started:
        projectors = [start(started, logs, "project", url, CHILD_BATCH) for _ in range(projecting)]
        writers = [
            start(started, logs, "write", url, str(HAND_OVERS), str(n * HAND_OVERS))
            for n in range(WRITERS)
        ]
        go(*projectors, *writers)
        for writer in writers:
            assert json.loads(writer.read_line(RUN_TIMEOUT)) == {"cases": HAND_OVERS}
            assert writer.process.wait(timeout=RUN_TIMEOUT) == 0, writer.output()
        reports = [projector.finish(RUN_TIMEOUT) for projector in projectors]

    count = assert_exactly_once(read_store)
    assert sum(report["events"] for report in reports) == count, reports
    assert {report["position"] for report in reports} == {read_store.projector.head()}
    assert sum(1 for report in reports if report["events"]) >= 2, reports  # they shared it
    assert len(actual_tables(read_store.engine)["rm_cases"]) == WRITERS * HAND_OVERS


def test_a_projector_killed_inside_a_batch_leaves_no_trace_and_a_fresh_one_finishes(
    read_store: ReadStore, tmp_path: Path
) -> None:
    record_backlog(read_store.application, BACKLOG_CASES)
    url, logs = read_store.settings.database_url, tmp_path / "logs"
    head = read_store.projector.head()
    with children(logs) as started:
        killed = start(started, logs, "hold", url, str(KILLED_BATCH), str(HOLD_AT))
        go(killed)
        assert killed.read_line(RUN_TIMEOUT) == f"holding {KILLED_BATCH}"

        # The held batch's rows are written and the position locked, but not committed.
        position, applied = position_row(read_store.engine)
        assert applied == (HOLD_AT - 1) * KILLED_BATCH
        assert_reflects(read_store, position)
        killed.kill()
        assert position_row(read_store.engine) == (position, applied)
        assert_reflects(read_store, position)

        fresh = start(started, logs, "project", url, FRESH_BATCH)
        go(fresh)
        report = fresh.finish(RUN_TIMEOUT)

    count = assert_exactly_once(read_store)
    assert report["events"] == count - applied
    assert report["position"] == head
    assert count > 3000


def test_a_projector_killed_at_any_moment_leaves_its_last_commit_and_a_fresh_one_finishes(
    read_store: ReadStore, tmp_path: Path
) -> None:
    record_backlog(read_store.application, BACKLOG_CASES)
    url, logs = read_store.settings.database_url, tmp_path / "logs"
    head = read_store.projector.head()
    with children(logs) as started:
        batch = "25" if read_store.engine.dialect.name == "postgresql" else "5"
        killed = start(started, logs, "project", url, batch)
        go(killed)
        wait_for_position(read_store, head // 3)
        killed.kill()
        position, applied = position_row(read_store.engine)
        assert position < head, "killed after it had finished: nothing was proved"
        assert_reflects(read_store, position)

        fresh = start(started, logs, "project", url, FRESH_BATCH)
        go(fresh)
        report = fresh.finish(RUN_TIMEOUT)

    count = assert_exactly_once(read_store)
    assert report["events"] == count - applied


def assert_reflects(store: ReadStore, position: int) -> None:
    """The committed tables and count are exactly those of the log up to ``position``."""
    assert position_row(store.engine)[1] == case_events(store.application, upto=position)
    assert actual_tables(store.engine) == expected_tables(store.application, upto=position)


def wait_for_position(store: ReadStore, target: int, timeout: float = RUN_TIMEOUT) -> None:
    """Wait (bounded) until the committed position reaches ``target``."""
    deadline = time.monotonic() + timeout
    while position_row(store.engine)[0] < target:
        assert time.monotonic() < deadline, (position_row(store.engine), target)
        time.sleep(0.002)
