"""Rebuilding the read models from the log: equal to the incremental build, faults in the
live rows found and repaired, and the swap seen by readers as all or nothing.

Each test runs on a fresh SQLite file and on a fresh PostgreSQL schema (``read_store``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, select, update

from service.adapters.tables import positions
from service.projections.check import Difference, compare
from service.projections.replay import REBUILD, discard, rebuild, swap
from service.projections.tables import LIVE, READ_MODELS

from .conftest import ReadStore
from .histories import BOGUS, corrupt, populate, read_live, shadow_exists, snapshot


def populated(read_store: ReadStore, cases: int = 12) -> None:
    """Cases recorded with the live projector catching up now and then, as in service."""
    for chunk in range(0, cases, 5):
        populate(read_store.application, read_store.clock, min(5, cases - chunk), seed=chunk)
        read_store.projector.catch_up()


class TestRebuild:
    def test_builds_exactly_the_rows_the_live_projector_built(self, read_store: ReadStore) -> None:
        populated(read_store)
        seen: list[tuple[int, int]] = []

        rebuilt = rebuild(
            read_store.application, read_store.engine, lambda *p: seen.append(p), batch=20
        )

        live, (position, applied) = read_live(read_store.engine)
        with read_store.engine.connect() as connection:
            assert snapshot(connection, rebuilt.tables) == live
        assert (rebuilt.position, rebuilt.events) == (position, applied)
        assert all(len(rows) > 0 for rows in live.values()), "every read model has rows"
        assert len(seen) > 2 and seen[-1] == (applied, applied)
        assert [done for done, _ in seen] == sorted(done for done, _ in seen)
        assert compare(read_store.application, read_store.engine, rebuilt).differences == []
        assert not shadow_exists(read_store.engine)

    def test_writes_each_case_once_in_bulk_then_indexes(self, read_store: ReadStore) -> None:
        populated(read_store)
        statements: list[str] = []

        def seen(connection: Connection, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement.strip().split("(")[0].upper())

        event.listen(read_store.engine, "before_cursor_execute", seen)
        try:
            rebuilt = rebuild(read_store.application, read_store.engine, batch=7, buffer=1)
        finally:
            event.remove(read_store.engine, "before_cursor_execute", seen)

        live, _ = read_live(read_store.engine)
        with read_store.engine.connect() as connection:
            assert snapshot(connection, rebuilt.tables) == live
        shadow = [s for s in statements if "_REBUILD" in s]
        assert not [s for s in shadow if s.startswith(("DELETE", "UPDATE"))], shadow
        inserts = [i for i, s in enumerate(shadow) if s.startswith("INSERT INTO RM_")]
        indexes = [i for i, s in enumerate(shadow) if s.startswith("CREATE INDEX")]
        assert len(inserts) <= len(rebuilt.tables.all())  # 12 cases: one bulk write each
        assert indexes and min(indexes) > max(inserts, default=-1)

    def test_swapping_in_changes_nothing_when_the_live_rows_were_right(
        self, read_store: ReadStore
    ) -> None:
        populated(read_store)
        before = read_live(read_store.engine)

        rebuilt = rebuild(read_store.application, read_store.engine)
        swapped = swap(read_store.application, read_store.engine, rebuilt)

        assert read_live(read_store.engine) == before
        assert (swapped.position, swapped.events) == before[1]
        assert swapped.cases == len(before[0]["rm_cases"]) == 12
        assert not shadow_exists(read_store.engine)
        with read_store.engine.connect() as connection:
            names = connection.scalars(select(positions.c.name)).all()
        assert READ_MODELS in names and REBUILD not in names

    def test_the_swap_brings_in_events_recorded_during_the_rebuild(
        self, read_store: ReadStore
    ) -> None:
        populated(read_store, cases=6)
        rebuilt = rebuild(read_store.application, read_store.engine)
        populate(read_store.application, read_store.clock, 6, seed=99)  # nobody caught up

        swapped = swap(read_store.application, read_store.engine, rebuilt)

        assert swapped.position == read_store.projector.head() > rebuilt.position
        assert swapped.cases == 12
        check = compare(
            read_store.application,
            read_store.engine,
            rebuild(read_store.application, read_store.engine),
        )
        assert check.differences == [] and check.position == swapped.position


class TestCheck:
    def test_names_each_row_that_differs_from_the_log(self, read_store: ReadStore) -> None:
        populated(read_store)
        period, item = corrupt(read_store.engine)
        bogus = _bogus_row(read_store.engine)

        comparison = compare(
            read_store.application,
            read_store.engine,
            rebuild(read_store.application, read_store.engine),
        )

        assert sorted(comparison.differences, key=str) == sorted(
            [
                Difference(
                    "rm_periods",
                    (("case_id", period["case_id"]), ("seq", period["seq"])),
                    "authority",
                    "999",
                    period["authority"],
                ),
                Difference("rm_work_items", (("item_id", item["item_id"]),), None, None, item),
                Difference(
                    "rm_transfers",
                    (("transfer_id", BOGUS),),
                    None,
                    bogus,
                    None,
                ),
            ],
            key=str,
        )
        assert [str(d) for d in sorted(comparison.differences, key=lambda d: d.table)] == [
            f"rm_periods (case_id={period['case_id']}, seq={period['seq']}) authority: "
            f"live '999' vs rebuilt '{period['authority']}'",
            f"rm_transfers (transfer_id={BOGUS}): extra in the live table "
            "(the log has no such row)",
            f"rm_work_items (item_id='{item['item_id']}'): missing from the live table",
        ]
        assert comparison.position == read_store.projector.position()

    def test_leaves_the_live_rows_as_they_were(self, read_store: ReadStore) -> None:
        populated(read_store)
        corrupt(read_store.engine)
        before = read_live(read_store.engine)

        compare(
            read_store.application,
            read_store.engine,
            rebuild(read_store.application, read_store.engine),
        )

        assert read_live(read_store.engine) == before
        assert not shadow_exists(read_store.engine)

    def test_a_replay_repairs_what_the_check_found(self, read_store: ReadStore) -> None:
        populated(read_store)
        right = read_live(read_store.engine)
        corrupt(read_store.engine)
        with read_store.engine.begin() as connection:
            connection.execute(
                update(positions)
                .where(positions.c.name == READ_MODELS)
                .values(events_applied=positions.c.events_applied + 1)
            )

        app, engine = read_store.application, read_store.engine
        found = compare(app, engine, rebuild(app, engine)).differences
        swap(app, engine, rebuild(app, engine))

        assert len(found) == 4 and found[0].column == "events_applied"
        assert read_live(engine) == right
        assert compare(app, engine, rebuild(app, engine)).differences == []

    def test_catches_up_whichever_side_is_behind_before_comparing(
        self, read_store: ReadStore
    ) -> None:
        app, engine = read_store.application, read_store.engine
        populated(read_store, cases=6)
        populate(app, read_store.clock, 3, seed=7)  # the live tables are behind the rebuild
        live_behind = compare(app, engine, rebuild(app, engine))
        assert live_behind.differences == []
        projector = read_store.projector
        assert live_behind.position == projector.position() == projector.head()

        rebuilt = rebuild(app, engine)
        populate(app, read_store.clock, 3, seed=8)
        read_store.projector.catch_up()  # now the rebuild is behind the live tables
        rebuild_behind = compare(app, engine, rebuilt)

        assert rebuild_behind.differences == []
        assert rebuild_behind.position == read_store.projector.head() > rebuilt.position


def _bogus_row(engine: Engine) -> dict[str, Any]:
    with engine.connect() as connection:
        return dict(
            connection.execute(select(LIVE.transfers).where(LIVE.transfers.c.transfer_id == BOGUS))
            .mappings()
            .one()
        )


@contextmanager
def failing_after(engine: Engine, prefix: str) -> Iterator[None]:
    """Make the database call that starts with ``prefix`` fail once it has run."""

    def fail(connection: Connection, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith(prefix):
            raise RuntimeError(f"injected failure after {prefix}")

    event.listen(engine, "after_cursor_execute", fail)
    try:
        yield
    finally:
        event.remove(engine, "after_cursor_execute", fail)


class TestSwapIsAtomic:
    def test_a_failure_mid_swap_leaves_every_live_row_as_it_was(
        self, read_store: ReadStore
    ) -> None:
        app, engine = read_store.application, read_store.engine
        populated(read_store)
        corrupt(engine)
        before = read_live(engine)
        rebuilt = rebuild(app, engine)

        # By then the cases and periods have been replaced and the transfers deleted.
        with failing_after(engine, "INSERT INTO rm_transfers ("), pytest.raises(RuntimeError):
            swap(app, engine, rebuilt)

        assert read_live(engine) == before
        discard(engine)
        assert not shadow_exists(engine)

    def test_a_reader_during_the_swap_sees_the_old_rows_then_the_new(
        self, read_store: ReadStore
    ) -> None:
        app, engine = read_store.application, read_store.engine
        populated(read_store)
        right = read_live(engine)
        corrupt(engine)
        old = read_live(engine)
        assert old != right
        rebuilt = rebuild(app, engine)
        halfway, carry_on = threading.Event(), threading.Event()

        def pause(connection: Connection, cursor: Any, statement: str, *args: Any) -> None:
            if statement.startswith("INSERT INTO rm_periods ("):
                halfway.set()
                carry_on.wait(timeout=30)

        errors: list[BaseException] = []

        def swapping() -> None:
            try:
                swap(app, engine, rebuilt)
            except BaseException as error:  # reported by the assertion below
                errors.append(error)

        event.listen(engine, "after_cursor_execute", pause)
        swapper = threading.Thread(target=swapping)
        swapper.start()
        try:
            assert halfway.wait(timeout=30), "the swap never reached its middle"
            during = read_live(engine)
        finally:
            carry_on.set()
            swapper.join(timeout=60)
            event.remove(engine, "after_cursor_execute", pause)

        assert errors == []
        assert during == old
        assert read_live(engine) == right
