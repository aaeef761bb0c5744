"""Every statement the lists run is served by an index, on SQLite and on PostgreSQL.

A list that scanned a table would still pass every behaviour test and then slow down
as cases accumulate, for every authority at once. These tests populate a store
through the application (300 cases over five authorities, transfers at every stage,
closures), ANALYZE it, and read the plan of each statement ``queries`` builds:

- SQLite: ``EXPLAIN QUERY PLAN`` must SEARCH each rm_ table using the expected index
  and never SCAN one (a SCAN, even of an index, reads the whole table).
- PostgreSQL: ``EXPLAIN (FORMAT JSON)`` must have no Seq Scan on an rm_ table. On
  tables this small the planner may rightly prefer a sequential scan (a few pages
  cost less than an index walk), which says nothing about large tables; so when it
  does, the EXPLAIN is repeated in a transaction with ``SET LOCAL enable_seqscan =
  off``, and the plan must then use the expected index: an index CAN serve the query.

The statement is executed once through SQLAlchemy and the SQL and parameters it sent
to the driver are captured, so what is explained is exactly what runs, with the
parameters converted by the column types (UTCDateTime, Uuid).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Connection, Select, event

from service.domain.actors import Actor
from service.domain.calendar import london_date
from service.projections.queries import TRANSFER_STAGES
from service.projections.rows import reference_digest
from service.projections.statements import (
    closed_caseload_query,
    open_caseload_query,
    reference_query,
    transfers_query,
    worklist_query,
)
from service.projections.tables import LIVE
from service.settings import Settings
from tests.stores import store

from .conftest import Clock, ReadStore, open_read_store
from .test_queries import BRISTOL, DAY, LEEDS, SOMERSET, Desk

CAMDEN = Actor("Camden case system", "authority", "202")
HACKNEY = Actor("Hackney case system", "authority", "204")
AUTHORITIES = (SOMERSET, BRISTOL, LEEDS, CAMDEN, HACKNEY)
CASES = 300
SOME_ID = UUID("7f000000-0000-4000-8000-000000000000")


def populate(desk: Desk) -> None:
    """300 cases round the five authorities, each authority's cases in ten kinds: a
    transfer proposed, declined, withdrawn, accepted for next week, or completed;
    closed (three kinds: a caseload's history outgrows what is open); or left open."""
    cases = [desk.open(AUTHORITIES[i % 5], reference=f"REF-{i % 50}") for i in range(CASES)]
    in_a_week = london_date(desk.clock.instant) + 7 * DAY
    for i, case_id in enumerate(cases):
        frm, to = AUTHORITIES[i % 5], AUTHORITIES[(i + 1) % 5]
        kind = (i // 5) % 10
        if kind == 0:
            desk.propose(case_id, frm, to)
        elif kind == 1:
            desk.decline(case_id, desk.propose(case_id, frm, to), by=to)
        elif kind == 2:
            desk.withdraw(case_id, desk.propose(case_id, frm, to), by=frm)
        elif kind == 3:
            desk.hand_over(case_id, frm, to, on=in_a_week)
        elif kind == 4:
            desk.hand_over(case_id, frm, to)
        elif kind in (5, 6, 7):
            desk.close(case_id, by=frm)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def populated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ReadStore]:
    """One populated, analysed store per dialect for the whole module."""
    tmp_path: Path = tmp_path_factory.mktemp("plans")
    with store(request.param, tmp_path, prefix="plans") as url:
        clock = Clock(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
        opened = open_read_store(Settings(database_url=url), clock)
        try:
            started = time.monotonic()
            populate(Desk(opened))
            opened.projector.catch_up()
            assert time.monotonic() - started < 60, "populating the store is too slow"
            with opened.engine.begin() as connection:
                analyse(connection)
            yield opened
        finally:
            opened.close()


def analyse(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("ANALYZE")
    else:
        for table in LIVE.all():
            connection.exec_driver_sql(f"ANALYZE {table.name}")


def statements(now: datetime) -> dict[str, tuple[Select[Any], set[str]]]:
    """Every statement shape ``queries`` builds, and the indexes that must serve it."""
    after = (now - timedelta(hours=1), SOME_ID)
    digest = reference_digest(b"any key", "REF-7")
    periods, closed = {"ix_rm_periods_authority_until"}, {"ix_rm_periods_closed"}
    references = {"ix_rm_local_references_digest"}
    built: dict[str, tuple[Select[Any], set[str]]] = {
        "caseload-open": (open_caseload_query(LIVE, "933", now, None, 51), periods),
        "caseload-open-after": (open_caseload_query(LIVE, "933", now, after, 51), periods),
        "caseload-closed": (closed_caseload_query(LIVE, "933", now, None, 51), closed),
        "caseload-closed-after": (closed_caseload_query(LIVE, "933", now, after, 51), closed),
        "reference-own": (reference_query(LIVE, digest, "933", None, 51), references),
        "reference-any-after": (reference_query(LIVE, digest, None, SOME_ID, 51), references),
        "worklist": (worklist_query(LIVE, "933", london_date(now)), {"ix_rm_work_items_authority"}),
    }
    sides = {
        "incoming": {"ix_rm_transfers_to"},
        "outgoing": {"ix_rm_transfers_from"},
        None: {"ix_rm_transfers_to", "ix_rm_transfers_from"},
    }
    for direction, indexes in sides.items():
        for stage in (None, *TRANSFER_STAGES):
            statement = transfers_query(LIVE, "933", direction, stage, now, None, 51)
            built[f"transfers-{direction}-{stage}"] = (statement, indexes)
    built["transfers-after"] = (
        transfers_query(LIVE, "933", None, None, now, after, 51),
        sides[None],
    )
    return built


NOW = datetime.fromisoformat("2026-11-26T12:00:00+00:00")
STATEMENTS = sorted(statements(NOW))


@contextmanager
def captured(connection: Connection) -> Iterator[list[tuple[str, Any]]]:
    """The SQL and parameters each execution inside sends to the driver."""
    sent: list[tuple[str, Any]] = []

    def capture(*args: Any) -> None:
        sent.append((args[2], args[3]))

    event.listen(connection, "before_cursor_execute", capture)
    try:
        yield sent
    finally:
        event.remove(connection, "before_cursor_execute", capture)


def as_sent(connection: Connection, statement: Select[Any]) -> tuple[str, Any]:
    with captured(connection) as sent:
        connection.execute(statement).all()
    [(sql, parameters)] = [(sql, p) for sql, p in sent if sql.lstrip().startswith("SELECT")]
    return sql, parameters


def sqlite_plan(connection: Connection, statement: Select[Any]) -> list[str]:
    sql, parameters = as_sent(connection, statement)
    rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, parameters).all()
    return [str(row[-1]) for row in rows]


def postgres_plan(connection: Connection, statement: Select[Any], analyse: bool = False) -> Any:
    sql, parameters = as_sent(connection, statement)
    options = "ANALYZE, FORMAT JSON" if analyse else "FORMAT JSON"
    plan = connection.exec_driver_sql(f"EXPLAIN ({options}) {sql}", parameters).scalar_one()
    return json.loads(plan) if isinstance(plan, str) else plan


def nodes(plan: Any) -> Iterator[dict[str, Any]]:
    """Every node of a PostgreSQL JSON plan."""
    stack = [entry["Plan"] for entry in plan]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.get("Plans", []))


def sequential_scans(plan: Any) -> list[str]:
    return [
        n["Relation Name"]
        for n in nodes(plan)
        if n["Node Type"] == "Seq Scan" and n.get("Relation Name", "").startswith("rm_")
    ]


def indexes_used(plan: Any) -> set[str]:
    return {n["Index Name"] for n in nodes(plan) if "Index Name" in n}


@contextmanager
def without_seqscan(connection: Connection) -> Iterator[None]:
    """Sequential scans priced out for one transaction, rolled back after."""
    connection.rollback()  # end the transaction SQLAlchemy began implicitly, if any
    transaction = connection.begin()
    try:
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        yield
    finally:
        transaction.rollback()


class TestEveryStatementIsServedByAnIndex:
    @pytest.mark.parametrize("name", STATEMENTS)
    def test_the_plan_searches_the_expected_index(self, populated: ReadStore, name: str) -> None:
        statement, expected = statements(NOW)[name]
        with populated.engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                assert_sqlite_searches(sqlite_plan(connection, statement), expected)
            else:
                assert_postgres_uses(connection, statement, expected)


LEADING = {
    str(index.name): next(iter(index.columns)).name for t in LIVE.all() for index in t.indexes
}
"""The first column of each index: a search that does not constrain it reads it all."""


def constrains_leading_column(index: str, condition: str) -> bool:
    """Whether ``condition`` compares the index's first column to a value.

    SQLite's skip-scan (``ANY(authority)``) walks every value of that column: not enough.
    """
    column = LEADING[index]
    return re.search(rf"(?<!ANY\()\b{column}\)?(?:::\w+)?\s*[=<>]", condition) is not None


def assert_sqlite_searches(plan: list[str], expected: set[str]) -> None:
    on_tables = [line for line in plan if " rm_" in f" {line}"]
    assert on_tables, plan
    for line in on_tables:
        assert line.startswith("SEARCH "), f"not an index search: {plan}"
        index = re.search(r"USING (?:COVERING )?INDEX (\w+) \((.*)\)", line)
        assert index is not None, f"no index used: {plan}"
        assert constrains_leading_column(index[1], index[2]), plan
    used = {word for line in on_tables for word in line.split() if word.startswith("ix_rm_")}
    assert used == expected, plan


def assert_postgres_uses(
    connection: Connection, statement: Select[Any], expected: set[str]
) -> None:
    plan = postgres_plan(connection, statement)
    if sequential_scans(plan):
        with without_seqscan(connection):
            plan = postgres_plan(connection, statement)
    assert sequential_scans(plan) == [], plan
    assert indexes_used(plan) == expected, plan
    for node in nodes(plan):
        if "Index Name" in node:
            assert constrains_leading_column(node["Index Name"], node.get("Index Cond", "")), plan


class TestCaseloadCost:
    def test_rows_read_grow_with_the_authoritys_own_cases_not_with_others(
        self, read_store: ReadStore
    ) -> None:
        """Ten Somerset cases, then forty of Leeds's: Somerset's caseload reads the same.
        Five more of Somerset's: it reads more (so the measure can fail)."""
        desk = Desk(read_store)
        for _ in range(10):
            desk.open(SOMERSET)
        desk.open(LEEDS)
        alone = rows_read(read_store)
        for _ in range(40):
            desk.open(LEEDS)
        with_others = rows_read(read_store)
        for _ in range(5):
            desk.open(SOMERSET)

        assert with_others == alone
        assert rows_read(read_store) > alone


def rows_read(read_store: ReadStore) -> int:
    """Work done by Somerset's open-caseload statement, after catching up and analysing.

    PostgreSQL: rows the scans of rm_periods produced or discarded (EXPLAIN ANALYZE,
    sequential scans priced out as above). SQLite keeps no row counts a client can
    read, so the measure is the virtual machine instructions the statement executes,
    counted by a progress handler called on every instruction.
    """
    read_store.projector.catch_up()
    statement = open_caseload_query(LIVE, "933", read_store.clock.instant, None, 51)
    with read_store.engine.connect() as connection:
        with connection.begin():
            analyse(connection)
        if connection.dialect.name == "sqlite":
            return sqlite_instructions(connection, lambda: connection.execute(statement).all())
        with without_seqscan(connection):
            plan = postgres_plan(connection, statement, analyse=True)
        assert any(index.startswith("ix_rm_periods_") for index in indexes_used(plan)), plan
        return sum(
            n["Actual Rows"] * n["Actual Loops"]
            + n.get("Rows Removed by Filter", 0)
            + n.get("Rows Removed by Index Recheck", 0)
            for n in nodes(plan)
            if n.get("Relation Name") == "rm_periods"
        )


def sqlite_instructions(connection: Connection, run: Callable[[], object]) -> int:
    raw = connection.connection.driver_connection
    assert raw is not None
    run()  # once to load the schema and warm the statement cache
    counted = [0]

    def count() -> int:
        counted[0] += 1
        return 0

    raw.set_progress_handler(count, 1)
    try:
        run()
    finally:
        raw.set_progress_handler(None, 1)
    return counted[0]
