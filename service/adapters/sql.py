"""The SQL engine on the event store's own database, for everything kept beside the log.

One URL (``CASE_TRANSFER_DATABASE_URL``) names both, so one backup holds the log and
what was derived from it or recorded beside it (read models, the ledger, the access
log, sessions). The schema is managed by Alembic (``migrations/``):
``case-transfer migrate`` upgrades it; in development the service upgrades it at
start, and in production (``CASE_TRANSFER_CREATE_TABLES=false``) it refuses to start
until an operator has.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import ConnectionPoolEntry

from ..settings import Settings
from .deadline import bounded, request_time_left
from .event_store import (
    EXTRA_CONNECTIONS,
    StoreConfigurationError,
    StoreUnavailableError,
    startup_lock,
)
from .store_waits import bound_engine_waits, connection_parameters

SCRIPT_LOCATION = "service.adapters:migrations"


class ReadModelSchemaError(RuntimeError):
    """Raised when the read models' tables are not at the schema this code needs."""


def open_engine(settings: Settings) -> Engine:
    """An engine on the event store's database; writers on SQLite take the lock at BEGIN."""
    parts = urlsplit(settings.database_url)
    timeout = settings.store_timeout_seconds
    if parts.scheme == "sqlite":
        engine = create_engine(
            "sqlite+pysqlite://" + settings.database_url.removeprefix("sqlite://"),
            connect_args={"timeout": timeout, "check_same_thread": False},
        )
        _begin_immediately_when_asked(engine)
        return engine
    if parts.scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        schema = parse_qs(parts.query).get("schema", [""])[0]
        options = f"-c lock_timeout={timeout * 1000}"
        if schema:
            options += f" -c search_path={schema}"
        url = urlunsplit(("postgresql+psycopg", parts.netloc, parts.path, "", ""))
        engine = create_engine(
            url,
            connect_args={"options": options, **connection_parameters(timeout)},
            pool_size=2,
            max_overflow=settings.store_concurrency + EXTRA_CONNECTIONS,
            pool_timeout=timeout,
        )
        bound_engine_waits(engine, timeout)  # pinged and watched (instead of pool_pre_ping)
        return engine
    raise StoreConfigurationError(
        f"CASE_TRANSFER_DATABASE_URL must start sqlite:/// or postgresql://, not {parts.scheme!r}"
    )


def _begin_immediately_when_asked(engine: Engine) -> None:
    """SQLite: ``execution_options(immediate=True)`` begins with the write lock held.

    A projection batch reads its position and then writes; taking the lock at BEGIN
    means two writers queue instead of one failing to upgrade a read lock. Readers
    (``immediate`` unset) begin deferred and never wait for a writer (WAL).
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy, not pysqlite, emits BEGIN

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get("immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def writing(engine: Engine, *, lock_wait: float | None = None) -> Iterator[Connection]:
    """A transaction that will write: on SQLite it holds the write lock from its start.

    ``lock_wait`` (seconds) caps how long its locks may be waited for, instead of the
    store timeout: a request that must answer within a deadline cannot wait longer.
    Unset, inside a request, it is what is left of the request's deadline.
    Exceeding it raises the driver's lock error (``is_lock_timeout`` tells it apart).
    """
    lock_wait = request_time_left() if lock_wait is None else bounded(lock_wait)
    with engine.connect().execution_options(immediate=True) as connection:
        sqlite = connection.dialect.name == "sqlite"
        driver: Any = connection.connection.driver_connection
        usual = None
        if lock_wait is not None and sqlite:
            # Before BEGIN IMMEDIATE, which is where SQLite waits for the lock.
            usual = driver.execute("PRAGMA busy_timeout").fetchone()[0]
            driver.execute(f"PRAGMA busy_timeout = {max(1, int(lock_wait * 1000))}")
        try:
            with connection.begin():
                if lock_wait is not None and not sqlite:
                    milliseconds = max(1, int(lock_wait * 1000))
                    connection.exec_driver_sql(f"SET LOCAL lock_timeout = {milliseconds}")
                yield connection
        finally:
            if usual is not None:
                driver.execute(f"PRAGMA busy_timeout = {int(usual)}")


@contextmanager
def sql_errors() -> Iterator[None]:
    """The database unreachable or locked too long: 503, like the event store."""
    try:
        yield
    except OperationalError as error:
        raise StoreUnavailableError(str(error.orig)) from error


def is_lock_timeout(error: OperationalError) -> bool:
    """Whether the database gave up waiting for a lock (not that it is unreachable)."""
    if getattr(error.orig, "sqlstate", None) == "55P03":  # PostgreSQL lock_not_available
        return True
    return "database is locked" in str(error.orig)


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["connection"] = connection
    return config


def migrate(engine: Engine) -> None:
    """Upgrade the read models' schema to the newest revision (``case-transfer migrate``)."""
    with writing(engine) as connection:
        command.upgrade(_alembic_config(connection), "head")


def schema_revisions(engine: Engine) -> tuple[str | None, str | None]:
    """The revision the database is at, and the newest one this code knows."""
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        head = ScriptDirectory.from_config(_alembic_config(connection)).get_current_head()
    return current, head


def check_schema(engine: Engine) -> None:
    """Refuse to run against read models at another revision than this code's."""
    current, head = schema_revisions(engine)
    if current != head:
        raise ReadModelSchemaError(
            f"the read models' schema is at revision {current or 'none'}, this version needs "
            f"{head}: run `case-transfer migrate` first"
        )


def prepare_schema(engine: Engine, env: dict[str, str], *, upgrade: bool) -> None:
    """At start: upgrade the schema (development), or refuse one that is not current.

    Replicas starting together upgrade one at a time (the store's start-up lock).
    """
    if upgrade:
        with startup_lock(env):
            migrate(engine)
    check_schema(engine)
