"""A forged event slipped in where the ledger never looks (issue 15, item 1).

The forgery: a copy of a case's ``ResponsibilityAccepted`` row, with the case's next
version, at position -5 or 0 (or between rows already stored). As the service's role
(the README's grants) and as the owner with the tables' checks in place, the
database refuses it. An owner who drops the checks gets it stored, and then
``verify`` names it and a load of the case refuses it. The ledger table, which the
service's role may insert into, refuses a position below 1 as well.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import pytest
from sqlalchemy import exc, text

from service.adapters.recorders import UnchainedEventError
from service.audit.verify import verify
from service.domain.actors import Actor
from tests.stores import postgres_base_url

from .ledger_support import Attacker, LedgerStore, ledger_store
from .service_role import production_role

ACCEPTED = "service.domain.case:Case.ResponsibilityAccepted"
BRISTOL = Actor("Bristol case system", "authority", "801")
Execute = Callable[[str, tuple[Any, ...]], object]


@pytest.fixture(params=["sqlite", "postgres"])
def chained(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LedgerStore]:
    with ledger_store(request.param, tmp_path) as opened:
        opened.record(cases=2)
        opened.ledger.catch_up()
        yield opened


def accepted(target: LedgerStore) -> tuple[int, UUID]:
    """The position of a ResponsibilityAccepted event and its case."""
    notification = next(n for n in target.notifications() if n.topic == ACCEPTED)
    case_id = notification.originator_id
    return notification.id, case_id if isinstance(case_id, UUID) else UUID(case_id)


def forge(execute: Execute, attacker: Attacker, position: int, like: int) -> None:
    """Copy the row at ``like`` to ``position`` as its aggregate's next version."""
    originator, _, topic, state = attacker.row(like)
    column, table = attacker.position_column, attacker.qualified
    (found,) = attacker.execute(
        f"SELECT MAX(originator_version) FROM {table} WHERE originator_id = ?", (originator,)
    )
    execute(
        f"INSERT INTO {table} ({column}, originator_id, originator_version, topic, state) "
        "VALUES (?, ?, ?, ?, ?)",
        (position, originator, int(found[0]) + 1, topic, state),
    )


def as_owner(target: LedgerStore) -> Attacker:
    """SQL as the tables' owner, the checks left in place."""
    return Attacker(target, drop_checks=False)


@contextmanager
def services_role(target: LedgerStore) -> Iterator[Any]:
    """A connection as the service's role with only the README's grants."""
    import psycopg

    schema = parse_qs(urlsplit(target.settings.database_url).query)["schema"][0]
    with (
        production_role(postgres_base_url(), schema) as url,
        psycopg.connect(url.split("?")[0], autocommit=True) as connection,
    ):
        yield connection


def refused() -> Any:
    import sqlite3

    import psycopg

    return pytest.raises((sqlite3.DatabaseError, psycopg.Error))


class TestTheDatabaseRefuses:
    @pytest.mark.parametrize("position", [-5, 0])
    def test_a_position_below_1_even_from_the_owner(
        self, chained: LedgerStore, position: int
    ) -> None:
        owner = as_owner(chained)
        like, _ = accepted(chained)
        before = chained.notifications()

        with refused():
            forge(owner.execute, owner, position, like)

        assert chained.notifications() == before

    def test_a_position_between_rows_already_stored(self, chained: LedgerStore) -> None:
        owner = as_owner(chained)
        like, _ = accepted(chained)
        if chained.kind == "postgres":  # a gap, as a rolled-back transaction leaves one
            owner.skip_a_position()
            chained.record(cases=1, first=7)
        else:  # SQLite: the end may be further on (it is still the end) ...
            forge(owner.execute, owner, chained.ledger.head() + 10, like)
        stored = {n.id for n in chained.notifications()}
        gap = next(p for p in range(1, max(stored)) if p not in stored)
        before = chained.notifications()

        with refused():  # ... but nothing goes below a row already stored
            forge(owner.execute, owner, gap, like)

        assert chained.notifications() == before

    def test_the_services_role_below_1_between_rows_or_off_the_sequence(
        self, tmp_path: Path
    ) -> None:
        import psycopg

        with ledger_store("postgres", tmp_path) as target:
            target.record(cases=1)
            owner = as_owner(target)
            like, _ = accepted(target)
            head = target.ledger.head()
            with services_role(target) as role:

                def execute(sql: str, parameters: tuple[Any, ...]) -> object:
                    return role.execute(sql.replace("?", "%s").encode(), parameters)

                role.execute(  # as an insert does: the sequence's next value
                    "SELECT nextval(pg_get_serial_sequence(%s, 'notification_id'))",
                    (owner.qualified,),
                )
                for position, why in (
                    (-5, "position -5 is below 1"),
                    (0, "position 0 is below 1"),
                    (head - 1, "is not the log's next"),
                    (head + 1000, "is not the log's next"),
                ):
                    with pytest.raises(psycopg.errors.InsufficientPrivilege, match=why):
                        forge(execute, owner, position, like)
                taken = role.execute(  # the log's next position, kept back ...
                    "SELECT nextval(pg_get_serial_sequence(%s, 'notification_id'))",
                    (owner.qualified,),
                ).fetchone()
                target.record(cases=1, first=5)  # ... while the service appends after it
                assert taken is not None
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="below one"):
                    forge(execute, owner, int(taken[0]), like)
                assert all(n.id > 0 for n in target.notifications())
                assert verify(target.application, target.engine).finding is None


class TestAnOwnerWhoDropsTheChecks:
    @pytest.mark.parametrize("position", [-5, 0])
    def test_verify_names_the_forged_row(self, chained: LedgerStore, position: int) -> None:
        attacker = Attacker(chained)
        like, _ = accepted(chained)
        forge(attacker.execute, attacker, position, like)

        report = verify(chained.application, chained.engine)

        assert report.finding is not None
        assert (report.finding.position, report.finding.kind) == (position, "inserted")
        assert "below the log's first position" in report.finding.detail

    def test_a_load_of_the_case_refuses_it(self, chained: LedgerStore) -> None:
        attacker = Attacker(chained)
        like, case_id = accepted(chained)
        forge(attacker.execute, attacker, -5, like)
        fresh = chained.reopen()  # no case cached
        try:
            with pytest.raises(UnchainedEventError, match="position -5"):
                fresh.application.repository.get(case_id)
            with pytest.raises(UnchainedEventError):
                fresh.application.case(BRISTOL, case_id)
            with pytest.raises(UnchainedEventError):
                fresh.application.history(BRISTOL, case_id)
        finally:
            fresh.close()


class TestTheLedgerTable:
    def test_refuses_a_position_below_1(self, chained: LedgerStore) -> None:
        row = chained.ledger_rows()[0]
        with pytest.raises(exc.DBAPIError), chained.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO ledger (position, originator_id, originator_version, topic, "
                    "recorded_at, event_sha256, chain_sha256) "
                    "SELECT -5, originator_id, originator_version + 100, topic, recorded_at, "
                    "event_sha256, chain_sha256 FROM ledger WHERE position = :p"
                ),
                {"p": row[0]},
            )

    def test_verify_reads_ledger_rows_below_1(self, chained: LedgerStore) -> None:
        with chained.editing_ledger() as connection:
            if chained.kind == "sqlite":
                connection.execute(text("DROP TRIGGER ledger_positions_from_1"))
            else:
                connection.execute(
                    text("ALTER TABLE ledger DROP CONSTRAINT ledger_positions_from_1")
                )
            connection.execute(
                text(
                    "INSERT INTO ledger SELECT -5, originator_id, originator_version + 100, "
                    "topic, recorded_at, event_sha256, chain_sha256 FROM ledger WHERE position = 1"
                )
            )

        finding = verify(chained.application, chained.engine).finding

        assert finding is not None
        assert finding.position == -5
