"""A store outage answers 503 and recovers; hostile or oversized input never reaches a 500.

The outage test runs a real server whose PostgreSQL connections pass through a TCP
proxy the test cuts and restores. The limits run through the ASGI test client and,
where the wire matters (chunked bodies, encoded paths), through a real server.
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from uuid import uuid4

import httpx
import pytest

from service.asgi import create_app
from service.settings import Settings

from .support import (
    Api,
    Clock,
    TcpProxy,
    assert_problem,
    at_once,
    http_client,
    live_server,
    random_nhs_number,
    timed,
)

MIB = 1024 * 1024
STORE_TIMEOUT = 2
PROPOSAL = {"to_authority": "801", "reason": "Family moved"}
PROBLEM_JSON = "application/problem+json"


def _opening(**overrides: Any) -> dict[str, Any]:
    return {
        "local_reference": "REF-1",
        "nhs_number": random_nhs_number(),
        "date_of_birth": "2019-05-04",
        **overrides,
    }


def _through(proxy: TcpProxy, database_url: str) -> str:
    """The same PostgreSQL URL with its host and port replaced by the proxy's."""
    parts = urlsplit(database_url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@127.0.0.1:{proxy.port}" if credentials else f"127.0.0.1:{proxy.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def _assert_unavailable(response: httpx.Response) -> None:
    assert_problem(response, 503, "store-unavailable")
    assert int(response.headers["Retry-After"]) > 0


def _eventually_ok(call: Any, *, within: float = 30.0) -> httpx.Response:
    """Poll until a request answers 2xx: a pool reconnects with back-off, not instantly."""
    deadline = time.monotonic() + within
    while True:
        response: httpx.Response = call()
        if response.is_success or time.monotonic() > deadline:
            return response
        _assert_unavailable(response)
        time.sleep(0.2)


@contextmanager
def _server_through_proxy(
    database_url: str,
    principals: tuple[Path, dict[str, str]],
    clock: Clock,
    timeout: float,
    store_timeout: int = STORE_TIMEOUT,
) -> Iterator[tuple[TcpProxy, httpx.Client]]:
    """A real server whose PostgreSQL connections pass through a proxy; Somerset's client."""
    parts = urlsplit(database_url)
    with TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432) as proxy:
        settings = Settings(
            database_url=_through(proxy, database_url),
            principals_file=principals[0],
            store_timeout_seconds=store_timeout,
        )
        app = create_app(settings, clock=clock.now)
        with (
            live_server(app) as base_url,
            http_client(base_url, principals[1]["somerset"], timeout=timeout) as http,
        ):
            yield proxy, http


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
class TestStoreOutage:
    def test_answers_503_while_the_database_is_gone_and_recovers_without_restart(
        self, database_url: str, principals: tuple[Path, dict[str, str]], clock: Clock
    ) -> None:
        with _server_through_proxy(database_url, principals, clock, timeout=30) as (proxy, http):
            opened = http.post("/v1/cases", json=_opening())
            assert opened.status_code == 201, opened.text
            case_url = opened.headers["Location"]

            proxy.cut()
            # At once, to keep the outage (and the test) short: each takes a while.
            got, posted, proposed, ready, live = at_once(
                [
                    lambda: http.get(case_url),
                    lambda: http.post("/v1/cases", json=_opening()),
                    lambda: http.post(f"{case_url}/transfers", json=PROPOSAL),
                    lambda: http.get("/health/ready"),
                    lambda: http.get("/health/live"),
                ]
            )

            for unavailable in (got, posted, proposed, ready):
                _assert_unavailable(unavailable)
            assert live.status_code == 200, live.text
            proxy.restore()

            again = _eventually_ok(lambda: http.get(case_url), within=90)
            assert again.status_code == 200, again.text
            assert again.json()["case_id"] == opened.json()["case_id"]
            assert again.json()["child"] == opened.json()["child"]
            assert http.get("/health/ready").status_code == 200
            # A pooled connection that died in the outage answers once more with a 503 (a
            # change "may or may not be recorded"): retried with the same key, as clients do.
            key = {"Idempotency-Key": "propose-after-the-outage"}
            proposed = _eventually_ok(
                lambda: http.post(f"{case_url}/transfers", json=PROPOSAL, headers=key), within=30
            )
            assert proposed.status_code == 201, proposed.text
            history = http.get(f"{case_url}/history").json()["events"]
            assert [e["type"] for e in history] == ["CaseOpened", "TransferProposed"]

    def test_answers_503_within_the_store_timeout(
        self, database_url: str, principals: tuple[Path, dict[str, str]], clock: Clock
    ) -> None:
        """Settings.store_timeout_seconds: how long a request may wait before a 503.

        eventsourcing's PostgreSQL recorder tries each call ten times; each try once
        waited its own share, and the sum came to more than the timeout (a regression
        test). A silent database: test_store_deadline.py.
        """
        budget = 2
        with _server_through_proxy(
            database_url, principals, clock, timeout=5 * budget, store_timeout=budget
        ) as (proxy, http):
            opened = http.post("/v1/cases", json=_opening())
            assert opened.status_code == 201, opened.text
            proxy.cut()

            answers = at_once(
                [
                    timed(lambda: http.get(opened.headers["Location"])),
                    timed(lambda: http.post("/v1/cases", json=_opening())),
                ]
            )
            for answer, took in answers:
                _assert_unavailable(answer)
                assert took < budget + 1, f"503 after {took:.2f} s"


# ---- limits and hostile input ------------------------------------------------------------


@pytest.fixture
def server(settings: Settings, clock: Clock) -> Iterator[str]:
    with live_server(create_app(settings, clock=clock.now)) as base_url:
        yield base_url


@pytest.fixture
def somerset_http(server: str, principals: tuple[Path, dict[str, str]]) -> Iterator[httpx.Client]:
    with http_client(server, principals[1]["somerset"]) as client:
        yield client


def _assert_no_case_for(api: Api, nhs_number: str) -> None:
    found = api.mash.get("/v1/cases/by-nhs-number", params={"nhs_number": nhs_number})
    assert found.json()["items"] == []


class TestBodySize:
    def test_a_body_over_one_mebibyte_with_content_length_is_413(self, api: Api) -> None:
        body = _opening(local_reference="R" * MIB)

        response = api.somerset.post("/v1/cases", json=body)

        assert_problem(response, 413, "payload-too-large")
        _assert_no_case_for(api, body["nhs_number"])

    def test_a_body_of_exactly_one_mebibyte_is_read(self, api: Api) -> None:
        padding = b" " * (MIB - len(b'{"local_reference": "R"}'))
        content = b'{"local_reference": "R"}' + padding
        assert len(content) == MIB

        response = api.somerset.post(
            "/v1/cases", content=content, headers={"Content-Type": "application/json"}
        )

        assert response.status_code == 422, response.text  # read, then refused: no NHS number
        assert response.json()["code"] != "payload-too-large"

    def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_sent(
        self, server: str, principals: tuple[Path, dict[str, str]]
    ) -> None:
        """A hostile client may declare any length; the answer comes before the body."""
        connection = http.client.HTTPConnection(urlsplit(server).netloc, timeout=10)
        try:
            connection.putrequest("POST", "/v1/cases")
            connection.putheader("Authorization", f"Bearer {principals[1]['somerset']}")
            connection.putheader("Content-Type", "application/json")
            connection.putheader("Content-Length", "99999999999")
            connection.endheaders(b"{")
            response = connection.getresponse()
            body = json.loads(response.read())
        finally:
            connection.close()
        assert response.status == 413
        assert response.getheader("Content-Type", "").startswith(PROBLEM_JSON)
        assert body["code"] == "payload-too-large"

    def test_a_chunked_body_over_one_mebibyte_is_413_over_the_wire(
        self, somerset_http: httpx.Client
    ) -> None:
        sent = 0

        def chunks() -> Iterator[bytes]:
            nonlocal sent
            yield b'{"local_reference": "'
            for _ in range(2 * MIB // 65536):
                sent += 65536
                yield b"R" * 65536
            yield b'"}'

        response = somerset_http.post(
            "/v1/cases", content=chunks(), headers={"Content-Type": "application/json"}
        )

        assert "content-length" not in response.request.headers
        assert response.request.headers["transfer-encoding"] == "chunked"
        assert_problem(response, 413, "payload-too-large")

    def test_a_chunked_body_over_one_mebibyte_is_413_in_process(self, api: Api) -> None:
        def chunks() -> Iterator[bytes]:
            for _ in range(2 * MIB // 65536):
                yield b"R" * 65536

        response = api.somerset.post(
            "/v1/cases", content=chunks(), headers={"Content-Type": "application/json"}
        )

        assert "content-length" not in response.request.headers
        assert_problem(response, 413, "payload-too-large")


class TestMalformedBodies:
    @pytest.mark.parametrize(
        "content",
        [b'{"local_reference": ', b"{'a': 1}", b"", b"null", b"[]", b'"text"', b"{}{}"],
        ids=["truncated", "single-quotes", "empty", "null", "array", "string", "two-objects"],
    )
    def test_a_body_that_is_not_a_json_object_is_422(self, api: Api, content: bytes) -> None:
        response = api.somerset.post(
            "/v1/cases", content=content, headers={"Content-Type": "application/json"}
        )
        assert_problem(response, 422, "invalid-request")

    @pytest.mark.parametrize("content", [b"\xff\xfe\x00", b'{"local_reference": "\xff"}'])
    def test_a_body_that_is_not_utf8_is_422(self, api: Api, content: bytes) -> None:
        response = api.somerset.post(
            "/v1/cases", content=content, headers={"Content-Type": "application/json"}
        )
        assert_problem(response, 422, "invalid-request")

    def test_an_array_of_openings_is_422(self, api: Api) -> None:
        body = _opening()

        response = api.somerset.post("/v1/cases", json=[body])

        assert_problem(response, 422, "invalid-request")
        _assert_no_case_for(api, body["nhs_number"])

    @pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
    def test_a_body_that_is_not_declared_json_is_422(self, api: Api, content_type: str) -> None:
        body = _opening()

        response = api.somerset.post(
            "/v1/cases", content=json.dumps(body).encode(), headers={"Content-Type": content_type}
        )

        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith(PROBLEM_JSON)
        _assert_no_case_for(api, body["nhs_number"])

    def test_an_unknown_field_is_422(self, api: Api) -> None:
        response = api.somerset.post("/v1/cases", json=_opening(responsible="801"))
        assert_problem(response, 422, "invalid-request")


class TestHostileText:
    @pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b[31m", "\x7f", "\x0b"])
    def test_control_characters_in_a_reference_are_refused(self, api: Api, control: str) -> None:
        body = _opening(local_reference=f"REF{control}1")

        response = api.somerset.post("/v1/cases", json=body)

        assert_problem(response, 422, "control-characters")
        _assert_no_case_for(api, body["nhs_number"])

    def test_control_characters_in_a_summary_are_refused(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]

        response = api.somerset.post(
            f"/v1/cases/{case_id}/assessments",
            json={
                "completed_on": api.clock.today().isoformat(),
                "factors": ["3A"],
                "primary_need_code": "N1",
                "summary": "Seen at home.\x1b]0;pwned\x07\nNo concerns.",
            },
        )

        assert_problem(response, 422, "control-characters")

    def test_tabs_and_newlines_in_a_summary_are_kept(self, api: Api) -> None:
        case_id = api.open_case()["case_id"]
        summary = "Seen at home.\n\tNo concerns.\r\nFollow up."

        response = api.somerset.post(
            f"/v1/cases/{case_id}/assessments",
            json={
                "completed_on": api.clock.today().isoformat(),
                "factors": ["3A"],
                "primary_need_code": "N1",
                "summary": summary,
            },
        )

        assert response.status_code == 200, response.text
        assert response.json()["assessments"][0]["summary"] == summary

    @pytest.mark.parametrize(("length", "status"), [(10_000, 200), (10_001, 422)])
    def test_a_summary_may_hold_ten_thousand_characters(
        self, api: Api, length: int, status: int
    ) -> None:
        case_id = api.open_case()["case_id"]

        response = api.somerset.post(
            f"/v1/cases/{case_id}/assessments",
            json={
                "completed_on": api.clock.today().isoformat(),
                "factors": ["3A"],
                "primary_need_code": "N1",
                "summary": "s" * length,
            },
        )

        assert response.status_code == status, response.text
        if status == 422:
            assert_problem(response, 422, "invalid-request")
            assert "s" * 100 not in response.text  # the input is not echoed back

    def test_a_reference_of_65_characters_is_422(self, api: Api) -> None:
        response = api.somerset.post("/v1/cases", json=_opening(local_reference="R" * 65))
        assert_problem(response, 422, "invalid-request")


class TestUnknownRoutes:
    def test_an_unknown_route_is_a_404_problem(self, api: Api) -> None:
        assert_problem(api.somerset.get("/v1/nothing-here"), 404, "not-found")
        assert_problem(api.anonymous.get("/etc/passwd"), 404, "not-found")

    @pytest.mark.parametrize(
        ("method", "path"),
        [("POST", "/v1/authorities"), ("DELETE", "/v1/cases"), ("PUT", "/health/live")],
    )
    def test_a_wrong_method_is_a_405_problem(self, api: Api, method: str, path: str) -> None:
        response = api.client.request(method, path, headers=api.somerset.headers)
        body = assert_problem(response, 405, "method-not-allowed")
        assert body["status"] == 405
        assert "allow" in response.headers

    def test_a_405_allows_every_method_of_the_path(self, api: Api) -> None:
        """Each method of ``/v1/subscriptions/{id}`` is its own route; Allow names all."""
        path = f"/v1/subscriptions/{uuid4()}"
        response = api.client.request("PUT", path, headers=api.somerset.headers)
        assert_problem(response, 405, "method-not-allowed")
        assert response.headers["allow"] == "DELETE, GET"

    @pytest.mark.parametrize(
        "case_id",
        ["..%2F..%2Fetc", "..%2F..%2Fetc%2Fpasswd", "%2e%2e", "..", "not-a-uuid", "%00"],
    )
    def test_a_path_traversal_case_id_is_404_over_the_wire(
        self, somerset_http: httpx.Client, case_id: str
    ) -> None:
        for suffix in ("", "/history", "/timeline"):
            # The path is sent as written: no client-side decoding or dot-segment removal.
            raw = somerset_http.base_url.copy_with(raw_path=f"/v1/cases/{case_id}{suffix}".encode())
            response = somerset_http.get(raw)
            assert response.status_code == 404, (raw, response.text)
            assert response.headers["content-type"].startswith(PROBLEM_JSON)
            assert response.json()["code"] in ("not-found", "case-not-found")

    def test_a_path_traversal_case_id_is_404_in_process(self, api: Api) -> None:
        assert_problem(api.somerset.get("/v1/cases/..%2F..%2Fetc"), 404, "not-found")
        closing = api.somerset.post("/v1/cases/..%2F..%2Fetc/closure", json={"reason_code": "RC1"})
        assert_problem(closing, 404, "not-found")
