"""Every answer carries a request id, every problem names it, and every log line is JSON
with that id and nothing a caller sent in confidence: no token, no header value, no body."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from service.adapters.event_store import StoreUnavailableError
from service.asgi import create_app
from service.http.logs import JsonFormatter
from service.settings import Settings

from .support import Api, Clock, assert_problem, random_nhs_number

SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
MIB = 1024 * 1024


class JsonLines(logging.Handler):
    """Keeps every record as the service's JSON formatter writes it, at the time it is logged."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def parsed(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines]

    def requests(self) -> list[dict[str, Any]]:
        return [line for line in self.parsed() if line["logger"] == "service.requests"]


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[JsonLines]:
    caplog.set_level(logging.INFO, logger="service")
    handler = JsonLines()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def _request_id(response: httpx.Response) -> str:
    values = response.headers.get_list("x-request-id")
    assert len(values) == 1, values
    assert SAFE_ID.fullmatch(values[0]), values[0]
    return values[0]


def _store_gone(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every readiness check finds the store unavailable, as when the database has gone."""

    def unavailable() -> None:
        raise StoreUnavailableError("connection refused")

    monkeypatch.setattr(client.app.state.service.application, "check_store", unavailable)  # type: ignore[attr-defined]


def _problems(api: Api) -> dict[int, httpx.Response]:
    """One answer of each problem status a case system meets."""
    case_id = api.open_case()["case_id"]
    api.propose(case_id)
    return {
        401: api.anonymous.get("/v1/authorities"),
        404: api.somerset.get("/v1/cases/00000000-0000-4000-8000-000000000000"),
        409: api.somerset.post(
            f"/v1/cases/{case_id}/transfers", json={"to_authority": "383", "reason": "Moved"}
        ),
        413: api.somerset.post("/v1/cases", content=b"x" * (MIB + 1)),
        422: api.somerset.post("/v1/cases", json={"nhs_number": "123"}),
    }


class TestRequestIds:
    def test_every_answer_carries_a_new_id_when_none_is_sent(self, api: Api) -> None:
        answers = [
            api.anonymous.get("/health/live"),
            api.somerset.get("/v1/authorities"),
            api.somerset.post(
                "/v1/cases",
                json={
                    "local_reference": "REF-ID",
                    "nhs_number": random_nhs_number(),
                    "date_of_birth": "2019-05-04",
                },
            ),
            api.anonymous.get("/no-such-route"),
            api.anonymous.get("/docs"),
            *_problems(api).values(),
        ]

        ids = [_request_id(answer) for answer in answers]

        assert len(set(ids)) == len(ids)

    @pytest.mark.parametrize("supplied", ["a", "trace-1.2_3", "Ab9" * 21 + "x"])
    def test_a_safe_id_sent_is_answered_back(self, api: Api, supplied: str) -> None:
        response = api.somerset.get("/v1/authorities", headers={"X-Request-ID": supplied})

        assert response.status_code == 200
        assert _request_id(response) == supplied

    @pytest.mark.parametrize(
        "supplied",
        [
            "abc\r\nSet-Cookie: session=1",
            "abc\nX-Injected: 1",
            "a" * 65,
            "",
            "two words",
            "caf\xe9".encode("latin-1"),
            "../etc/passwd",
        ],
        ids=["crlf", "lf", "65-chars", "empty", "space", "latin-1", "slash"],
    )
    def test_an_unsafe_id_sent_is_replaced_by_a_new_one(
        self, api: Api, supplied: str | bytes
    ) -> None:
        response = api.anonymous.get("/health/live", headers={"X-Request-ID": supplied})

        assert response.status_code == 200
        answered = _request_id(response)
        assert answered != supplied
        assert "set-cookie" not in response.headers
        assert "x-injected" not in response.headers

    def test_a_413_refused_before_any_route_carries_the_id_sent(self, api: Api) -> None:
        response = api.somerset.post(
            "/v1/cases", content=b"x" * (MIB + 1), headers={"X-Request-ID": "big-1"}
        )

        assert_problem(response, 413, "payload-too-large")
        assert _request_id(response) == "big-1"


class TestProblemsNameTheRequest:
    def test_every_problem_body_holds_the_id_of_its_answer(self, api: Api) -> None:
        for status, response in _problems(api).items():
            body = response.json()
            assert body["status"] == status, body
            assert body["request_id"] == _request_id(response), body

    def test_a_503_holds_the_id_sent(
        self, api: Api, client: TestClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        _store_gone(client, monkeypatch)

        response = api.anonymous.get("/health/ready", headers={"X-Request-ID": "lb-check-7"})

        body = assert_problem(response, 503, "store-unavailable")
        assert body["request_id"] == "lb-check-7" == _request_id(response)

    def test_a_bug_still_answers_a_problem_with_the_id_and_is_raised_for_the_server(
        self, settings: Settings, clock: Clock
    ) -> None:
        app = create_app(settings, clock=clock.now)

        @app.get("/fails", include_in_schema=False)  # a bug planted by the test, not the API
        def fails() -> None:
            raise RuntimeError("a bug")

        with TestClient(app, raise_server_exceptions=False) as quiet:
            response = quiet.get("/fails", headers={"X-Request-ID": "bug-1"})
        with TestClient(app) as strict, pytest.raises(RuntimeError, match="a bug"):
            strict.get("/fails")

        body = assert_problem(response, 500, "internal-error")
        assert body["request_id"] == "bug-1" == _request_id(response)


class TestRequestLog:
    def test_one_json_line_per_request_with_its_id_and_principal(
        self, api: Api, logs: JsonLines
    ) -> None:
        response = api.somerset.get("/v1/authorities", headers={"X-Request-ID": "trace-42"})
        api.anonymous.get("/health/live", headers={"X-Request-ID": "trace-43"})

        [line] = [line for line in logs.requests() if line["request_id"] == "trace-42"]
        assert response.status_code == 200
        assert line["level"] == "INFO"
        assert (line["method"], line["path"], line["status"]) == ("GET", "/v1/authorities", 200)
        assert line["principal"] == "Somerset case system"
        assert isinstance(line["duration_ms"], int | float) and line["duration_ms"] >= 0
        assert datetime.fromisoformat(line["timestamp"]).tzinfo is not None
        [anonymous] = [line for line in logs.requests() if line["request_id"] == "trace-43"]
        assert "principal" not in anonymous

    def test_every_line_is_one_json_object_with_a_request_id(
        self, api: Api, logs: JsonLines
    ) -> None:
        answers = [api.somerset.get("/v1/authorities"), *_problems(api).values()]

        assert logs.lines
        for line in logs.lines:
            assert "\n" not in line
            parsed = json.loads(line)
            assert {"timestamp", "level", "logger", "message", "request_id"} <= parsed.keys()
        logged = {line["request_id"]: line["status"] for line in logs.requests()}
        for answer in answers:
            assert logged[_request_id(answer)] == answer.status_code

    def test_a_line_logged_while_handling_a_request_carries_its_id(
        self, api: Api, client: TestClient, monkeypatch: pytest.MonkeyPatch, logs: JsonLines
    ) -> None:
        _store_gone(client, monkeypatch)

        api.anonymous.get("/health/ready", headers={"X-Request-ID": "ready-1"})

        [warning] = [line for line in logs.parsed() if line["level"] == "WARNING"]
        assert warning["message"].startswith("store unavailable")
        assert warning["request_id"] == "ready-1"

    def test_a_bug_is_logged_as_an_error_with_its_traceback_and_id(
        self, settings: Settings, clock: Clock, logs: JsonLines
    ) -> None:
        app = create_app(settings, clock=clock.now)

        @app.get("/fails", include_in_schema=False)  # a bug planted by the test, not the API
        def fails() -> None:
            raise RuntimeError("a bug")

        with TestClient(app, raise_server_exceptions=False) as quiet:
            quiet.get("/fails", headers={"X-Request-ID": "bug-2"})

        [line] = [line for line in logs.requests() if line["request_id"] == "bug-2"]
        assert (line["level"], line["status"]) == ("ERROR", 500)
        assert "RuntimeError: a bug" in line["exception"]

    def test_no_line_holds_a_token_a_header_value_a_query_or_a_body(
        self, api: Api, principals: tuple[Path, dict[str, str]], logs: JsonLines
    ) -> None:
        token = principals[1]["somerset"]
        nhs_number = random_nhs_number()
        spaced = f"{nhs_number[:3]} {nhs_number[3:6]} {nhs_number[6:]}"
        opening = {
            "local_reference": "SECRET-REF-81",
            "nhs_number": spaced,
            "date_of_birth": "2019-05-04",
        }
        case = api.open_case(local_reference="SECRET-REF-81", nhs_number=spaced)
        api.somerset.post(
            f"/v1/cases/{case['case_id']}/assessments",
            json={
                "completed_on": api.clock.today().isoformat(),
                "factors": ["3A"],
                "primary_need_code": "N1",
                "summary": "Confidential-summary-text about the family",
            },
        )
        api.mash.get("/v1/cases/by-nhs-number", params={"nhs_number": nhs_number})
        api.somerset.post("/v1/cases", json={**opening, "nhs_number": nhs_number + "0"})
        api.anonymous.get("/v1/authorities", headers={"Authorization": "Bearer not-a-token-77"})
        api.somerset.get("/v1/authorities", headers={"User-Agent": "agent-secret-99"})

        text = "\n".join(logs.lines)
        for secret in (
            token,
            "Bearer",
            "not-a-token-77",
            "agent-secret-99",
            nhs_number,
            spaced,
            "SECRET-REF-81",
            "Confidential-summary-text",
            "nhs_number=",
        ):
            assert secret not in text, secret
        paths = {line["path"] for line in logs.requests()}
        assert "/v1/cases" in paths
        assert all("?" not in path for path in paths)


class TestPathsInTheLog:
    """The log names the route that served a request, never the path as sent."""

    def _line(self, logs: JsonLines, request_id: str) -> dict[str, Any]:
        [line] = [line for line in logs.requests() if line["request_id"] == request_id]
        return line

    @pytest.mark.parametrize(
        ("url", "template"),
        [
            ("/v1/cases/{nhs}", "/v1/cases/{case_id}"),
            ("/v1/cases/{nhs}/timeline", "/v1/cases/{case_id}/timeline"),
            ("/mash/cases/{nhs}", "/mash/cases/{case_id}"),
            ("/mash/{nhs}", "/mash/{path}"),
            ("/mash/assets/{nhs}.css", "/mash/assets/{path}"),
            ("/{nhs}", None),
            ("/v1/{nhs}/cases", None),
        ],
    )
    def test_a_path_holding_an_nhs_number_is_logged_as_its_template(
        self, api: Api, logs: JsonLines, url: str, template: str | None
    ) -> None:
        nhs_number = random_nhs_number()

        api.somerset.get(
            url.format(nhs=nhs_number), headers={"X-Request-ID": "path-1"}, follow_redirects=False
        )

        line = self._line(logs, "path-1")
        assert line["path"] == template
        assert "case_id" not in line
        assert nhs_number not in "\n".join(logs.lines)

    def test_well_formed_ids_in_the_path_are_logged(self, api: Api, logs: JsonLines) -> None:
        case_id = api.open_case()["case_id"]
        transfer_id = api.propose(case_id)

        api.somerset.get(
            f"/v1/cases/{case_id.upper()}/transfers/{transfer_id}",
            headers={"X-Request-ID": "ids-1"},
        )

        line = self._line(logs, "ids-1")
        assert line["path"] == "/v1/cases/{case_id}/transfers/{transfer_id}"
        assert (line["case_id"], line["transfer_id"]) == (case_id, transfer_id)
        assert line["message"] == f"GET {line['path']} {line['status']}"

    def test_an_id_that_is_not_well_formed_is_left_out(self, api: Api, logs: JsonLines) -> None:
        api.somerset.get("/v1/cases/{not-an-id}", headers={"X-Request-ID": "ids-2"})

        line = self._line(logs, "ids-2")
        assert line["path"] == "/v1/cases/{case_id}"
        assert "case_id" not in line


class TestJsonFormatter:
    def _format(self, message: str, *args: object, **extra: object) -> dict[str, Any]:
        record = logging.LogRecord("service.x", logging.INFO, __file__, 1, message, args, None)
        record.__dict__.update(extra)
        line = JsonFormatter().format(record)
        assert "\n" not in line
        parsed: dict[str, Any] = json.loads(line)
        return parsed

    def test_a_message_over_several_lines_stays_one_line(self) -> None:
        parsed = self._format("one\ntwo %s", "three\r\n")

        assert parsed["message"] == "one\ntwo three\r\n"
        assert parsed["request_id"] is None
        assert (parsed["level"], parsed["logger"]) == ("INFO", "service.x")

    def test_extra_fields_are_kept_and_uvicorn_colour_copies_dropped(self) -> None:
        parsed = self._format("started", port=8000, color_message="\x1b[1mstarted\x1b[0m")

        assert parsed["port"] == 8000
        assert "color_message" not in parsed
