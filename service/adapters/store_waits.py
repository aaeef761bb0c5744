"""Every wait on PostgreSQL bounded: the server's, the network's and the request's.

Three layers, because a database can stop answering in three ways:

- slowly (a statement or a lock that takes too long): ``statement_timeout`` and
  ``lock_timeout`` end it on the server, at the store timeout;
- silently on a dead network (packets lost): TCP keepalives and ``tcp_user_timeout``
  make the kernel give up on the connection after about the store timeout;
- silently behind something that keeps the connection open and acknowledges what is
  sent, forwarding nothing: only the client can tell, so each connection in use by a
  request is watched (``deadline.WATCHDOG``) and shut down once the request's deadline
  has passed.

Both pools (eventsourcing's, for the event store, and SQLAlchemy's, for everything
beside it) wait for a free connection no longer than the request has left, ping a
connection they hand out while it is watched, and eventsourcing's ten tries of each
call stop once the request's time is up.
"""

from __future__ import annotations

from typing import Any

from psycopg_pool import ConnectionPool
from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from .deadline import WATCHDOG, time_left


def connection_parameters(timeout: int) -> dict[str, Any]:
    """libpq parameters that end a connection the network has silently dropped.

    ``timeout`` is the store timeout in seconds. A connection that cannot even be
    opened gives up after it (libpq's minimum is 2 s).
    """
    return {
        "connect_timeout": max(2, timeout),
        "keepalives": 1,
        "keepalives_idle": max(1, timeout // 2),
        "keepalives_interval": 1,
        "keepalives_count": 3,
        "tcp_user_timeout": timeout * 1000,
    }


def server_options(timeout: int) -> str:
    """The server-side bounds of every statement and lock wait, as libpq ``options``."""
    milliseconds = timeout * 1000
    return f"-c statement_timeout={milliseconds} -c lock_timeout={milliseconds}"


def bound_event_store_waits(factory: Any, store_timeout: int) -> None:
    """Bound every wait of eventsourcing's PostgreSQL datastore (a no-op on SQLite).

    Called before the datastore's pool opens, so every connection it makes has the
    parameters. Its own pre-ping is off (``eventsourcing_env``): the ping is done here,
    under the watchdog, where a silent database cannot hold it.
    """
    datastore: Any = getattr(factory, "datastore", None)
    pool = getattr(datastore, "pool", None)
    if not isinstance(pool, ConnectionPool):
        return
    assert isinstance(pool.kwargs, dict)
    pool.kwargs.update(connection_parameters(store_timeout))
    options = pool.kwargs.get("options", "")
    pool.kwargs["options"] = f"{options} {server_options(store_timeout)}".strip()
    getconn = pool.getconn
    original = datastore.get_connection

    def getconn_in_time(timeout: float | None = None) -> Any:
        # Each of eventsourcing's tries waits its share (the pool's timeout), none past
        # the deadline.
        connection = getconn(timeout=min(pool.timeout, time_left(pool.timeout)))
        try:
            with WATCHDOG.watching(connection.fileno()):
                ConnectionPool.check_connection(connection)
        except BaseException:
            pool.putconn(connection)  # broken: the pool discards it
            raise
        return connection

    def watched_connection() -> Any:
        return _Watched(original())

    pool.getconn = getconn_in_time  # type: ignore[method-assign]
    datastore.get_connection = watched_connection


class _Watched:
    """eventsourcing's ``get_connection`` context, with the connection watched while in use."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.key: int | None = None

    def __enter__(self) -> Any:
        connection = self.inner.__enter__()
        self.key = WATCHDOG.watch(connection.fileno())
        return connection

    def __exit__(self, *exc: Any) -> Any:
        WATCHDOG.unwatch(self.key)
        return self.inner.__exit__(*exc)


def bound_engine_waits(engine: Engine, timeout: int) -> None:
    """The same for the SQLAlchemy engine on PostgreSQL: watched from checkout to checkin.

    Replaces ``pool_pre_ping``, which SQLAlchemy runs before any listener could watch it.
    """

    @event.listens_for(engine, "checkout")
    def _checkout(
        dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection
    ) -> None:
        time_left(float(timeout))  # out of time: 503 before any wait
        key = WATCHDOG.watch(dbapi_connection.fileno())
        try:
            ConnectionPool.check_connection(dbapi_connection)  # one round trip, no transaction
        except Exception as error:
            WATCHDOG.unwatch(key)
            raise DisconnectionError(str(error)) from error  # the pool reconnects
        record.info["watch"] = key

    @event.listens_for(engine, "checkin")
    def _checkin(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        WATCHDOG.unwatch(record.info.pop("watch", None))

    @event.listens_for(engine, "invalidate")
    def _invalidate(dbapi_connection: Any, record: ConnectionPoolEntry, error: Any) -> None:
        WATCHDOG.unwatch(record.info.pop("watch", None))
