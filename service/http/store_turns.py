"""Each request's deadline on the store, and a bounded number of turns to use it.

``StoreBudget`` (middleware) starts every request's budget when it arrives
(``CASE_TRANSFER_STORE_TIMEOUT_SECONDS``; ``service.adapters.deadline``). A route that
uses the database first takes one of the process's turns (``take_store_turn``, a
dependency), waiting for one no longer than the request has left, on the event loop,
so no worker thread is held while it waits. Routes that do not use the database
(``/health/live``, ``/v1/authorities``, the sign-in page without a session, the
pages' assets) never take one: when the database stops answering, at most
``CASE_TRANSFER_STORE_CONCURRENCY`` threads wait on it, and those routes keep answering.

If a request that uses the store has not begun its answer shortly after its deadline
(a wait the driver cannot bound, such as a connection being opened), the middleware
answers 503 itself; the request's thread finishes in the background and its turn is
given back only then, so the turns still count the threads waiting on the store.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.adapters import deadline
from service.adapters.event_store import StoreUnavailableError

from .middleware import HttpMiddleware
from .problem import problem

log = logging.getLogger(__name__)

LATE_ANSWER_MARGIN = 0.5
"""Seconds after the deadline the middleware waits for the request's own answer."""

TURNS_TAKEN = "every turn to use the database is taken"


class StoreBudget(HttpMiddleware):
    """ASGI middleware: the request's deadline, its turn given back, a 503 when late."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        timeout_seconds: float,
        concurrency: int,
        retry_after_seconds: int,
        late_pages: Mapping[str, Callable[[], Response]] | None = None,
    ) -> None:
        """``late_pages``: by path prefix, the answer to send late instead of a problem."""
        super().__init__(app)
        self.timeout_seconds = timeout_seconds
        self.concurrency = concurrency
        self.retry_after_seconds = retry_after_seconds
        self.late_pages = dict(late_pages or {})
        self._turns: asyncio.Semaphore | None = None  # made in the serving loop

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._turns is None:
            self._turns = asyncio.Semaphore(self.concurrency)
        budget, token = deadline.begin(self.timeout_seconds)
        budget.turns = self._turns
        started = late = False

        async def send_unless_late(message: Message) -> None:
            nonlocal started
            if late:
                return  # already answered 503: the request's own answer is dropped
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        task = asyncio.ensure_future(self.app(scope, receive, send_unless_late))
        try:
            while not task.done():
                wait = budget.deadline + LATE_ANSWER_MARGIN - time.monotonic()
                if wait > 0:
                    await asyncio.wait({task}, timeout=wait)
                elif budget.uses_store and not started:
                    late = True
                    await self._answer_late(scope, receive, send)
                    return
                else:  # no store, or already answering: no deadline
                    await asyncio.wait({task})
            task.result()  # the request's own error, if any, goes on to the outer middleware
        except asyncio.CancelledError:
            task.cancel()
            raise
        finally:
            task.add_done_callback(lambda done: _finish(done, budget, late=late))
            deadline.end(token)

    async def _answer_late(self, scope: Scope, receive: Receive, send: Send) -> None:
        log.warning("store unavailable: no answer within the store timeout")
        path = str(scope.get("path", ""))
        page = next((p for prefix, p in self.late_pages.items() if path.startswith(prefix)), None)
        if page is not None:
            response = page()
        else:
            response = problem(
                503,
                "store-unavailable",
                "The record is unavailable",
                "The store did not answer in time. A change asked for may or may not be "
                "recorded: send it again with the same Idempotency-Key, which never records "
                "it twice.",
                headers={"Retry-After": str(self.retry_after_seconds)},
            )
        await response(scope, receive, send)


def _finish(task: asyncio.Future[None], budget: deadline.Budget, *, late: bool) -> None:
    """The request has finished (at once if it is done): give its turn back.

    A request already answered late has nobody left to raise its failure to: it is logged.
    """
    _give_back(budget)
    if late and not task.cancelled() and task.exception() is not None:
        log.error("a request answered 503 late then failed", exc_info=task.exception())


def _give_back(budget: deadline.Budget) -> None:
    if budget.holds_turn:
        budget.holds_turn = False
        budget.turns.release()


async def take_store_turn() -> None:
    """Dependency: a turn to use the store, waited for no longer than the request has left.

    Raises StoreUnavailableError (503) when none comes in time. Taken once per request
    however many dependencies ask; given back by ``StoreBudget`` when the request ends.
    """
    budget = deadline.current()
    if budget is None or budget.turns is None:
        return  # not served through StoreBudget (a bare router in a unit test)
    budget.uses_store = True
    if budget.holds_turn:
        return
    turns: asyncio.Semaphore = budget.turns
    if not turns.locked():
        await turns.acquire()  # free: taken at once, without suspending
    else:
        left = budget.deadline - time.monotonic()
        try:
            await asyncio.wait_for(turns.acquire(), timeout=max(left, 0.0))
        except TimeoutError:
            raise StoreUnavailableError(TURNS_TAKEN) from None
    budget.holds_turn = True
