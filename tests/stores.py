"""Fresh stores for tests: a new SQLite file, or a new schema in the test PostgreSQL.

PostgreSQL tests run only when CASE_TRANSFER_TEST_POSTGRES_URL is set; otherwise they
skip with a message saying how to run them.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

POSTGRES_URL_VARIABLE = "CASE_TRANSFER_TEST_POSTGRES_URL"


def postgres_base_url() -> str:
    """The test PostgreSQL URL, or skip the test saying how to run it."""
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        pytest.skip(
            f"PostgreSQL not tested: set {POSTGRES_URL_VARIABLE} "
            "(e.g. postgresql://postgres@127.0.0.1:5432/test) to run these tests on it"
        )
    return url


@contextmanager
def postgres_schema(prefix: str = "test") -> Iterator[tuple[str, str]]:
    """A fresh schema: its database URL and its name; dropped afterwards."""
    import psycopg

    base = postgres_base_url()
    schema = f"{prefix}_{uuid4().hex[:16]}"
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{base}?schema={schema}", schema
    finally:
        with psycopg.connect(base, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@contextmanager
def store(kind: str, tmp_path: Path, prefix: str = "test") -> Iterator[str]:
    """The database URL of a fresh store of ``kind`` ("sqlite" or "postgres")."""
    if kind == "sqlite":
        tmp_path.mkdir(parents=True, exist_ok=True)  # the service makes no folder but var
        yield f"sqlite:///{tmp_path}/events.sqlite3"
        return
    with postgres_schema(prefix) as (url, _):
        yield url


class PreparedStores:
    """Stores with the service's tables already made, for tests that only need an empty one.

    Making the tables (eventsourcing's, their triggers, the Alembic migrations) costs
    more than most API tests themselves. So each test process makes them once: an
    SQLite template file it copies for every test, and one PostgreSQL schema it empties
    between tests (``TRUNCATE ... RESTART IDENTITY``, with triggers off for the session
    that empties it, as only the test's superuser can). A test that changed the schema
    itself (dropped a trigger, a table) is found by comparing the catalogue, and the
    schema is made afresh for the next one.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._template: Path | None = None
        self._schema: tuple[str, str] | None = None
        self._catalogue: list[tuple[object, ...]] = []
        self._positions: list[tuple[object, ...]] = []

    @contextmanager
    def store(self, kind: str, tmp_path: Path) -> Iterator[str]:
        if kind == "sqlite":
            target = tmp_path / "events.sqlite3"
            shutil.copyfile(self._sqlite_template(), target)
            yield f"sqlite:///{target}"
            return
        url, schema = self._postgres_schema()
        try:
            yield url
        finally:
            self._empty(schema)

    def close(self) -> None:
        if self._schema is not None:
            self._drop(self._schema[1])
            self._schema = None

    def _sqlite_template(self) -> Path:
        if self._template is None:
            template = self.root / "template.sqlite3"
            _make_tables(f"sqlite:///{template}")
            self._template = template
        return self._template

    def _postgres_schema(self) -> tuple[str, str]:
        if self._schema is None:
            import psycopg

            base = postgres_base_url()
            schema = f"reused_{uuid4().hex[:16]}"
            with psycopg.connect(base, autocommit=True) as connection:
                connection.execute(f'CREATE SCHEMA "{schema}"')
            url = f"{base}?schema={schema}"
            _make_tables(url)
            with psycopg.connect(base, autocommit=True) as connection:
                self._catalogue = _catalogue(connection, schema)
                self._positions = connection.execute(
                    f'SELECT * FROM "{schema}".rm_positions ORDER BY name'
                ).fetchall()
            self._schema = (url, schema)
        return self._schema

    def _empty(self, schema: str) -> None:
        import psycopg

        with psycopg.connect(postgres_base_url(), autocommit=True) as connection:
            if _catalogue(connection, schema) != self._catalogue:
                self._drop(schema)  # the test changed the schema: make it again
                self._schema = None
                return
            tables = [
                row[0]
                for row in connection.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = %s "
                    "AND tablename <> 'alembic_version'",
                    (schema,),
                )
            ]
            with connection.transaction():
                connection.execute("SET LOCAL session_replication_role = replica")
                names = ", ".join(f'"{schema}"."{table}"' for table in tables)
                connection.execute(f"TRUNCATE {names} RESTART IDENTITY")
                for row in self._positions:
                    marks = ", ".join(["%s"] * len(row))
                    connection.execute(f'INSERT INTO "{schema}".rm_positions VALUES ({marks})', row)

    @staticmethod
    def _drop(schema: str) -> None:
        import psycopg

        with psycopg.connect(postgres_base_url(), autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _make_tables(url: str) -> None:
    from service.bootstrap import open_service
    from service.settings import Settings

    open_service(Settings(database_url=url)).close()
    if url.startswith("sqlite:///"):  # everything in the one file, to be copied
        connection = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()


def _catalogue(connection: Any, schema: str) -> list[tuple[object, ...]]:
    """The schema's relations and triggers, to tell whether a test changed them."""
    return list(
        connection.execute(
            "SELECT c.relname, c.relkind::text, "
            "(SELECT count(*) FROM pg_trigger t WHERE t.tgrelid = c.oid) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s ORDER BY 1, 2",
            (schema,),
        ).fetchall()
    )
