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
connection they hand out while it is watched (eventsourcing's only after a rest,
``PING_AFTER_IDLE``), and eventsourcing's ten tries of each
call stop once the request's time is up.
"""

from __future__ import annotations

import time
from typing import Any

from psycopg_pool import ConnectionPool
from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from .deadline import WATCHDOG, current, time_left

PING_AFTER_IDLE = 1.0
"""Seconds a connection may have rested in the pool and still be handed out unpinged.

The ping was a round trip before every statement: under load, half the lookup's trips
to PostgreSQL. A connection given back less than a second ago is used at once, and its
use is watched as the ping's would be; a broken one fails that statement instead,
which eventsourcing tries again on another connection (as it would after a failed
ping); one that has rested longer, when the database may have gone since, is pinged.
"""


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
    getconn, putconn = pool.getconn, pool.putconn
    original = datastore.get_connection
    returned: dict[int, float] = {}  # by connection id: when last given back, monotonic

    def getconn_in_time(timeout: float | None = None) -> Any:
        # Each of eventsourcing's tries in a request waits its share (the pool's timeout),
        # none past the deadline. Outside a request (a start, a command, a follower) there
        # is no deadline and no retry around every wait: a process that starts while the
        # database is slow to make its first connection waits the whole store timeout.
        in_request = current() is not None
        wait = min(pool.timeout, time_left(pool.timeout)) if in_request else store_timeout
        connection = getconn(timeout=wait)
        if time.monotonic() - returned.get(id(connection), -PING_AFTER_IDLE) < PING_AFTER_IDLE:
            return connection  # in use a moment ago: its use is watched (``_Watched``)
        try:
            with WATCHDOG.watching(connection.fileno()):
                ConnectionPool.check_connection(connection)
        except BaseException:
            putconn_noted(connection)  # broken: the pool discards it
            raise
        return connection

    def putconn_noted(connection: Any) -> None:
        if connection.closed:
            returned.pop(id(connection), None)
        else:
            returned[id(connection)] = time.monotonic()
        putconn(connection)

    def watched_connection() -> Any:
        return _Watched(original())

    pool.getconn = getconn_in_time  # type: ignore[method-assign]
    pool.putconn = putconn_noted  # type: ignore[method-assign,assignment]
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
