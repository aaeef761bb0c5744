"""A database that stops answering: 503 within the store timeout, and nothing else hangs.

Each request has one deadline for every wait on the store (settings'
``store_timeout_seconds`` from its arrival). These tests use a timeout of 2 s and
allow a margin of about one second over it. The silent store is a TCP proxy in front
of the real PostgreSQL that keeps every connection open and forwards nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from service.asgi import create_app
from service.http.store_turns import TURNS_TAKEN
from service.settings import Settings

from .support import (
    Api,
    Clock,
    TcpProxy,
    assert_problem,
    at_once,
    http_client,
    live_server,
    timed,
)
from .test_outages_and_limits import _eventually_ok, _opening, _through

TIMEOUT = 2
MARGIN = 1.0
"""Seconds over the timeout a 503 may take (the middleware answers at half a second)."""


def _assert_503_in_time(response: httpx.Response, took: float) -> None:
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) > 0
    assert took < TIMEOUT + MARGIN, f"503 after {took:.2f} s, timeout {TIMEOUT} s"


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
class TestSilentStore:
    def test_answers_503_in_time_keeps_other_routes_answering_and_recovers(
        self,
        database_url: str,
        principals: tuple[Path, dict[str, str]],
        clock: Clock,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        tokens = principals[1]
        parts = urlsplit(database_url)
        with TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432) as proxy:
            settings = Settings(
                database_url=_through(proxy, database_url),
                principals_file=principals[0],
                store_timeout_seconds=TIMEOUT,
                store_concurrency=2,
            )
            with (
                live_server(create_app(settings, clock=clock.now)) as base,
                http_client(base, tokens["somerset"], timeout=30) as somerset,
                http_client(base, tokens["mash"], timeout=30) as mash,
                http_client(base, timeout=30) as anonymous,
            ):
                opened = somerset.post("/v1/cases", json=_opening())
                assert opened.status_code == 201, opened.text
                case_url = opened.headers["Location"]

                proxy.silence()
                # More requests on the store than the server has worker threads (40).
                store_calls = [
                    lambda: somerset.get(case_url),
                    lambda: somerset.post("/v1/cases", json=_opening()),
                    lambda: mash.get(case_url),  # a read that is also recorded
                    lambda: anonymous.get("/health/ready"),
                ] * 11
                free_calls = [
                    lambda: anonymous.get("/health/live"),
                    lambda: somerset.get("/v1/authorities"),
                    lambda: anonymous.get("/mash/sign-in"),
                ]
                answers = at_once(
                    [timed(call) for call in store_calls]
                    + [_after(0.5, call) for call in free_calls]
                )

                for response, took in answers[: len(store_calls)]:
                    _assert_503_in_time(response, took)
                for response, took in answers[len(store_calls) :]:
                    assert response.status_code == 200, response.text
                    assert took < 1.0, f"{response.request.url} took {took:.2f} s"

                # Still silent: the connections that were waiting were shut down, so their
                # threads came back and gave their turns back; the next requests get one.
                caplog.clear()
                for response, took in at_once([timed(lambda: somerset.get(case_url))] * 2):
                    _assert_503_in_time(response, took)
                assert not [r for r in caplog.records if TURNS_TAKEN in r.getMessage()]

                proxy.speak()
                again = _eventually_ok(lambda: somerset.get(case_url), within=20)
                assert again.status_code == 200, again.text
                assert anonymous.get("/health/ready").status_code == 200


def _after(seconds: float, call: Callable[[], httpx.Response]) -> Callable[[], Any]:
    """``call`` once the store calls have had time to take every thread they can."""

    def later() -> tuple[httpx.Response, float]:
        time.sleep(seconds)
        return timed(call)()

    return later


@contextmanager
def _locked_apart(database_url: str, release_positions_after: float) -> Iterator[None]:
    """The read models' position and the access log locked by other sessions.

    PostgreSQL: the position is released after ``release_positions_after`` seconds, the
    access log only at the end, so a read waits first for one, then for the other.
    SQLite: one lock holds both to the end.
    """
    if database_url.startswith("sqlite:///"):
        import sqlite3

        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            yield
            connection.execute("ROLLBACK")
        finally:
            connection.close()
        return
    import psycopg

    schema = parse_qs(urlsplit(database_url).query)["schema"][0]
    base = database_url.split("?")[0]
    with psycopg.connect(base) as positions, psycopg.connect(base) as access:
        positions.execute(f'LOCK TABLE "{schema}".rm_positions IN EXCLUSIVE MODE')
        access.execute(f'LOCK TABLE "{schema}".access_log IN ACCESS EXCLUSIVE MODE')
        timer = threading.Timer(release_positions_after, positions.rollback)
        timer.start()
        try:
            yield
        finally:
            timer.join()
            access.rollback()


class TestOneDeadline:
    def test_a_recorded_list_that_waits_twice_answers_within_the_timeout(
        self, settings: Settings, clock: Clock, principals: Any, database_url: str
    ) -> None:
        """An auditor's caseload waits for the lists to catch up, then for its access-log
        row: both from one budget, so the 503 comes once the timeout has passed."""
        impatient = settings.model_copy(
            update={"store_timeout_seconds": TIMEOUT, "projection_interval_seconds": 60}
        )
        with TestClient(create_app(impatient, clock=clock.now)) as client:
            api = Api(client, principals[1], clock)
            authority = api.open_case()["responsible_authority"]["code"]
            caseload = {"responsible_authority": authority}

            with _locked_apart(database_url, release_positions_after=TIMEOUT * 0.7):
                refused, took = timed(lambda: api.auditor.get("/v1/cases", params=caseload))()

            _assert_503_in_time(refused, took)
            assert refused.json()["code"] in ("store-unavailable", "read-models-behind")
            # Nothing of the refused request's budget or turn is left to the next ones.
            assert api.auditor.get("/v1/cases", params=caseload).status_code == 200
            assert api.auditor.get("/v1/access-log").status_code == 200

    def test_a_mash_read_whose_record_waits_answers_within_the_timeout(
        self, settings: Settings, clock: Clock, principals: Any, database_url: str
    ) -> None:
        impatient = settings.model_copy(update={"store_timeout_seconds": TIMEOUT})
        with TestClient(create_app(impatient, clock=clock.now)) as client:
            api = Api(client, principals[1], clock)
            case_id = api.open_case()["case_id"]

            with _locked_apart(database_url, release_positions_after=0):
                refused, took = timed(lambda: api.mash.get(f"/v1/cases/{case_id}"))()

            _assert_503_in_time(refused, took)
            assert_problem(refused, 503, "store-unavailable")
            # The refused read's thread may still be writing its access-log row (SQLite
            # has one writer): the next read answers once it has, on a busy machine
            # after a 503 of its own, never with a turn lost for good.
            again = _eventually_ok(lambda: api.mash.get(f"/v1/cases/{case_id}"), within=15)
            assert again.status_code == 200, again.text
