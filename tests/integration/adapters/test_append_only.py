"""The event store is append-only in the database: direct SQL cannot rewrite the record.

Each test opens a case through the application, then goes behind its back with plain
SQL, on a fresh SQLite file and (when CASE_TRANSFER_TEST_POSTGRES_URL is set) a fresh
PostgreSQL schema.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from uuid import UUID, uuid4

import pytest

from service.adapters.append_only import REFUSAL, AppendOnlyError
from service.adapters.event_store import eventsourcing_env
from service.application import CaseTransferApplication, ChangeRequest
from service.bootstrap import open_store
from service.domain.actors import Actor
from service.settings import Settings
from tests.stores import postgres_base_url

POSTGRES_TABLE = "casetransferapplication_events"  # eventsourcing: <app name>_events
SOMERSET = Actor("Somerset case system", "authority", "933")


@dataclass
class Store:
    """A fresh store, and plain SQL on its events table behind the service's back."""

    url: str
    table: str  # qualified where the database needs it
    run: Callable[[str], list[tuple[Any, ...]]]
    refusal: type[Exception]

    def application(self, **settings: Any) -> CaseTransferApplication:
        return open_store(Settings(database_url=self.url, **settings))

    def events(self) -> list[tuple[Any, ...]]:
        return self.run(
            f"SELECT originator_id, originator_version, topic, state FROM {self.table} "
            "ORDER BY originator_id, originator_version"
        )


@contextmanager
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    path = tmp_path / "events.sqlite3"

    def run(statement: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(path) as connection:
            return connection.execute(statement).fetchall()

    yield Store(f"sqlite:///{path}", "stored_events", run, sqlite3.IntegrityError)


@contextmanager
def postgres_store() -> Iterator[Store]:
    """A fresh schema in the test PostgreSQL, dropped afterwards."""
    import psycopg

    base = postgres_base_url()
    schema = f"test_{uuid4().hex[:16]}"

    def run(statement: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(base, autocommit=True) as connection:
            cursor = connection.execute(statement)
            return cursor.fetchall() if cursor.description else []

    run(f'CREATE SCHEMA "{schema}"')
    try:
        yield Store(
            f"{base}?schema={schema}",
            f'"{schema}".{POSTGRES_TABLE}',
            run,
            psycopg.errors.InsufficientPrivilege,
        )
    finally:
        run(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with sqlite_store(tmp_path) if request.param == "sqlite" else postgres_store() as fresh:
        yield fresh


@pytest.fixture
def pg_store() -> Iterator[Store]:
    with postgres_store() as fresh:
        yield fresh


def open_case(application: CaseTransferApplication) -> UUID:
    outcome = application.open_case(
        SOMERSET,
        ChangeRequest(),
        local_reference=f"REF-{uuid4().hex[:8]}",
        nhs_number=None,
        date_of_birth=date(2019, 5, 4),
        expected_date_of_birth=None,
    )
    return outcome.case.id


@contextmanager
def with_a_case(store: Store) -> Iterator[CaseTransferApplication]:
    """The store's application, after it has opened a case and proposed a transfer."""
    application = store.application()
    try:
        case_id = open_case(application)
        application.propose_transfer(
            SOMERSET, case_id, ChangeRequest(), to_authority="801", reason="Family moved"
        )
        yield application
    finally:
        application.close()


@pytest.fixture
def recorded(store: Store) -> Iterator[CaseTransferApplication]:
    with with_a_case(store) as application:
        yield application


@pytest.fixture
def pg_recorded(pg_store: Store) -> Iterator[CaseTransferApplication]:
    with with_a_case(pg_store) as application:
        yield application


class TestDirectSql:
    @pytest.mark.usefixtures("recorded")
    def test_an_update_is_refused_and_the_row_is_unchanged(self, store: Store) -> None:
        before = store.events()

        with pytest.raises(store.refusal, match=REFUSAL):
            store.run(f"UPDATE {store.table} SET topic = 'rewritten'")

        assert store.events() == before

    @pytest.mark.usefixtures("recorded")
    def test_a_delete_is_refused_and_every_row_stays(self, store: Store) -> None:
        before = store.events()

        with pytest.raises(store.refusal, match=REFUSAL):
            store.run(f"DELETE FROM {store.table} WHERE originator_version = 2")
        with pytest.raises(store.refusal, match=REFUSAL):
            store.run(f"DELETE FROM {store.table}")

        assert store.events() == before
        assert len(before) == 2  # CaseOpened, TransferProposed

    @pytest.mark.usefixtures("pg_recorded")
    def test_a_truncate_is_refused_on_postgres(self, pg_store: Store) -> None:
        before = pg_store.events()

        with pytest.raises(pg_store.refusal, match=REFUSAL):
            pg_store.run(f"TRUNCATE {pg_store.table}")

        assert pg_store.events() == before


class TestTheServiceStillRecords:
    def test_new_events_are_appended_after_the_triggers(
        self, store: Store, recorded: CaseTransferApplication
    ) -> None:
        before = len(store.events())

        case_id = open_case(recorded)

        assert len(store.events()) > before
        assert recorded.repository.get(case_id).version == 1

    def test_a_restart_installs_nothing_twice_and_reads_the_record(
        self, store: Store, recorded: CaseTransferApplication
    ) -> None:
        case_id = open_case(recorded)

        again = store.application()
        try:
            assert again.repository.get(case_id).id == case_id
            open_case(again)
        finally:
            again.close()

        with pytest.raises(store.refusal, match=REFUSAL):
            store.run(f"UPDATE {store.table} SET topic = 'rewritten'")


# ---- PostgreSQL: a service role that owns nothing -------------------------------------


def test_without_create_tables_eventsourcing_runs_no_ddl() -> None:
    settings = Settings(database_url="postgresql://case_service@db:5432/cases", create_tables=False)

    assert eventsourcing_env(settings)["CREATE_TABLE"] == "n"


@pytest.fixture
def service_role(pg_store: Store) -> Iterator[Callable[[], str]]:
    """A login role with only the README's grants; returns a function giving its URL."""
    store = pg_store
    schema = store.table.split(".")[0]
    role = f"case_service_{uuid4().hex[:12]}"
    password = uuid4().hex
    store.run(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")

    def grant() -> str:
        store.run(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
        store.run(f"GRANT SELECT, INSERT, UPDATE ON {store.table} TO {role}")
        store.run(
            f"GRANT USAGE ON SEQUENCE {schema}.{POSTGRES_TABLE}_notification_id_seq TO {role}"
        )
        parts = urlsplit(store.url)
        host = f"{parts.hostname}:{parts.port or 5432}"
        return urlunsplit(parts._replace(netloc=f"{role}:{password}@{host}"))

    try:
        yield grant
    finally:
        store.run(f"DROP OWNED BY {role}")
        store.run(f"DROP ROLE {role}")


@pytest.mark.usefixtures("pg_recorded")
class TestAServiceRoleThatOwnsNothing:
    """The grants the README gives the service's role: enough to run, not to rewrite."""

    def test_runs_the_service_and_still_cannot_rewrite_the_record(
        self, pg_store: Store, service_role: Callable[[], str]
    ) -> None:
        import psycopg

        restricted = replace(pg_store, url=service_role())

        application = restricted.application(create_tables=False)
        try:
            case_id = open_case(application)
            assert application.repository.get(case_id).version == 1
        finally:
            application.close()

        with psycopg.connect(restricted.url.split("?")[0], autocommit=True) as connection:
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match=REFUSAL):
                connection.execute(f"UPDATE {pg_store.table} SET topic = 'x'")
            for statement in (f"DELETE FROM {pg_store.table}", f"TRUNCATE {pg_store.table}"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission"):
                    connection.execute(statement)

    def test_refuses_to_start_on_a_store_without_the_triggers(
        self, pg_store: Store, service_role: Callable[[], str]
    ) -> None:
        restricted = replace(pg_store, url=service_role())
        pg_store.run(f"DROP TRIGGER case_transfer_append_only ON {pg_store.table}")

        with pytest.raises(AppendOnlyError, match="start the service once as the table's owner"):
            restricted.application(create_tables=False)


def install_the_earlier_function(store: Store) -> None:
    """Put back the append-at-end function as an earlier version made it: the same
    refusals, with a probe PL/pgSQL's generic plan turned into a scan of the whole log."""
    schema = store.table.split(".")[0]
    source = position_function(store)
    probe = re.compile(
        r"IF \(SELECT max\(notification_id\) FROM (\S+)\) >= NEW\.notification_id THEN"
    )
    assert probe.search(source)  # what this version installs
    earlier = probe.sub(
        r"PERFORM 1 FROM \1 WHERE notification_id >= NEW.notification_id; IF FOUND THEN",
        source,
    )
    store.run(
        f"CREATE OR REPLACE FUNCTION {schema}.case_transfer_append_at_end() RETURNS trigger "
        f"LANGUAGE plpgsql AS $${earlier}$$"
    )


def position_function(store: Store) -> str:
    schema = store.table.split(".")[0].strip('"')
    return str(
        store.run(
            "SELECT p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            f"WHERE n.nspname = '{schema}' AND p.proname = 'case_transfer_append_at_end'"
        )[0][0]
    )


@pytest.mark.usefixtures("pg_recorded")
class TestAnEarlierAppendAtEndFunction:
    """Each insert reads the highest stored position from the key's end (``max``), which
    no cached plan turns into a scan; a store made by an earlier version gets it at the
    next start by a role that may make it."""

    def test_the_owner_replaces_it_and_inserts_are_still_checked(self, pg_store: Store) -> None:
        install_the_earlier_function(pg_store)
        assert "PERFORM 1" in position_function(pg_store)

        application = pg_store.application()
        try:
            open_case(application)  # appended at the end: accepted
        finally:
            application.close()
        assert "PERFORM 1" not in position_function(pg_store)
        assert "max(notification_id)" in position_function(pg_store)
        schema = pg_store.table.split(".")[0]
        with pytest.raises(pg_store.refusal, match="appends at the end of its log"):
            pg_store.run(  # a position already taken (test_forged_positions has the rest)
                f"INSERT INTO {pg_store.table} (originator_id, originator_version, topic, "
                f"state, notification_id) VALUES ('{uuid4()}', 1, 'x', '\\x00', "
                f"1 + 0 * nextval('{schema}.{POSTGRES_TABLE}_notification_id_seq'))"
            )

    def test_a_role_that_owns_nothing_keeps_it_and_starts(
        self, pg_store: Store, service_role: Callable[[], str], caplog: pytest.LogCaptureFixture
    ) -> None:
        install_the_earlier_function(pg_store)
        restricted = replace(pg_store, url=service_role())

        application = restricted.application(create_tables=False)
        try:
            open_case(application)
        finally:
            application.close()
        assert "PERFORM 1" in position_function(pg_store)
        assert "start the service once as the table's owner" in caplog.text
