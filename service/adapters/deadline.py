"""One deadline per request for every wait on the store, and a watchdog that keeps it.

A request's budget is set once, when it arrives (``CASE_TRANSFER_STORE_TIMEOUT_SECONDS``
from then), and every wait on the database in that request takes what is left of it:
a connection from a pool, a lock, a statement, the read models catching up, the access
log's row. So a request waits the store timeout in all, not once per wait (a MASH read
once waited for the read and again for the access-log row).

Waits outside a request (the command line) have no budget and use their own bound
each (``time_left``'s ``default``); each round of a background follower has one.

A database that stops answering while a connection is open leaves the driver blocked
in a read that no server-side timeout can end (the statement never reached the server,
or its answer never comes back; a proxy in between may even acknowledge every packet).
``SocketWatchdog`` ends such reads from outside: a connection in use is registered with
its request's deadline, and once that has passed (plus a grace) its socket is shut
down, which wakes the blocked thread with an error (503), so a silent database cannot
hold the service's threads for longer than a request's budget.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar, Token
from dataclasses import dataclass
from itertools import count
from typing import Any

from .event_store import StoreUnavailableError

OUT_OF_TIME = "the time to wait on the database has run out"


@dataclass
class Budget:
    """The request's deadline (``time.monotonic()``) and its turn to use the store.

    Mutable on purpose: route dependencies run on a copy of the request's context,
    and what they note here must still be seen by the middleware afterwards.
    """

    deadline: float
    seconds: float
    turns: Any = None
    """The process's turns to use the store (an ``asyncio.Semaphore``), if bounded."""
    uses_store: bool = False
    holds_turn: bool = False


_budget: ContextVar[Budget | None] = ContextVar("case_transfer_store_budget", default=None)


def begin(seconds: float) -> tuple[Budget, Token[Budget | None]]:
    """Start the current request's budget of ``seconds``; ``end`` takes the token."""
    budget = Budget(time.monotonic() + seconds, seconds)
    return budget, _budget.set(budget)


def end(token: Token[Budget | None]) -> None:
    _budget.reset(token)


@contextmanager
def budget_of(seconds: float) -> Iterator[Budget]:
    """A budget for work outside a request (a background follower's round)."""
    budget, token = begin(seconds)
    try:
        yield budget
    finally:
        end(token)


def current() -> Budget | None:
    """The budget of the request being handled, or None outside one."""
    return _budget.get()


def time_left(default: float) -> float:
    """Seconds this request may still wait on the store (``default`` outside a request).

    Raises StoreUnavailableError (503) once nothing is left, so no wait starts late.
    """
    budget = _budget.get()
    if budget is None:
        return default
    left = budget.deadline - time.monotonic()
    if left <= 0:
        raise StoreUnavailableError(f"{OUT_OF_TIME} ({budget.seconds:g} s)")
    return left


def request_time_left() -> float | None:
    """Seconds the request being handled may still wait (None outside a request).

    Raises StoreUnavailableError (503) once nothing is left.
    """
    if _budget.get() is None:
        return None
    return time_left(0.0)


def bounded(seconds: float) -> float:
    """``seconds``, or less if the request has less left (never raises)."""
    budget = _budget.get()
    if budget is None:
        return seconds
    return max(0.0, min(seconds, budget.deadline - time.monotonic()))


class SocketWatchdog:
    """Shuts down the sockets of connections still in use past their request's deadline.

    One daemon thread per process, started on first use, waking every ``interval``.
    Only connections used inside a request are watched: the background followers'
    waits are bounded by the server-side timeouts alone.
    """

    def __init__(self, *, grace: float = 0.25, interval: float = 0.1) -> None:
        self.grace = grace
        self.interval = interval
        self._watched: dict[int, tuple[int, float]] = {}
        self._ids = count()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @contextmanager
    def watching(self, fileno: int) -> Iterator[None]:
        """While the block runs, the socket ``fileno`` is shut down if the deadline passes."""
        key = self.watch(fileno)
        try:
            yield
        finally:
            self.unwatch(key)

    def watch(self, fileno: int) -> int | None:
        """Watch ``fileno`` until ``unwatch``; None (nothing watched) outside a request."""
        budget = _budget.get()
        if budget is None or fileno < 0:
            return None
        key = next(self._ids)
        with self._lock:
            self._watched[key] = (fileno, budget.deadline + self.grace)
            self._start()
        return key

    def unwatch(self, key: int | None) -> None:
        """Stop watching; the connection is no longer in use (and may be closed)."""
        if key is not None:
            with self._lock:
                self._watched.pop(key, None)

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="store-watchdog", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            time.sleep(self.interval)
            now = time.monotonic()
            with self._lock:
                late = [k for k, (_, deadline) in self._watched.items() if deadline <= now]
                for key in late:
                    fileno, _ = self._watched.pop(key)
                    _shut_down(fileno)


def _shut_down(fileno: int) -> None:
    """Shut the socket down for reading and writing: a thread blocked on it wakes.

    A duplicate of the descriptor is shut down and closed, so the driver, which
    owns the original, closes it itself and no descriptor is reused under it.
    """
    with suppress(OSError):
        duplicate = socket.socket(fileno=os.dup(fileno))
        try:
            duplicate.shutdown(socket.SHUT_RDWR)
        finally:
            duplicate.close()


WATCHDOG = SocketWatchdog()
"""The process's one watchdog, shared by every engine and store it opens."""
