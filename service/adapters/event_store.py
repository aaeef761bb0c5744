"""The event store: the eventsourcing library's persistence, configured from Settings.

The library's own ``eventsourcing.sqlite`` and ``eventsourcing.postgres`` recorders
are used (DESIGN.md: 1.5-2.7x faster than the SQLAlchemy adapter). The environment is
passed to ``Application(env=...)``; ``os.environ`` is never changed. With an
encryption key, eventsourcing's ``AESCipher`` encrypts every payload (``keys.py``).
Its failures to answer become one error, ``StoreUnavailableError``, that the entry
points answer 503 (or one line from the command line).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError, Transcoding

from ..settings import DEFAULT_DATABASE_URL, Settings
from .keys import cipher_environment
from .recorders import RECORDER_TOPICS

# The folder of the default SQLite file: the one folder the service makes itself.
DEFAULT_SQLITE_FOLDER = Path(DEFAULT_DATABASE_URL.removeprefix("sqlite:///")).parent

EXTRA_CONNECTIONS = 6
"""Connections beyond the requests' turns: the two followers, start-up, health checks."""


class StoreUnavailableError(Exception):
    """Raised when the event store cannot be reached or locked in time (503)."""


@contextmanager
def store_errors() -> Iterator[None]:
    """Turn the store's connection and lock failures into one error the API answers 503."""
    try:
        yield
    except (OperationalError, InterfaceError, psycopg.OperationalError) as error:
        raise StoreUnavailableError(str(error)) from error


class StoreConfigurationError(ValueError):
    """Raised when the database URL names a store the service cannot use."""


class DateAsISO(Transcoding):
    """Stores calendar dates (transfer dates, dates of birth) as ISO strings."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def eventsourcing_env(settings: Settings, *, read_only: bool = False) -> dict[str, str]:
    """The eventsourcing environment for ``settings.database_url`` and encryption key.

    ``read_only``: the tables are never created, whatever ``create_tables`` says, so
    commands that only read (``verify``, ``export``) run no DDL.
    """
    url = settings.database_url
    cipher = cipher_environment(settings.encryption_key)
    timeout = str(settings.store_timeout_seconds)
    # eventsourcing's PostgreSQL recorder tries each call up to ten times: give each try
    # a tenth of the budget, so the whole wait stays near it.
    per_try = str(max(1, settings.store_timeout_seconds // 10))
    if url.startswith("sqlite:///"):
        path = _sqlite_path(url)
        return {
            **cipher,
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "APPLICATION_RECORDER_TOPIC": RECORDER_TOPICS["eventsourcing.sqlite"],
            "SQLITE_DBNAME": str(path),
            "SQLITE_LOCK_TIMEOUT": timeout,
            "CREATE_TABLE": "n" if read_only else "y",
        }
    parts = urlsplit(url)
    if parts.scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        query = parse_qs(parts.query)
        dbname = parts.path.lstrip("/")
        if not dbname or not parts.hostname:
            raise StoreConfigurationError("a PostgreSQL URL needs a host and a database name")
        return {
            **cipher,
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "APPLICATION_RECORDER_TOPIC": RECORDER_TOPICS["eventsourcing.postgres"],
            "POSTGRES_DBNAME": unquote(dbname),
            "POSTGRES_HOST": parts.hostname,
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_SCHEMA": query.get("schema", [""])[0],
            "POSTGRES_CONNECT_TIMEOUT": per_try,
            "POSTGRES_LOCK_TIMEOUT": per_try,
            "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": str(settings.store_timeout_seconds * 2),
            # Pinged under the request's deadline instead (adapters.store_waits).
            "POSTGRES_PRE_PING": "n",
            "POSTGRES_POOL_SIZE": "2",
            "POSTGRES_MAX_OVERFLOW": str(settings.store_concurrency + EXTRA_CONNECTIONS),
            "CREATE_TABLE": "y" if settings.create_tables and not read_only else "n",
        }
    if parts.scheme == "sqlite":
        raise StoreConfigurationError(
            "a SQLite URL has three slashes before a relative path and four before an "
            "absolute one: sqlite:///var/cases.sqlite3 or sqlite:////srv/cases.sqlite3"
        )
    raise StoreConfigurationError(
        f"CASE_TRANSFER_DATABASE_URL must start sqlite:/// or postgresql://, not {parts.scheme!r}"
    )


def _sqlite_path(url: str) -> Path:
    """The SQLite file a URL names; only the default folder (``var``) is ever made.

    A mistyped folder must not quietly become a new directory inside the checkout
    with an empty database in it: an operator would think the records were lost.
    """
    path = Path(url.removeprefix("sqlite:///"))
    if str(path) == ":memory:":
        return path
    if path.parent == DEFAULT_SQLITE_FOLDER:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.parent.is_dir():
        raise StoreConfigurationError(
            f"the folder {path.parent} for the SQLite database does not exist; make it first "
            "(only the default folder, var, is made for you)"
        )
    return path


@contextmanager
def startup_lock(env: dict[str, str]) -> Iterator[None]:
    """Serialise start-up across replicas sharing one PostgreSQL schema.

    Every start runs eventsourcing's ``CREATE ... IF NOT EXISTS`` and ``CREATE OR REPLACE
    FUNCTION``, which PostgreSQL does not make safe when run at the same moment by two
    sessions; a transaction-free advisory lock keyed by the schema lets one replica
    create while the others wait. SQLite needs nothing: its file lock serialises them.
    """
    if env.get("PERSISTENCE_MODULE") != "eventsourcing.postgres":
        yield
        return
    schema = env.get("POSTGRES_SCHEMA") or "public"
    key = int.from_bytes(hashlib.sha256(f"case-transfer:{schema}".encode()).digest()[:8], "big")
    key -= 1 << 63 if key >= 1 << 63 else 0
    with psycopg.connect(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        password=env.get("POSTGRES_PASSWORD") or None,
        connect_timeout=int(env.get("POSTGRES_CONNECT_TIMEOUT") or "5"),
        autocommit=True,
    ) as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (key,))
        try:
            yield
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (key,))


def wait_for_sqlite_writer_as_long_as_for_its_lock(application: Any, env: dict[str, str]) -> None:
    """On SQLite, let a write wait for the pool's one writer connection as long as for the lock.

    eventsourcing's SQLite pool hands out a single writer connection and gives up after
    a fixed 5 s, while the writer holding it may itself wait up to the store timeout for
    the file's lock (taken briefly by the read models, the ledger and the access log).
    Under a burst of writes the fixed 5 s, not the database, decided the 503; the wait
    now follows ``CASE_TRANSFER_STORE_TIMEOUT_SECONDS`` like every other.
    """
    if env.get("PERSISTENCE_MODULE") != "eventsourcing.sqlite":
        return
    application.recorder.datastore.pool.pool_timeout = float(env["SQLITE_LOCK_TIMEOUT"])
