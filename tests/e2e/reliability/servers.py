"""Real server processes for the reliability tests, and the stores they share.

Each server is ``python -m service.cli serve`` in its own OS process, as an operator
runs it: its own application object, its own connection pool, its own clock. Several
of them on one store are replicas behind a load balancer; killing one with SIGKILL is
a crash. Every process started here is ended in a ``finally``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx

from service.adapters.principals import create_development_principals
from service.domain.calendar import london_date
from tests.e2e.api.support import NAMES, random_nhs_number
from tests.paths import REPOSITORY

START_TIMEOUT = 30.0  # seconds for a process to answer /health/live
STOP_TIMEOUT = 10.0
BIND_ATTEMPTS = 3
REQUEST_TIMEOUT = 30.0  # every request the tests send is bounded by this


def development_principals(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A principals file in ``tmp_path`` and its tokens by short name (somerset, bristol, …)."""
    path = tmp_path / "principals.toml"
    tokens = create_development_principals(path)
    return path, {short: tokens[name] for short, name in NAMES.items()}


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on just now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class ChildProcess:
    """A ``case-transfer`` command in its own OS process, its output in a log file."""

    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        """The tail of what the process printed: for failure messages."""
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def kill(self) -> None:
        """SIGKILL: the process ends at once, mid-request, with no shutdown of any kind."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT)

    def stop(self) -> int:
        """SIGTERM, then SIGKILL if it has not ended in time; the exit status."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.returncode


@dataclass
class ServerProcess(ChildProcess):
    """One ``case-transfer serve`` process on 127.0.0.1."""

    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_until_live(self, timeout: float = START_TIMEOUT) -> None:
        """Poll /health/live, bounded in time; fail with the process's output if it died."""
        deadline = time.monotonic() + timeout
        with httpx.Client(base_url=self.base_url, timeout=2.0) as client:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(
                        f"the server on port {self.port} exited with status "
                        f"{self.process.returncode}:\n{self.output()}"
                    )
                with suppress(httpx.TransportError):
                    if client.get("/health/live").status_code == 200:
                        return
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the server on port {self.port} was not live after {timeout} s:\n"
                        f"{self.output()}"
                    )
                time.sleep(0.05)


def start_server(
    database_url: str, principals_file: Path, log_dir: Path, *, port: int | None = None
) -> ServerProcess:
    """Start ``python -m service.cli serve`` on ``port`` (a free one unless given)."""
    port = port or free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CASE_TRANSFER_")}
    environment.update(
        CASE_TRANSFER_DATABASE_URL=database_url,
        CASE_TRANSFER_PRINCIPALS_FILE=str(principals_file),
        PYTHONUNBUFFERED="1",
    )
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"server-{port}-{uuid4().hex[:6]}.log"
    command = [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, "--port", str(port)],
            cwd=REPOSITORY,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C of pytest does not reach it; we end it ourselves
        )
    return ServerProcess(process, log, port)


@contextmanager
def running_server(
    database_url: str, principals_file: Path, log_dir: Path, *, port: int | None = None
) -> Iterator[ServerProcess]:
    """One live server process, stopped (or killed) on the way out whatever happens.

    On a port chosen here, a start that loses the port to another process (between
    choosing it and binding it) is tried again on another.
    """
    for attempt in range(1, BIND_ATTEMPTS + 1):
        server = start_server(database_url, principals_file, log_dir, port=port)
        try:
            server.wait_until_live()
            break
        except RuntimeError:
            server.stop()
            if port is not None or attempt == BIND_ATTEMPTS:
                raise
            if "address already in use" not in server.output().lower():
                raise
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def running_servers(
    count: int, database_url: str, principals_file: Path, log_dir: Path
) -> Iterator[list[ServerProcess]]:
    """``count`` live server processes on one store, started one after another.

    One at a time, so a failure to start names its server; replicas starting together
    are tested on their own in test_multiprocess_races.py.
    """
    with ExitStack() as stack:
        yield [
            stack.enter_context(running_server(database_url, principals_file, log_dir))
            for _ in range(count)
        ]


def client(base_url: str, token: str | None = None) -> httpx.Client:
    """A real HTTP client for one principal, every request bounded in time."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=base_url, headers=headers, timeout=REQUEST_TIMEOUT)


def problem_code(response: httpx.Response) -> str:
    """The ``code`` of a problem answer ("" for a success)."""
    if response.is_success:
        return ""
    assert response.headers.get("content-type", "").startswith("application/problem+json"), (
        response.status_code,
        response.text,
    )
    body: dict[str, Any] = response.json()
    assert body["status"] == response.status_code, body
    assert body["type"] and body["title"] and body["detail"], body
    code: str = body["code"]
    return code


# ---- walking a case through its steps (each asserted to succeed) ------------------------


def london_today() -> date:
    return london_date(datetime.now(tz=UTC))


def opening(**overrides: Any) -> dict[str, Any]:
    """The body of a case opening for a new child."""
    return {
        "local_reference": f"REF-{uuid4().hex[:8]}",
        "nhs_number": random_nhs_number(),
        "date_of_birth": "2019-05-04",
        **overrides,
    }


def assessment() -> dict[str, Any]:
    return {
        "completed_on": london_today().isoformat(),
        "factors": ["3A", "8B"],
        "primary_need_code": "N1",
        "summary": "Neglect concerns; the family needs support with housing.",
    }


def sharing() -> dict[str, Any]:
    return {
        "categories": ["assessment", "chronology"],
        "references": ["DOC-1"],
        "shared_on": london_today().isoformat(),
    }


def succeed(response: httpx.Response) -> dict[str, Any]:
    assert response.is_success, (response.status_code, response.text)
    body: dict[str, Any] = response.json()
    return body


@dataclass
class Steps:
    """Somerset (933) and Bristol (801) walking cases through a transfer on one server."""

    somerset: httpx.Client
    bristol: httpx.Client

    def open_case(self) -> str:
        case_id: str = succeed(self.somerset.post("/v1/cases", json=opening()))["case_id"]
        return case_id

    def propose(self, case_id: str, to: str = "801") -> str:
        body = {"to_authority": to, "reason": "The family moved"}
        case = succeed(self.somerset.post(f"/v1/cases/{case_id}/transfers", json=body))
        transfer_id: str = case["active_transfer"]["transfer_id"]
        return transfer_id

    def propose_date(self, case_id: str, transfer_id: str, on: date) -> dict[str, Any]:
        """Bristol proposes ``on``; the case view after the proposal."""
        url = f"/v1/cases/{case_id}/transfers/{transfer_id}/date-proposals"
        return succeed(self.bristol.post(url, json={"date": on.isoformat()}))

    def ready_to_accept(self, case_id: str, on: date) -> str:
        """A new transfer to Bristol, assessed, shared and with ``on`` agreed."""
        transfer_id = self.propose(case_id)
        succeed(self.somerset.post(f"/v1/cases/{case_id}/assessments", json=assessment()))
        base = f"/v1/cases/{case_id}/transfers/{transfer_id}"
        succeed(self.somerset.post(f"{base}/information-shared", json=sharing()))
        self.propose_date(case_id, transfer_id, on)
        succeed(self.somerset.post(f"{base}/date-agreement", json={"date": on.isoformat()}))
        return transfer_id


# ---- reading a case back, and the invariants every case must keep -----------------------


def history(reader: httpx.Client, case_id: str) -> list[dict[str, Any]]:
    """The case's events as its history shows them, in order."""
    response = reader.get(f"/v1/cases/{case_id}/history")
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()["events"]
    return events


def assert_recorded_once(
    events: list[dict[str, Any]], answer: httpx.Response, event_type: str
) -> None:
    """The change a 2xx answer reported is in the history exactly once, at its version."""
    version = answer.json()["version"]
    at_version = [e for e in events if e["version"] == version]
    assert [e["type"] for e in at_version] == [event_type], (version, event_type, events)


def assert_case_invariants(reader: httpx.Client, case_id: str) -> list[dict[str, Any]]:
    """The rules every case keeps, read back over HTTP; returns the case's history.

    Nothing half-recorded: the history's versions are 1..n and the case view (which
    loads every event) is at version n. Rule 1: the timeline's intervals are contiguous
    and "who is responsible at the start of each interval" is that interval's authority.
    Rule 4: at most one transfer in progress.
    """
    events = history(reader, case_id)
    assert [e["version"] for e in events] == list(range(1, len(events) + 1)), events
    assert events[0]["type"] == "CaseOpened", events
    view = reader.get(f"/v1/cases/{case_id}")
    assert view.status_code == 200, view.text
    case = view.json()
    assert case["version"] == len(events), (case["version"], events)

    in_progress = [t for t in case["transfers"] if t["stage"] in ("proposed", "accepted")]
    assert len(in_progress) <= 1, case["transfers"]
    active = case["active_transfer"]
    assert [t["transfer_id"] for t in in_progress] == ([active["transfer_id"]] if active else [])

    timeline = reader.get(f"/v1/cases/{case_id}/timeline")
    assert timeline.status_code == 200, timeline.text
    intervals = timeline.json()["intervals"]
    assert intervals, case_id
    assert intervals[0]["since"] == case["opened_at"], (intervals, case["opened_at"])
    for earlier, later in pairwise(intervals):
        assert earlier["until"] == later["since"], intervals
        assert earlier["authority"]["code"] != later["authority"]["code"], intervals
    if case["status"] == "open":
        assert intervals[-1]["until"] is None, intervals
    for interval in intervals:
        answer = reader.get(f"/v1/cases/{case_id}/responsibility", params={"at": interval["since"]})
        assert answer.status_code == 200, answer.text
        assert answer.json()["authority"] == interval["authority"], (interval, answer.json())
    return events
