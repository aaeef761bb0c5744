"""The store budget's middleware on a small app: a late 503, turns held until the work ends.

The work on the store is stood in for by a sleep in a worker thread that outlasts the
request's deadline, as a wait the driver cannot bound would (a connection being opened).
"""

from __future__ import annotations

import threading
import time
from typing import Annotated

import httpx
from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.testclient import TestClient

from service.adapters.event_store import StoreUnavailableError
from service.http.store_turns import LATE_ANSWER_MARGIN, StoreBudget, take_store_turn
from service.settings import Settings
from service.web import late_unavailable_page

TIMEOUT = 0.3
WORK = 1.2
Turn = Annotated[None, Depends(take_store_turn)]


def _app(finished: threading.Event) -> FastAPI:
    app = FastAPI()

    @app.get("/v1/slow")
    def slow(_: Turn) -> dict[str, str]:
        time.sleep(WORK)
        finished.set()
        return {"answered": "late"}

    @app.get("/mash/slow")
    def slow_page(_: Turn) -> dict[str, str]:
        return slow(None)

    @app.get("/v1/quick")
    def quick(_: Turn) -> dict[str, str]:
        return {"answered": "in time"}

    @app.get("/v1/free")
    def free() -> dict[str, str]:
        return {"store": "not used"}

    def unavailable(_: object, exc: Exception) -> Response:
        return Response(str(exc), status_code=503, headers={"Retry-After": "5"})

    app.add_exception_handler(StoreUnavailableError, unavailable)
    app.add_middleware(
        StoreBudget,
        timeout_seconds=TIMEOUT,
        concurrency=1,
        retry_after_seconds=5,
        late_pages={"/mash": lambda: HTMLResponse("<p>Sorry</p>", 503)},
    )
    return app


def _timed_get(client: TestClient, path: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = client.get(path)
    return response, time.monotonic() - started


class TestLateAnswer:
    def test_a_request_still_waiting_at_its_deadline_is_answered_503(self) -> None:
        finished = threading.Event()
        with TestClient(_app(finished)) as client:
            late, took = _timed_get(client, "/v1/slow")

            assert late.status_code == 503
            assert late.headers["content-type"].startswith("application/problem+json")
            assert late.json()["code"] == "store-unavailable"
            assert late.headers["Retry-After"] == "5"
            assert took < TIMEOUT + LATE_ANSWER_MARGIN + 0.3
            assert not finished.is_set()

            # Its thread still holds the one turn: a route without the store answers, a
            # route with it waits for the turn no longer than its own deadline.
            assert client.get("/v1/free").status_code == 200
            refused, took = _timed_get(client, "/v1/quick")
            assert refused.status_code == 503
            assert "turn" in refused.text
            assert took < TIMEOUT + 0.3

            assert finished.wait(timeout=5)
            time.sleep(0.1)  # the turn is given back on the event loop
            assert client.get("/v1/quick").json() == {"answered": "in time"}

    def test_a_page_is_answered_late_with_its_own_page(self) -> None:
        with TestClient(_app(threading.Event())) as client:
            late = client.get("/mash/slow")

        assert late.status_code == 503
        assert late.text == "<p>Sorry</p>"

    def test_the_mash_pages_late_page_is_theirs_with_their_headers(self) -> None:
        page = late_unavailable_page(Settings(retry_after_seconds=7))()

        assert page.status_code == 503
        assert page.headers["Retry-After"] == "7"
        assert "follow your MASH procedure" in bytes(page.body).decode()
        assert "content-security-policy" in page.headers
        assert page.headers["cache-control"] == "no-store"
